// Anthropic Messages upstream: `POST /v1/messages` (protocols.md §7.1 AN, §9.3 AN). Like the live API,
// the stream carries one `ping` after the first block opens; gateways drop it on cross hops.
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import type { ChatProtocol, Reply, StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseEvent } from "./sse.ts";
import { contentTexts, readTurns, type Conversation } from "./text.ts";

function conversation(body: unknown): Conversation {
  return readTurns(field(body, "messages"), {
    contentKey: "content",
    isUser: (role) => role === "user",
    prelude: contentTexts(field(body, "system")),
  });
}

function message(r: Reply, done: boolean) {
  return {
    id: ids.anthropicMessage(r.seq),
    type: "message",
    role: "assistant",
    model: r.model,
    content: done ? [{ type: "text", text: r.text }] : [],
    stop_reason: done ? "end_turn" : null,
    stop_sequence: null,
    usage: {
      input_tokens: r.inputTokens,
      cache_creation_input_tokens: 0,
      cache_read_input_tokens: 0,
      // The live API reports 1 output token on message_start; the final count comes on message_delta.
      output_tokens: done ? r.outputTokens : 1,
      service_tier: "standard",
    },
  };
}

function* events(r: Reply): Generator<string> {
  const ev = (type: string, rest: object) => sseEvent(type, { type, ...rest });
  yield ev("message_start", { message: message(r, false) });
  yield ev("content_block_start", { index: 0, content_block: { type: "text", text: "" } });
  yield ev("ping", {});
  for (const text of r.pieces) yield ev("content_block_delta", { index: 0, delta: { type: "text_delta", text } });
  yield ev("content_block_stop", { index: 0 });
  yield ev("message_delta", { delta: { stop_reason: "end_turn", stop_sequence: null }, usage: { output_tokens: r.outputTokens } });
  yield ev("message_stop", {});
}

export const anthropic: ChatProtocol = {
  name: "anthropic",
  conversation,
  complete: (r) => message(r, true),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: events(r) }),
};
