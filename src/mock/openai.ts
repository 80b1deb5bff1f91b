// OpenAI Chat Completions upstream: `POST /v1/chat/completions` (protocols.md §7.1 OA, §9.3 OA).
// `@think` puts `reasoning_content` on the message, the field OpenAI-compatible reasoning models
// (DeepSeek, vLLM, …) use; the official API sends no reasoning text on Chat Completions.
import type { ToolCall } from "./calls.ts";
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import { contentFrame, metaFrame, type ChatProtocol, type Frame, type Reply, type StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, SSE_DONE, sseData } from "./sse.ts";
import { readTurns } from "./text.ts";

function usage(r: Reply) {
  return {
    prompt_tokens: r.inputTokens,
    completion_tokens: r.outputTokens,
    total_tokens: r.inputTokens + r.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: r.reasoningTokens, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function toolCall(r: Reply, c: ToolCall) {
  return { id: ids.openaiCall(r.seq, c.index), type: "function", function: { name: c.name, arguments: c.arguments } };
}

function finishReason(r: Reply): string {
  if (r.finish === "content_filter") return "content_filter";
  return r.toolCalls.length > 0 ? "tool_calls" : "stop";
}

/**
 * Tool-call deltas round-robin across the calls: in the first round each call opens (id, name,
 * `arguments: ""`) and sends its first fragment, then one fragment per call per round. The live API may
 * interleave parallel calls, so a gateway must reassemble them by `index`.
 */
function* toolDeltas(r: Reply): Generator<object> {
  const rounds = Math.max(0, ...r.toolCalls.map((c) => c.fragments.length));
  for (let k = 0; k < rounds; k++) {
    for (const c of r.toolCalls) {
      if (k === 0) yield { index: c.index, id: ids.openaiCall(r.seq, c.index), type: "function", function: { name: c.name, arguments: "" } };
      const arguments_ = c.fragments[k];
      if (arguments_ !== undefined) yield { index: c.index, function: { arguments: arguments_ } };
    }
  }
}

function* chunks(r: Reply): Generator<Frame> {
  const includeUsage = field(field(r.body, "stream_options"), "include_usage") === true;
  const head = { id: ids.chatCompletion(r.seq), object: "chat.completion.chunk", created: r.created, model: r.model, system_fingerprint: "fp_mock" };
  // With include_usage the live API puts `usage: null` on every chunk but the trailing usage chunk.
  const tail = includeUsage ? { usage: null } : {};
  const choice = (delta: object, finish: string | null) => ({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...tail });
  const tools = r.toolCalls.length > 0;
  // A tool-call reply opens with `content: null`, as the live API does.
  yield metaFrame(sseData(choice({ role: "assistant", content: tools ? null : "", refusal: null }, null)));
  for (const piece of r.thinking?.pieces ?? []) yield contentFrame(sseData(choice({ reasoning_content: piece }, null)));
  if (tools) for (const d of toolDeltas(r)) yield contentFrame(sseData(choice({ tool_calls: [d] }, null)));
  else for (const piece of r.pieces) yield contentFrame(sseData(choice({ content: piece }, null)));
  if (r.finish === "none") return;
  yield metaFrame(sseData(choice({}, finishReason(r))));
  if (includeUsage) yield metaFrame(sseData({ ...head, choices: [], usage: usage(r) }));
  yield metaFrame(SSE_DONE);
}

function message(r: Reply) {
  const tools = r.toolCalls.length > 0;
  return {
    role: "assistant",
    content: tools ? null : r.text,
    ...(r.thinking === undefined ? {} : { reasoning_content: r.thinking.text }),
    refusal: null,
    annotations: [],
    ...(tools ? { tool_calls: r.toolCalls.map((c) => toolCall(r, c)) } : {}),
  };
}

export const openai: ChatProtocol = {
  name: "openai",
  reasoning: true,
  conversation: (body) => readTurns(field(body, "messages"), { contentKey: "content", isUser: (role) => role === "user" }),
  complete: (r) => ({
    id: ids.chatCompletion(r.seq),
    object: "chat.completion",
    created: r.created,
    model: r.model,
    choices: [{ index: 0, message: message(r), logprobs: null, finish_reason: finishReason(r) }],
    usage: usage(r),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  }),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: chunks(r) }),
};
