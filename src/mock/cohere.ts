// Cohere Chat v2 upstream: `POST /v2/chat` (protocols.md §7.1 CO, §9.3 CO). cohere-ai v8 reads the
// stream line by line, parsing each `data:` line as JSON and skipping `event:` lines, so every payload
// repeats its `type`; the live API sends no `[DONE]`. `@tool` replies carry `tool_calls` (no `tool_plan`,
// which readers would turn into text) and finish `TOOL_CALL`; v2 has no reasoning, so `@think` is ignored.
import type { ToolCall } from "./calls.ts";
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseEvent } from "./sse.ts";
import { readTurns } from "./text.ts";

function usage(r: Reply) {
  return {
    billed_units: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
    tokens: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
  };
}

/**
 * v2 has no content-filter finish; `ERROR_TOXIC` is the v1 value (a reply "deemed toxic") that some
 * deployments still send, and the one a gateway reads as a content filter.
 */
function finishReason(r: Reply): string {
  if (r.finish === "content_filter") return "ERROR_TOXIC";
  return r.toolCalls.length > 0 ? "TOOL_CALL" : "COMPLETE";
}

function toolCall(r: Reply, c: ToolCall, args: string) {
  return { id: ids.cohereCall(c.name, r.seq, c.index), type: "function", function: { name: c.name, arguments: args } };
}

function* events(r: Reply): Generator<Frame> {
  const ev = (type: string, rest: object) => metaFrame(sseEvent(type, { type, ...rest }));
  const delta = (type: string, rest: object) => contentFrame(sseEvent(type, { type, ...rest }));
  // Under `finish: none` the stream stops after the last delta: no content-end or message-end.
  const cut = r.finish === "none";
  yield ev("message-start", { id: ids.uuid(r.seq), delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } });
  // Tool-call events count the calls from 0, apart from content indexes.
  for (const c of r.toolCalls) {
    yield ev("tool-call-start", { index: c.index, delta: { message: { tool_calls: toolCall(r, c, "") } } });
    for (const args of c.fragments) yield delta("tool-call-delta", { index: c.index, delta: { message: { tool_calls: { function: { arguments: args } } } } });
    if (cut && c.index === r.toolCalls.length - 1) return;
    yield ev("tool-call-end", { index: c.index });
  }
  if (r.toolCalls.length === 0) {
    yield ev("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } });
    for (const text of r.pieces) yield delta("content-delta", { index: 0, delta: { message: { content: { text } } } });
    if (cut) return;
    yield ev("content-end", { index: 0 });
  }
  yield ev("message-end", { delta: { finish_reason: finishReason(r), usage: usage(r) } });
}

function message(r: Reply) {
  if (r.toolCalls.length === 0) return { role: "assistant", content: [{ type: "text", text: r.text }] };
  return { role: "assistant", tool_calls: r.toolCalls.map((c) => toolCall(r, c, c.arguments)) };
}

export const cohere: ChatProtocol = {
  name: "cohere",
  reasoning: false,
  conversation: (body) => readTurns(field(body, "messages"), { contentKey: "content", isUser: (role) => role === "user" }),
  complete: (r) => ({ id: ids.uuid(r.seq), finish_reason: finishReason(r), message: message(r), usage: usage(r) }),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: events(r) }),
};
