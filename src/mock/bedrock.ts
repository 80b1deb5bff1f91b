// Bedrock Converse upstream: `POST /model/{modelId}/converse` and `/converse-stream` (protocols.md §7.1 BR,
// §9.3 BR). The stream is binary AWS event-stream; `metrics.latencyMs` is real elapsed time. Blocks in
// order: `reasoningContent` under `@think`, then the text or one `toolUse` per `@tool` name. Text and
// reasoning blocks start implicitly, as on the live API; a tool block opens with `contentBlockStart`.
import { SIGNATURES } from "./calls.ts";
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
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

/** `content_filtered` is Converse's content-filter stop (docs.aws.amazon.com, Converse StopReason). */
function stopReason(r: Reply): string {
  if (r.finish === "content_filter") return "content_filtered";
  return r.toolCalls.length > 0 ? "tool_use" : "end_turn";
}

function content(r: Reply): object[] {
  const blocks: object[] = r.thinking === undefined ? [] : [{ reasoningContent: { reasoningText: { text: r.thinking.text, signature: SIGNATURES.bedrock } } }];
  if (r.toolCalls.length === 0) return [...blocks, { text: r.text }];
  return [...blocks, ...r.toolCalls.map((c) => ({ toolUse: { toolUseId: ids.bedrockToolUse(r.seq, c.index), name: c.name, input: c.input } }))];
}

function* events(r: Reply): Generator<Frame> {
  const frames = eventFrameEncoder();
  let contentBlockIndex = 0;
  const delta = (d: object) => contentFrame(frames.event("contentBlockDelta", { contentBlockIndex, delta: d }));
  const stop = () => metaFrame(frames.event("contentBlockStop", { contentBlockIndex: contentBlockIndex++ }));
  // Under `finish: none` the stream stops after the last delta: no block stop, messageStop or metadata.
  const cut = r.finish === "none";
  yield metaFrame(frames.event("messageStart", { role: "assistant" }));
  if (r.thinking !== undefined) {
    for (const text of r.thinking.pieces) yield delta({ reasoningContent: { text } });
    yield delta({ reasoningContent: { signature: SIGNATURES.bedrock } });
    yield stop();
  }
  for (const c of r.toolCalls) {
    yield metaFrame(frames.event("contentBlockStart", { contentBlockIndex, start: { toolUse: { toolUseId: ids.bedrockToolUse(r.seq, c.index), name: c.name } } }));
    for (const input of c.fragments) yield delta({ toolUse: { input } });
    if (cut && c.index === r.toolCalls.length - 1) return;
    yield stop();
  }
  if (r.toolCalls.length === 0) {
    for (const text of r.pieces) yield delta({ text });
    if (cut) return;
    yield stop();
  }
  yield metaFrame(frames.event("messageStop", { stopReason: stopReason(r) }));
  // Evaluated lazily, so the latency is measured when the last frame is written.
  yield metaFrame(frames.event("metadata", { usage: usage(r), metrics: { latencyMs: Math.round(r.elapsedMs()) } }));
}

export const bedrock: ChatProtocol = {
  name: "bedrock",
  reasoning: true,
  conversation,
  complete: (r) => ({
    output: { message: { role: "assistant", content: content(r) } },
    stopReason: stopReason(r),
    usage: usage(r),
    metrics: { latencyMs: Math.round(r.elapsedMs()) },
  }),
  stream: (r): StreamPlan => ({ contentType: EVENTSTREAM_CONTENT_TYPE, events: events(r) }),
};
