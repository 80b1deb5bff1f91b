// Cohere Chat v2 upstream: `POST /v2/chat` (protocols.md §7.1 CO, §9.3 CO). cohere-ai v8 reads the
// stream line by line, parsing each `data:` line as JSON and skipping `event:` lines, so every payload
// repeats its `type`; the live API sends no `[DONE]`.
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import type { ChatProtocol, Reply, StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseEvent } from "./sse.ts";
import { readTurns } from "./text.ts";

function usage(r: Reply) {
  return {
    billed_units: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
    tokens: { input_tokens: r.inputTokens, output_tokens: r.outputTokens },
  };
}

function* events(r: Reply): Generator<string> {
  const ev = (type: string, rest: object) => sseEvent(type, { type, ...rest });
  yield ev("message-start", { id: ids.uuid(r.seq), delta: { message: { role: "assistant", content: [], tool_plan: "", tool_calls: [], citations: [] } } });
  yield ev("content-start", { index: 0, delta: { message: { content: { type: "text", text: "" } } } });
  for (const text of r.pieces) yield ev("content-delta", { index: 0, delta: { message: { content: { text } } } });
  yield ev("content-end", { index: 0 });
  yield ev("message-end", { delta: { finish_reason: "COMPLETE", usage: usage(r) } });
}

export const cohere: ChatProtocol = {
  name: "cohere",
  conversation: (body) => readTurns(field(body, "messages"), { contentKey: "content", isUser: (role) => role === "user" }),
  complete: (r) => ({
    id: ids.uuid(r.seq),
    finish_reason: "COMPLETE",
    message: { role: "assistant", content: [{ type: "text", text: r.text }] },
    usage: usage(r),
  }),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: events(r) }),
};
