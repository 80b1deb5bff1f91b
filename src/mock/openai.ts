// OpenAI Chat Completions upstream: `POST /v1/chat/completions` (protocols.md §7.1 OA, §9.3 OA).
import { field } from "./json.ts";
import { ids } from "./ids.ts";
import type { ChatProtocol, Reply, StreamPlan } from "./protocol.ts";
import { SSE_CONTENT_TYPE, SSE_DONE, sseData } from "./sse.ts";
import { readTurns } from "./text.ts";

function usage(r: Reply) {
  return {
    prompt_tokens: r.inputTokens,
    completion_tokens: r.outputTokens,
    total_tokens: r.inputTokens + r.outputTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: { reasoning_tokens: 0, audio_tokens: 0, accepted_prediction_tokens: 0, rejected_prediction_tokens: 0 },
  };
}

function* chunks(r: Reply): Generator<string> {
  const includeUsage = field(field(r.body, "stream_options"), "include_usage") === true;
  const head = { id: ids.chatCompletion(r.seq), object: "chat.completion.chunk", created: r.created, model: r.model, system_fingerprint: "fp_mock" };
  // With include_usage the live API puts `usage: null` on every chunk but the trailing usage chunk.
  const tail = includeUsage ? { usage: null } : {};
  const choice = (delta: object, finish: string | null) => ({ ...head, choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }], ...tail });
  yield sseData(choice({ role: "assistant", content: "", refusal: null }, null));
  for (const piece of r.pieces) yield sseData(choice({ content: piece }, null));
  yield sseData(choice({}, "stop"));
  if (includeUsage) yield sseData({ ...head, choices: [], usage: usage(r) });
  yield SSE_DONE;
}

export const openai: ChatProtocol = {
  name: "openai",
  conversation: (body) => readTurns(field(body, "messages"), { contentKey: "content", isUser: (role) => role === "user" }),
  complete: (r) => ({
    id: ids.chatCompletion(r.seq),
    object: "chat.completion",
    created: r.created,
    model: r.model,
    choices: [{
      index: 0,
      message: { role: "assistant", content: r.text, refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: "stop",
    }],
    usage: usage(r),
    service_tier: "default",
    system_fingerprint: "fp_mock",
  }),
  stream: (r): StreamPlan => ({ contentType: SSE_CONTENT_TYPE, events: chunks(r) }),
};

