// Bedrock Converse upstream: `POST /model/{modelId}/converse` and `/converse-stream` (protocols.md §7.1 BR,
// §9.3 BR). The stream is binary AWS event-stream; `metrics.latencyMs` is real elapsed time.
import { field } from "./json.ts";
import type { ChatProtocol, Reply, StreamPlan } from "./protocol.ts";
import { EVENTSTREAM_CONTENT_TYPE, eventFrameEncoder } from "./eventstream.ts";
import { contentTexts, readTurns, type Conversation } from "./text.ts";

function conversation(body: unknown): Conversation {
  return readTurns(field(body, "messages"), {
    contentKey: "content",
    isUser: (role) => role === "user",
    prelude: contentTexts(field(body, "system")),
  });
}

function usage(r: Reply) {
  return { inputTokens: r.inputTokens, outputTokens: r.outputTokens, totalTokens: r.inputTokens + r.outputTokens };
}

function* events(r: Reply): Generator<Uint8Array> {
  const frames = eventFrameEncoder();
  yield frames.event("messageStart", { role: "assistant" });
  for (const text of r.pieces) yield frames.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text } });
  yield frames.event("contentBlockStop", { contentBlockIndex: 0 });
  yield frames.event("messageStop", { stopReason: "end_turn" });
  // Evaluated lazily, so the latency is measured when the last frame is written.
  yield frames.event("metadata", { usage: usage(r), metrics: { latencyMs: Math.round(r.elapsedMs()) } });
}

export const bedrock: ChatProtocol = {
  name: "bedrock",
  conversation,
  complete: (r) => ({
    output: { message: { role: "assistant", content: [{ text: r.text }] } },
    stopReason: "end_turn",
    usage: usage(r),
    metrics: { latencyMs: Math.round(r.elapsedMs()) },
  }),
  stream: (r): StreamPlan => ({ contentType: EVENTSTREAM_CONTENT_TYPE, events: events(r) }),
};
