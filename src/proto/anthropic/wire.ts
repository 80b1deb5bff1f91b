// Anthropic Messages on the wire: paths, version header, credentials (protocols.md §1, §3.1), and the shapes the
// codec reads, as valibot schemas (STYLE habit 4). Field names follow @anthropic-ai/sdk
// `resources/messages/messages.d.ts`. Objects are loose: fields busbar does not model pass validation and the
// reader decides (extra, or a ledger entry). Blocks are parsed in two steps: `AnyBlock` for the `type`, then the
// block's own schema, so an unknown block type is a recorded drop rather than a rejected request.
import * as v from "valibot";
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";
import { isStringOrBlocks } from "./hot.ts";

export const ANTHROPIC_VERSION = "2023-06-01";

export function egressPath(op: Operation): string {
  return op === "count_tokens" ? "/v1/messages/count_tokens" : "/v1/messages";
}

/** `x-api-key` natively; OAuth tokens (`sk-ant-oat…`) and `auth: bearer` go as Bearer. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  const version = { "anthropic-version": ANTHROPIC_VERSION };
  switch (style) {
    case "none": return version;
    case "bearer": return { ...version, authorization: `Bearer ${key}` };
    case "api-key": return { ...version, "x-api-key": key };
    case "native":
      return key.startsWith("sk-ant-oat") ? { ...version, authorization: `Bearer ${key}` } : { ...version, "x-api-key": key };
    default: return assertNever(style, "credential style");
  }
}

const str = v.string();
const num = v.number();

export const CacheControl = v.looseObject({ type: v.literal("ephemeral"), ttl: v.nullish(str) });
const cache = v.nullish(CacheControl);

// ---- content blocks ----

export const AnyBlock = v.looseObject({ type: str });
export type AnyBlock = v.InferOutput<typeof AnyBlock>;

/**
 * `content: string | Block[]`. A custom check rather than `v.union`: a union builds issue objects for every
 * failed branch, which made a 32 KB request cost ~4× more to read (PERF-NOTES). Blocks are validated one by one
 * with their own schema when the reader dispatches them.
 */
const StringOrBlocks = v.custom<string | AnyBlock[]>(
  isStringOrBlocks,
  "Expected a string or an array of content blocks",
);

export const TextBlock = v.looseObject({
  type: v.literal("text"),
  text: str,
  cache_control: cache,
  citations: v.nullish(v.array(v.looseObject({ type: str }))),
});
export type TextBlock = v.InferOutput<typeof TextBlock>;

/** base64 / url / file (images); base64 pdf / text / url / content / file (documents). Dispatched on `type`. */
export const Source = v.looseObject({ type: str });
export const Base64Source = v.looseObject({ type: v.literal("base64"), media_type: str, data: str });
export const UrlSource = v.looseObject({ type: v.literal("url"), url: str });
export const TextSource = v.looseObject({ type: v.literal("text"), media_type: v.nullish(str), data: str });
export const ImageBlock = v.looseObject({ type: v.literal("image"), source: Source, cache_control: cache });
export const DocumentBlock = v.looseObject({
  type: v.literal("document"),
  source: Source,
  title: v.nullish(str),
  context: v.nullish(str),
  citations: v.nullish(v.looseObject({ enabled: v.nullish(v.boolean()) })),
  cache_control: cache,
});
export const ThinkingBlock = v.looseObject({ type: v.literal("thinking"), thinking: str, signature: v.nullish(str), cache_control: cache });
export const RedactedThinkingBlock = v.looseObject({ type: v.literal("redacted_thinking"), data: str, cache_control: cache });
export const ToolUseBlock = v.looseObject({ type: v.literal("tool_use"), id: str, name: str, input: v.unknown(), cache_control: cache });
export const ToolResultBlock = v.looseObject({
  type: v.literal("tool_result"),
  tool_use_id: str,
  content: v.nullish(StringOrBlocks),
  is_error: v.nullish(v.boolean()),
  cache_control: cache,
});

// ---- request ----

export const Message = v.looseObject({
  role: v.picklist(["user", "assistant", "system"]),
  content: StringOrBlocks,
});

export const Tool = v.looseObject({
  type: v.nullish(str),
  name: str,
  description: v.nullish(str),
  input_schema: v.nullish(v.unknown()),
  cache_control: cache,
  strict: v.nullish(v.boolean()),
});
/** Client tools have no `type` (or `custom`); anything else is an Anthropic server tool (web search, bash, …). */
export const AnyTool = v.looseObject({ type: v.nullish(str) });

export const ToolChoice = v.looseObject({
  type: str,
  name: v.nullish(str),
  disable_parallel_tool_use: v.nullish(v.boolean()),
});

export const Thinking = v.looseObject({ type: str, budget_tokens: v.nullish(num) });

export const Request = v.looseObject({
  model: v.nullish(str),
  max_tokens: v.nullish(num),
  messages: v.array(Message),
  system: v.nullish(StringOrBlocks),
  metadata: v.nullish(v.looseObject({ user_id: v.nullish(str) })),
  stop_sequences: v.nullish(v.array(str)),
  stream: v.nullish(v.boolean()),
  temperature: v.nullish(num),
  top_p: v.nullish(num),
  top_k: v.nullish(num),
  thinking: v.nullish(Thinking),
  tool_choice: v.nullish(ToolChoice),
  tools: v.nullish(v.array(AnyTool)),
});

/** `Request` with its messages left unchecked, for the reader's fast path (hot.ts narrows them; a miss re-parses with `Request`). */
export const RequestShell = v.looseObject({
  ...Request.entries,
  messages: v.custom<unknown[]>(Array.isArray, "Expected an array of messages"), // not copied, unlike v.array
});

/** Top-level request keys the IR models; every other key goes to `extra` (protocols.md §3.3 step 1). */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set([
  "model", "max_tokens", "messages", "system", "metadata", "stop_sequences", "stream", "temperature", "top_p",
  "top_k", "thinking", "tool_choice", "tools",
]);

// ---- response and stream ----

export const WireUsage = v.looseObject({
  input_tokens: v.nullish(num),
  output_tokens: v.nullish(num),
  cache_read_input_tokens: v.nullish(num),
  cache_creation_input_tokens: v.nullish(num),
  output_tokens_details: v.nullish(v.looseObject({ thinking_tokens: v.nullish(num) })),
});
export type WireUsage = v.InferOutput<typeof WireUsage>;

export const Response = v.looseObject({
  model: v.nullish(str),
  content: v.array(AnyBlock),
  stop_reason: v.nullish(str),
  stop_sequence: v.nullish(str),
  usage: v.nullish(WireUsage),
});

export const ErrorBody = v.looseObject({
  // `code` is not Anthropic's own: Anthropic-compatible providers send one (`"1113"`, reliability.md §2 error_map).
  error: v.looseObject({ type: v.nullish(str), message: v.nullish(str), code: v.optional(v.unknown()) }),
});

// ---- stream frames (§9.3 AN); each `data:` repeats its event name as `type` ----

export const Frame = v.looseObject({ type: v.optional(str) });
export const MessageStartFrame = v.looseObject({
  message: v.looseObject({ model: v.nullish(str), usage: v.nullish(WireUsage) }),
});
export const BlockStartFrame = v.looseObject({ index: num, content_block: AnyBlock });
export const BlockDeltaFrame = v.looseObject({
  index: num,
  delta: v.looseObject({
    type: str,
    text: v.nullish(str),
    thinking: v.nullish(str),
    signature: v.nullish(str),
    partial_json: v.nullish(str),
    citation: v.nullish(v.looseObject({ type: str })),
  }),
});
export const BlockStopFrame = v.looseObject({ index: num });
export const MessageDeltaFrame = v.looseObject({
  delta: v.nullish(v.looseObject({ stop_reason: v.nullish(str), stop_sequence: v.nullish(str) })),
  usage: v.nullish(WireUsage),
});
