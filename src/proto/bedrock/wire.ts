// Bedrock Converse on the wire (protocols.md §1, §3.1): the model lives only in the URL, encoded once on the
// wire (`:` → `%3A`); SigV4 signs the same path encoded again (see upstream/sigv4.ts). Below, the shapes the codec
// reads, as valibot schemas (STYLE habit 4). Field names follow @aws-sdk/client-bedrock-runtime
// `models/models_0.d.ts`. A Converse content block is a union by key (`{text}` | `{image}` | …): one loose schema
// lists the members busbar models and the reader dispatches on the key present, so an unmodeled member (video,
// audio, guardContent, searchResult…) is a recorded drop rather than a rejected request. Blobs (`bytes`,
// `redactedContent`) are base64 strings in Converse's JSON.
import * as v from "valibot";
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle } from "../types.ts";
import { encodePathSegment } from "../types.ts";

export function egressPath(model: string, stream: boolean): string {
  return `/model/${encodePathSegment(model)}/${stream ? "converse-stream" : "converse"}`;
}

/** Native Bedrock credentials are SigV4 (signed later, over the final request); `bearer` is a Bedrock API key. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": case "native": case "api-key": return {};
    case "bearer": return { authorization: `Bearer ${key}` };
    default: return assertNever(style, "credential style");
  }
}

export const EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";

const str = v.string();
const num = v.number();
const opt = <S extends v.GenericSchema>(s: S) => v.nullish(s);
const obj = v.looseObject({});

export const CachePoint = v.looseObject({ type: str, ttl: opt(str) });
export type CachePoint = v.InferOutput<typeof CachePoint>;

const S3Location = v.looseObject({ uri: str, bucketOwner: opt(str) });
export const ImageBlock = v.looseObject({
  format: str,
  source: v.looseObject({ bytes: opt(str), s3Location: opt(S3Location) }),
});
export type ImageBlock = v.InferOutput<typeof ImageBlock>;
export const DocumentBlock = v.looseObject({
  format: opt(str),
  name: opt(str),
  source: v.looseObject({ bytes: opt(str), text: opt(str), s3Location: opt(S3Location), content: opt(v.array(obj)) }),
  context: opt(str),
  citations: opt(v.looseObject({ enabled: opt(v.boolean()) })),
});
export type DocumentBlock = v.InferOutput<typeof DocumentBlock>;
export const ToolUseBlock = v.looseObject({ toolUseId: str, name: str, input: v.optional(v.unknown()), type: opt(str) });

/** Tool-result content: text | json | image | document (video and search results are recorded drops). */
export const ToolResultContent = v.looseObject({ text: opt(str), json: v.optional(v.unknown()), image: opt(ImageBlock), document: opt(DocumentBlock) });
export type ToolResultContent = v.InferOutput<typeof ToolResultContent>;
export const ToolResultBlock = v.looseObject({ toolUseId: str, content: v.array(ToolResultContent), status: opt(str) });
export const ReasoningBlock = v.looseObject({
  reasoningText: opt(v.looseObject({ text: str, signature: opt(str) })),
  redactedContent: opt(str),
});
/** `citationsContent` in responses: generated text plus citations (the citations have no IR mapping from BR). */
export const CitationsContent = v.looseObject({ content: opt(v.array(v.looseObject({ text: opt(str) }))) });

export const Block = v.looseObject({
  text: opt(str),
  image: opt(ImageBlock),
  document: opt(DocumentBlock),
  toolUse: opt(ToolUseBlock),
  toolResult: opt(ToolResultBlock),
  reasoningContent: opt(ReasoningBlock),
  cachePoint: opt(CachePoint),
  citationsContent: opt(CitationsContent),
});
export type Block = v.InferOutput<typeof Block>;

// ---- request ----

export const Message = v.looseObject({ role: v.picklist(["user", "assistant", "system"]), content: v.array(Block) });
export const SystemBlock = v.looseObject({ text: opt(str), cachePoint: opt(CachePoint) });

export const ToolSpec = v.looseObject({
  name: str,
  description: opt(str),
  inputSchema: v.looseObject({ json: v.optional(v.unknown()) }),
  strict: opt(v.boolean()),
});
export const Tool = v.looseObject({ toolSpec: opt(ToolSpec), cachePoint: opt(CachePoint) });
export const ToolChoice = v.looseObject({ auto: opt(obj), any: opt(obj), tool: opt(v.looseObject({ name: str })) });

export const InferenceConfig = v.looseObject({
  maxTokens: opt(num),
  temperature: opt(num),
  topP: opt(num),
  stopSequences: opt(v.array(str)),
});

export const Thinking = v.looseObject({ type: str, budget_tokens: opt(num) });

export const Request = v.looseObject({
  messages: opt(v.array(Message)),
  system: opt(v.array(SystemBlock)),
  inferenceConfig: opt(InferenceConfig),
  toolConfig: opt(v.looseObject({ tools: opt(v.array(Tool)), toolChoice: opt(ToolChoice) })),
  additionalModelRequestFields: opt(v.record(str, v.optional(v.unknown()))),
});

/** `Request` with its messages left unchecked, for the reader's fast path (hot.ts narrows them; a miss re-parses with `Request`). */
export const RequestShell = v.looseObject({
  ...Request.entries,
  messages: opt(v.custom<unknown[]>(Array.isArray, "Expected an array of messages")),
});

/** Top-level request keys the IR models; every other key (guardrailConfig, performanceConfig, …) goes to `extra`. */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set([
  "messages", "system", "inferenceConfig", "toolConfig", "additionalModelRequestFields",
]);

// ---- response and stream ----

export const WireUsage = v.looseObject({
  inputTokens: opt(num),
  outputTokens: opt(num),
  totalTokens: opt(num),
  cacheReadInputTokens: opt(num),
  cacheWriteInputTokens: opt(num),
});
export type WireUsage = v.InferOutput<typeof WireUsage>;

export const Response = v.looseObject({
  output: v.looseObject({ message: opt(v.looseObject({ content: v.array(Block) })) }),
  stopReason: opt(str),
  usage: opt(WireUsage),
  additionalModelResponseFields: v.optional(v.unknown()),
  trace: v.optional(v.unknown()),
});

export const ErrorBody = v.looseObject({ message: opt(str), Message: opt(str), __type: opt(str), code: opt(str) });

// Stream event payloads (§9.3 BR), named by the frame's `:event-type`. AWS pads them with `p`: ignored.
export const MessageStartEvent = v.looseObject({ role: opt(str) });
export const BlockStartEvent = v.looseObject({
  contentBlockIndex: num,
  start: v.looseObject({ toolUse: opt(v.looseObject({ toolUseId: str, name: str })) }),
});
export const BlockDeltaEvent = v.looseObject({
  contentBlockIndex: num,
  delta: v.looseObject({
    text: opt(str),
    toolUse: opt(v.looseObject({ input: str })),
    reasoningContent: opt(v.looseObject({ text: opt(str), signature: opt(str), redactedContent: opt(str) })),
  }),
});
export const BlockStopEvent = v.looseObject({ contentBlockIndex: num });
export const MessageStopEvent = v.looseObject({ stopReason: opt(str), additionalModelResponseFields: v.optional(v.unknown()) });
export const MetadataEvent = v.looseObject({ usage: opt(WireUsage) });
export const ExceptionPayload = v.looseObject({ message: opt(str), Message: opt(str) });
