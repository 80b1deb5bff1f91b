// OpenAI Responses upstream: `POST /v1/responses` (protocols.md §7.1 RS, §9.3 RS). The stream carries
// `response.content_part.added` before the text deltas, which the openai SDK's stream helper needs.
// Output items in order: a `reasoning` item under `@think`, then the message or one `function_call` per
// `@tool` name (status stays `completed`; the function_call items are what say "tool use").
import { SIGNATURES, type Thinking, type ToolCall } from "./calls.ts";
import { field, list, str } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, sseEvent } from "./sse.ts";
import { contentTexts, type Conversation } from "./text.ts";

/** `input` is a string (one user turn) or a list of items; message items carry `role` + `content`. */
function conversation(body: unknown): Conversation {
  const instructions = str(field(body, "instructions"));
  const texts: string[] = instructions === undefined ? [] : [instructions];
  const input = field(body, "input");
  const single = str(input);
  if (single !== undefined) return { texts: [...texts, single], lastUser: single };
  let lastUser = "";
  for (const item of list(input)) {
    const parts = contentTexts(field(item, "content"));
    texts.push(...parts);
    if (field(item, "role") === "user") lastUser = parts.join("");
  }
  return { texts, lastUser };
}

function usage(r: Reply) {
  return {
    input_tokens: r.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: r.outputTokens,
    output_tokens_details: { reasoning_tokens: r.reasoningTokens },
    total_tokens: r.inputTokens + r.outputTokens,
  };
}

function textPart(text: string) {
  return { type: "output_text", text, annotations: [], logprobs: [] };
}

function message(r: Reply, done: boolean) {
  return {
    id: ids.responseMessage(r.seq),
    type: "message",
    status: done ? "completed" : "in_progress",
    role: "assistant",
    content: done ? [textPart(r.text)] : [],
  };
}

/**
 * The reasoning text is both `content` (`reasoning_text`, what the stream's deltas build) and the
 * `summary`; `encrypted_content` is the signature a client sends back on the next turn. While streaming,
 * the added item already holds the empty `reasoning_text` part the deltas append to.
 */
function reasoningItem(r: Reply, t: Thinking, done: boolean) {
  return {
    id: ids.responsesReasoning(r.seq),
    type: "reasoning",
    summary: done ? [{ type: "summary_text", text: t.text }] : [],
    content: [{ type: "reasoning_text", text: done ? t.text : "" }],
    ...(done ? { encrypted_content: SIGNATURES.responses } : {}),
  };
}

function callItem(r: Reply, c: ToolCall, done: boolean) {
  return {
    id: ids.responsesCall(r.seq, c.index),
    type: "function_call",
    status: done ? "completed" : "in_progress",
    call_id: ids.openaiCall(r.seq, c.index),
    name: c.name,
    arguments: done ? c.arguments : "",
  };
}

function output(r: Reply): object[] {
  const items: object[] = r.thinking === undefined ? [] : [reasoningItem(r, r.thinking, true)];
  if (r.toolCalls.length > 0) items.push(...r.toolCalls.map((c) => callItem(r, c, true)));
  else items.push(message(r, true));
  return items;
}

/** A content-filtered reply ends `incomplete` with reason `content_filter` (platform.openai.com, Responses object). */
const filtered = (r: Reply) => r.finish === "content_filter";

function response(r: Reply, done: boolean) {
  return {
    id: ids.response(r.seq),
    object: "response",
    created_at: r.created,
    status: !done ? "in_progress" : filtered(r) ? "incomplete" : "completed",
    background: false,
    error: null,
    incomplete_details: done && filtered(r) ? { reason: "content_filter" } : null,
    instructions: str(field(r.body, "instructions")) ?? null,
    max_output_tokens: null,
    metadata: {},
    model: r.model,
    output: done ? output(r) : [],
    parallel_tool_calls: true,
    previous_response_id: null,
    reasoning: { effort: null, summary: null },
    service_tier: "default",
    store: false,
    temperature: 1,
    text: { format: { type: "text" } },
    tool_choice: "auto",
    tools: [],
    top_p: 1,
    truncation: "disabled",
    usage: done ? usage(r) : null,
    user: null,
  };
}

function* events(r: Reply): Generator<Frame> {
  let seq = 0;
  const wire = (type: string, rest: object) => sseEvent(type, { type, sequence_number: seq++, ...rest });
  const ev = (type: string, rest: object) => metaFrame(wire(type, rest));
  const delta = (type: string, rest: object) => contentFrame(wire(type, rest));
  // Under `finish: none` the stream stops after the last delta of the last item.
  const cut = r.finish === "none";
  let output_index = 0;
  yield ev("response.created", { response: response(r, false) });
  yield ev("response.in_progress", { response: response(r, false) });
  if (r.thinking !== undefined) {
    const t = r.thinking;
    const at = { item_id: ids.responsesReasoning(r.seq), output_index, content_index: 0 };
    yield ev("response.output_item.added", { output_index, item: reasoningItem(r, t, false) });
    for (const d of t.pieces) yield delta("response.reasoning_text.delta", { ...at, delta: d });
    yield ev("response.reasoning_text.done", { ...at, text: t.text });
    yield ev("response.output_item.done", { output_index, item: reasoningItem(r, t, true) });
    output_index++;
  }
  for (const c of r.toolCalls) {
    const at = { item_id: ids.responsesCall(r.seq, c.index), output_index };
    yield ev("response.output_item.added", { output_index, item: callItem(r, c, false) });
    for (const d of c.fragments) yield delta("response.function_call_arguments.delta", { ...at, delta: d });
    if (cut && c.index === r.toolCalls.length - 1) return;
    yield ev("response.function_call_arguments.done", { ...at, arguments: c.arguments });
    yield ev("response.output_item.done", { output_index, item: callItem(r, c, true) });
    output_index++;
  }
  if (r.toolCalls.length === 0) {
    const at = { item_id: ids.responseMessage(r.seq), output_index, content_index: 0 };
    yield ev("response.output_item.added", { output_index, item: message(r, false) });
    yield ev("response.content_part.added", { ...at, part: textPart("") });
    for (const d of r.pieces) yield delta("response.output_text.delta", { ...at, delta: d, logprobs: [] });
    if (cut) return;
    yield ev("response.output_text.done", { ...at, text: r.text, logprobs: [] });
    yield ev("response.content_part.done", { ...at, part: textPart(r.text) });
    yield ev("response.output_item.done", { output_index, item: message(r, true) });
  }
  yield ev(filtered(r) ? "response.incomplete" : "response.completed", { response: response(r, true) });
}

export const responses: ChatProtocol = {
  name: "responses",
  reasoning: true,
  conversation,
  complete: (r) => response(r, true),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: events(r) }),
};
