// Anthropic Messages upstream: `POST /v1/messages` (protocols.md §7.1 AN, §9.3 AN). Like the live API,
// the stream carries one `ping` after the first block opens; gateways drop it on cross hops. Blocks in
// order: `thinking` under `@think`, then the text or one `tool_use` per `@tool` name.
import { SIGNATURES } from "./calls.ts";
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseEvent } from "./sse.ts";
import { contentTexts, readTurns, type Conversation } from "./text.ts";

function conversation(body: unknown): Conversation {
  return readTurns(field(body, "messages"), {
    contentKey: "content",
    isUser: (role) => role === "user",
    prelude: contentTexts(field(body, "system")),
  });
}

function content(r: Reply): object[] {
  const blocks: object[] = r.thinking === undefined ? [] : [{ type: "thinking", thinking: r.thinking.text, signature: SIGNATURES.anthropic }];
  if (r.toolCalls.length === 0) return [...blocks, { type: "text", text: r.text }];
  return [...blocks, ...r.toolCalls.map((c) => ({ type: "tool_use", id: ids.anthropicToolUse(r.seq, c.index), name: c.name, input: c.input }))];
}

/** `refusal` is the stop Anthropic's streaming safety classifiers give (docs.anthropic.com, "Handling stop reasons"). */
function stopReason(r: Reply): string {
  if (r.finish === "content_filter") return "refusal";
  return r.toolCalls.length > 0 ? "tool_use" : "end_turn";
}

function message(r: Reply, done: boolean) {
  return {
    id: ids.anthropicMessage(r.seq),
    type: "message",
    role: "assistant",
    model: r.model,
    content: done ? content(r) : [],
    stop_reason: done ? stopReason(r) : null,
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

function* events(r: Reply): Generator<Frame> {
  const ev = (type: string, rest: object) => metaFrame(sseEvent(type, { type, ...rest }));
  let index = 0;
  // Under `finish: none` the stream stops after the last delta: no block stop, no message_delta/message_stop.
  const cut = r.finish === "none";
  function* block(start: object, deltas: readonly object[], last: boolean): Generator<Frame> {
    yield ev("content_block_start", { index, content_block: start });
    if (index === 0) yield ev("ping", {});
    for (const delta of deltas) yield contentFrame(sseEvent("content_block_delta", { type: "content_block_delta", index, delta }));
    if (cut && last) return;
    yield ev("content_block_stop", { index });
    index++;
  }
  yield ev("message_start", { message: message(r, false) });
  if (r.thinking !== undefined) {
    const deltas = [
      ...r.thinking.pieces.map((thinking) => ({ type: "thinking_delta", thinking })),
      { type: "signature_delta", signature: SIGNATURES.anthropic },
    ];
    yield* block({ type: "thinking", thinking: "", signature: "" }, deltas, false);
  }
  for (const c of r.toolCalls) {
    const deltas = c.fragments.map((partial_json) => ({ type: "input_json_delta", partial_json }));
    yield* block({ type: "tool_use", id: ids.anthropicToolUse(r.seq, c.index), name: c.name, input: {} }, deltas, c.index === r.toolCalls.length - 1);
  }
  if (r.toolCalls.length === 0) yield* block({ type: "text", text: "" }, r.pieces.map((text) => ({ type: "text_delta", text })), true);
  if (cut) return;
  yield ev("message_delta", { delta: { stop_reason: stopReason(r), stop_sequence: null }, usage: { output_tokens: r.outputTokens } });
  yield ev("message_stop", {});
}

export const anthropic: ChatProtocol = {
  name: "anthropic",
  reasoning: true,
  conversation,
  complete: (r) => message(r, true),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: events(r) }),
};
