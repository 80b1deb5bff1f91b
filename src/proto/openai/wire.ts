// OpenAI Chat Completions on the wire (protocols.md §1, §3.1, §6, §7.1, §9.3): paths, credentials, and the shapes
// the codec reads, as valibot schemas (STYLE habit 4). Field names follow the openai SDK's
// `resources/chat/completions/completions.d.ts`. Objects are loose: fields busbar does not model pass validation
// and are handled (extra, or a ledger entry) by the reader.
import * as v from "valibot";
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";

export function egressPath(op: Operation): string {
  return op === "embeddings" ? "/v1/embeddings" : "/v1/chat/completions";
}

/** Bearer by default; `api-key` is Azure's header style. */
export function bearerCredential(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": return {};
    case "api-key": return { "api-key": key };
    case "native": case "bearer": return { authorization: `Bearer ${key}` };
    default: return assertNever(style, "credential style");
  }
}

const str = v.string();
const num = v.number();

// ---- content parts (text parts, messages and their content arrays are narrowed in hot.ts) ----

export const RefusalPart = v.looseObject({ type: v.literal("refusal"), refusal: str });
export const ImagePart = v.looseObject({
  type: v.literal("image_url"),
  image_url: v.looseObject({ url: str, detail: v.nullish(str) }),
});
export const FilePart = v.looseObject({
  type: v.literal("file"),
  file: v.looseObject({ file_data: v.nullish(str), file_id: v.nullish(str), filename: v.nullish(str) }),
});

// ---- messages (narrowed in hot.ts; the tool-call schema serves responses) ----

export const ToolCall = v.looseObject({
  id: str,
  type: v.optional(str),
  function: v.optional(v.looseObject({ name: str, arguments: str })),
});
/** Message fields the reader models; any other non-null field is recorded (`messages[i].<field>`). */
export const MODELED_MESSAGE_KEYS: ReadonlySet<string> = new Set(["role", "content", "refusal", "tool_calls", "tool_call_id"]);

// ---- tools, tool choice, response format ----

export const AnyTool = v.looseObject({ type: str });
export const FunctionTool = v.looseObject({
  type: v.literal("function"),
  function: v.looseObject({
    name: str,
    description: v.nullish(str),
    parameters: v.nullish(v.unknown()),
    strict: v.nullish(v.boolean()),
  }),
});
export const ToolChoice = v.union([
  v.string(),
  v.looseObject({ type: str, function: v.optional(v.looseObject({ name: str })) }),
]);
export type ToolChoice = v.InferOutput<typeof ToolChoice>;
export const ResponseFormat = v.union([
  v.looseObject({ type: v.literal("text") }),
  v.looseObject({ type: v.literal("json_object") }),
  v.looseObject({
    type: v.literal("json_schema"),
    json_schema: v.looseObject({
      name: v.nullish(str),
      schema: v.optional(v.unknown()),
      strict: v.nullish(v.boolean()),
      description: v.nullish(str),
    }),
  }),
]);
export type ResponseFormat = v.InferOutput<typeof ResponseFormat>;

// ---- the request ----

export const Request = v.looseObject({
  model: v.optional(str),
  /** Narrowed one by one by hot.ts (measured: a schema per message cost as much as JSON.parse). */
  messages: v.array(v.unknown()),
  max_tokens: v.nullish(num),
  max_completion_tokens: v.nullish(num),
  temperature: v.nullish(num),
  top_p: v.nullish(num),
  n: v.nullish(num),
  frequency_penalty: v.nullish(num),
  presence_penalty: v.nullish(num),
  seed: v.nullish(num),
  stop: v.nullish(v.union([str, v.array(str)])),
  response_format: v.nullish(ResponseFormat),
  reasoning_effort: v.nullish(str),
  logprobs: v.nullish(v.boolean()),
  top_logprobs: v.nullish(num),
  user: v.nullish(str),
  stream: v.nullish(v.boolean()),
  stream_options: v.nullish(v.looseObject({ include_usage: v.nullish(v.boolean()) })),
  tools: v.nullish(v.array(AnyTool)),
  tool_choice: v.nullish(ToolChoice),
  parallel_tool_calls: v.nullish(v.boolean()),
});

/** Top-level request keys the reader models; every other key goes to `extra` (protocols.md §3.3 step 1). */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set(Object.keys(Request.entries));

// ---- the response ----

export const Usage = v.looseObject({
  prompt_tokens: v.nullish(num),
  completion_tokens: v.nullish(num),
  prompt_tokens_details: v.nullish(v.looseObject({ cached_tokens: v.nullish(num), cache_write_tokens: v.nullish(num) })),
  completion_tokens_details: v.nullish(v.looseObject({ reasoning_tokens: v.nullish(num) })),
});
export type Usage = v.InferOutput<typeof Usage>;

const TopLogprob = v.looseObject({ token: str, logprob: num, bytes: v.nullish(v.array(num)) });
export const TokenLogprob = v.looseObject({
  token: str,
  logprob: num,
  bytes: v.nullish(v.array(num)),
  top_logprobs: v.nullish(v.array(TopLogprob)),
});
export type TokenLogprob = v.InferOutput<typeof TokenLogprob>;
export const Logprobs = v.nullish(v.looseObject({ content: v.nullish(v.array(TokenLogprob)), refusal: v.nullish(v.array(v.unknown())) }));

export const ResponseMessage = v.looseObject({
  content: v.nullish(str),
  refusal: v.nullish(str),
  tool_calls: v.nullish(v.array(ToolCall)),
  /** DeepSeek, vLLM, OpenRouter and others return reasoning text here (protocols.md §6.3). */
  reasoning_content: v.nullish(str),
  reasoning: v.nullish(str),
  annotations: v.nullish(v.array(v.unknown())),
  audio: v.nullish(v.unknown()),
  function_call: v.nullish(v.unknown()),
});
export type ResponseMessage = v.InferOutput<typeof ResponseMessage>;

export const Response = v.looseObject({
  created: v.nullish(num),
  model: v.nullish(str),
  choices: v.array(v.looseObject({ message: ResponseMessage, finish_reason: v.nullish(str), logprobs: Logprobs })),
  usage: v.nullish(Usage),
});

// ---- errors ----

/** OpenAI's error envelope (protocols.md §8); compatible servers also send `{"error":"text"}` or `{"message"}`. */
export const ErrorBody = v.looseObject({
  error: v.optional(v.union([
    str,
    v.looseObject({ message: v.nullish(str), type: v.nullish(str), code: v.nullish(v.union([str, num])) }),
  ])),
  message: v.optional(v.unknown()),
});
export type ErrorBody = v.InferOutput<typeof ErrorBody>;
