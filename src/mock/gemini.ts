// Gemini upstream: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`
// (protocols.md §7.1 GM, §9.3 GM). Streams are SSE with `?alt=sse`, else one JSON array.
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import type { ChatProtocol, Reply, StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseDataCrlf } from "./sse.ts";
import { contentTexts, readTurns, type Conversation } from "./text.ts";

function conversation(body: unknown): Conversation {
  return readTurns(field(body, "contents"), {
    contentKey: "parts",
    // Gemini lets a single-turn request omit `role`; it then means the user.
    isUser: (role) => role === undefined || role === "user",
    prelude: contentTexts(field(field(body, "systemInstruction"), "parts")),
  });
}

function usageMetadata(r: Reply) {
  return {
    promptTokenCount: r.inputTokens,
    candidatesTokenCount: r.outputTokens,
    totalTokenCount: r.inputTokens + r.outputTokens,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: r.inputTokens }],
  };
}

/** One GenerateContentResponse; `last` adds the finish reason and the authoritative usage. */
function chunk(r: Reply, text: string, last: boolean) {
  const candidate = { content: { parts: [{ text }], role: "model" }, ...(last ? { finishReason: "STOP" } : {}), index: 0 };
  return {
    candidates: [candidate],
    ...(last ? { usageMetadata: usageMetadata(r) } : {}),
    modelVersion: r.model,
    responseId: ids.geminiResponse(r.seq),
  };
}

function* sse(r: Reply): Generator<string> {
  const n = r.pieces.length;
  for (let i = 0; i < n; i++) yield sseDataCrlf(chunk(r, r.pieces[i] ?? "", i === n - 1));
}

/** JSON-array mode: `[` + chunks joined by `,` + `]`; each piece of the array is one event. */
function* array(r: Reply): Generator<string> {
  const n = r.pieces.length;
  for (let i = 0; i < n; i++) yield `${i === 0 ? "[" : ",\r\n"}${JSON.stringify(chunk(r, r.pieces[i] ?? "", i === n - 1))}`;
  yield n === 0 ? "[]" : "]";
}

export const gemini: ChatProtocol = {
  name: "gemini",
  conversation,
  complete: (r) => chunk(r, r.text, true),
  stream: (r): StreamPlan =>
    r.query.get("alt") === "sse"
      ? { contentType: SSE_CONTENT_TYPE, events: sse(r) }
      : { contentType: "application/json; charset=UTF-8", events: array(r) },
};
