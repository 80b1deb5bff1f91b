// Gemini upstream: `POST /v1beta/models/{model}:generateContent` and `:streamGenerateContent`
// (protocols.md §7.1 GM, §9.3 GM). Streams are SSE with `?alt=sse`, else one JSON array. Under `@think`
// the thought parts come first (the signature on the last one); `@tool` calls are `functionCall` parts
// without `id`, each signed with a `thoughtSignature` as Gemini 3 signs them (`sig-gemini-fc-<n>`, n from 1),
// all in one chunk (never incremental), and the finish reason stays `STOP`. `@require-signatures` makes the
// mock reject, as Gemini 3 does, a history holding a `functionCall` part without its signature.
import { functionCallSignature, SIGNATURES } from "./calls.ts";
import { modelDirectives } from "./directives.ts";
import { field, isRecord, list, str } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
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

/** `candidatesTokenCount` excludes the thoughts, which Gemini reports apart and adds into the total. */
function usageMetadata(r: Reply) {
  return {
    promptTokenCount: r.inputTokens,
    candidatesTokenCount: r.outputTokens - r.reasoningTokens,
    totalTokenCount: r.inputTokens + r.outputTokens,
    promptTokensDetails: [{ modality: "TEXT", tokenCount: r.inputTokens }],
    ...(r.reasoningTokens > 0 ? { thoughtsTokenCount: r.reasoningTokens } : {}),
  };
}

type Part = Readonly<Record<string, unknown>>;

function thoughtParts(pieces: readonly string[]): Part[] {
  return pieces.map((text, i) => ({ text, thought: true, ...(i === pieces.length - 1 ? { thoughtSignature: SIGNATURES.gemini } : {}) }));
}

function answerParts(r: Reply): Part[] {
  if (r.toolCalls.length === 0) return [{ text: r.text }];
  return r.toolCalls.map((c) => ({ functionCall: { name: c.name, args: c.input }, thoughtSignature: functionCallSignature(c.index) }));
}

/** The parts of each streamed chunk: one thought piece each, then one text piece or all the calls. */
function streamParts(r: Reply): Part[][] {
  const out = thoughtParts(r.thinking?.pieces ?? []).map((p) => [p]);
  if (r.toolCalls.length > 0) out.push(answerParts(r));
  else out.push(...r.pieces.map((text) => [{ text }]));
  return out;
}

/** A safety block ends the candidate with `SAFETY` (ai.google.dev, FinishReason). */
const finishReason = (r: Reply) => (r.finish === "content_filter" ? "SAFETY" : "STOP");

/**
 * One GenerateContentResponse; `last` adds the finish reason and the authoritative usage, except under
 * `finish: none`, where the last chunk looks like any other.
 */
function chunk(r: Reply, parts: readonly Part[], last: boolean) {
  const end = last && r.finish !== "none";
  const candidate = { content: { parts, role: "model" }, ...(end ? { finishReason: finishReason(r) } : {}), index: 0 };
  return {
    candidates: [candidate],
    ...(end ? { usageMetadata: usageMetadata(r) } : {}),
    modelVersion: r.model,
    responseId: ids.geminiResponse(r.seq),
  };
}

/** Every chunk carries output, so every frame counts as content. */
function* sse(r: Reply): Generator<Frame> {
  const all = streamParts(r);
  for (let i = 0; i < all.length; i++) yield contentFrame(sseDataCrlf(chunk(r, all[i] ?? [], i === all.length - 1)));
}

/** JSON-array mode: `[` + chunks joined by `,` + `]`; each piece of the array is one event. */
function* array(r: Reply): Generator<Frame> {
  const all = streamParts(r);
  for (let i = 0; i < all.length; i++) yield contentFrame(`${i === 0 ? "[" : ",\r\n"}${JSON.stringify(chunk(r, all[i] ?? [], i === all.length - 1))}`);
  yield metaFrame(all.length === 0 ? "[]" : "]");
}

/**
 * Gemini 3 refuses a history whose function calls lost their signatures (ai.google.dev, "Thought signatures"):
 * under `@require-signatures` the first unsigned `functionCall` part is named in a 400 INVALID_ARGUMENT, worded
 * as the live API words it.
 */
function reject(body: unknown, model: string): string | undefined {
  if (!modelDirectives(model).some((d) => d.key === "require-signatures")) return undefined;
  const contents = list(field(body, "contents"));
  for (let i = 0; i < contents.length; i++) {
    for (const part of list(field(contents[i], "parts"))) {
      const call = field(part, "functionCall");
      if (!isRecord(call) || str(field(part, "thoughtSignature")) !== undefined) continue;
      return `Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call \`default_api:${str(call.name) ?? ""}\` , position ${i + 1}. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.`;
    }
  }
  return undefined;
}

export const gemini: ChatProtocol = {
  name: "gemini",
  reasoning: true,
  reject,
  conversation,
  complete: (r) => chunk(r, [...thoughtParts(r.thinking === undefined ? [] : [r.thinking.text]), ...answerParts(r)], true),
  stream: (r): StreamPlan =>
    r.query.get("alt") === "sse"
      ? { contentType: SSE_CONTENT_TYPE, events: sse(r) }
      : { contentType: "application/json; charset=UTF-8", events: array(r) },
};
