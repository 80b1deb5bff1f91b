// Cohere v2 chat on the wire (protocols.md §1, §6, §7.1, §9.3 CO): the path, and the shapes the codec reads.
// Field names follow cohere-ai v8's serializers (`serialization/resources/v2/…`, `serialization/types/…`): the
// wire is snake_case (`tool_calls`, `tool_plan`, `finish_reason`, `billed_units`). The request shell, tools,
// responses and errors go through valibot schemas (STYLE habit 4). Messages, their content parts and stream
// frames are narrowed by hand with the guards at the end of this file, as the OpenAI codec does (openai/hot.ts:
// a schema run per message or per frame cost as much as JSON.parse itself); a malformed request message throws.
import * as v from "valibot";

export const COHERE_CHAT_PATH = "/v2/chat";

const str = v.string();
const num = v.number();

// ---- the request ----

export const Tool = v.looseObject({
  type: v.optional(str),
  function: v.optional(v.looseObject({
    name: str,
    description: v.nullish(str),
    parameters: v.nullish(v.unknown()),
  })),
});

/** `{type:"text"}` or `{type:"json_object", json_schema?}` (ResponseFormatV2). */
export const ResponseFormat = v.looseObject({ type: str, json_schema: v.nullish(v.unknown()) });

export const Request = v.looseObject({
  model: v.optional(str),
  /** Narrowed one by one (see the guards below). */
  messages: v.array(v.unknown()),
  tools: v.nullish(v.array(Tool)),
  strict_tools: v.nullish(v.boolean()),
  /** `"REQUIRED"` | `"NONE"`; absent is auto (V2ChatRequestToolChoice). */
  tool_choice: v.nullish(str),
  max_tokens: v.nullish(num),
  temperature: v.nullish(num),
  p: v.nullish(num),
  k: v.nullish(num),
  seed: v.nullish(num),
  frequency_penalty: v.nullish(num),
  presence_penalty: v.nullish(num),
  stop_sequences: v.nullish(v.union([str, v.array(str)])),
  response_format: v.nullish(ResponseFormat),
  stream: v.nullish(v.boolean()),
});

/**
 * Top-level keys the reader models; every other key (`documents`, `citation_options`, `safety_mode`, `logprobs`,
 * `thinking`, `priority`, …) goes to `extra`, honoured only by this writer (protocols.md §3.3 step 1, §10.2).
 */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set(Object.keys(Request.entries));

/** Message fields the reader models; any other non-null field is recorded (`messages[i].<field>`). */
export const MODELED_MESSAGE_KEYS: ReadonlySet<string> = new Set(["role", "content", "tool_calls", "tool_plan", "tool_call_id", "citations"]);

// ---- the response ----

const Tokens = v.looseObject({ input_tokens: v.nullish(num), output_tokens: v.nullish(num) });
export const Usage = v.looseObject({
  billed_units: v.nullish(Tokens),
  tokens: v.nullish(Tokens),
  /** Prompt tokens that hit the inference cache (cohere-ai v8 `Usage.cachedTokens`). */
  cached_tokens: v.nullish(num),
});
export type Usage = v.InferOutput<typeof Usage>;

export const Response = v.looseObject({
  id: v.nullish(str),
  finish_reason: v.nullish(str),
  message: v.looseObject({
    role: v.nullish(str),
    /** Narrowed by hand, as request content is. */
    content: v.nullish(v.unknown()),
    tool_plan: v.nullish(str),
    tool_calls: v.nullish(v.unknown()),
    citations: v.nullish(v.array(v.unknown())),
  }),
  usage: v.nullish(Usage),
  logprobs: v.nullish(v.array(v.unknown())),
});

// ---- errors ----

/** Cohere's envelope is `{"message"}` (protocols.md §8); compatible servers also send `{"error": …}`. */
export const ErrorBody = v.looseObject({
  message: v.optional(v.unknown()),
  error: v.optional(v.unknown()),
  /** The error's type, where Cohere sends one (reliability.md §5). */
  error_type: v.optional(v.unknown()),
});

// ---- hand-narrowed shapes: messages, content parts, tool calls, stream frames ----

export type Obj = Record<string, unknown>;

export function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** `x[k1][k2]…`, or undefined as soon as a step is not an object. */
export function dig(x: unknown, ...keys: string[]): unknown {
  let cur = x;
  for (const k of keys) {
    if (!isObj(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function strOf(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

export function requiredString(x: unknown, path: string): string {
  if (typeof x !== "string") throw new Error(`${path}: expected a string`);
  return x;
}

/** A request message before dispatch on `role`. */
export interface WireMessage {
  readonly role: string;
  readonly raw: Obj;
}

export function wireMessage(x: unknown, path: string): WireMessage {
  if (!isObj(x) || typeof x.role !== "string") throw new Error(`${path}: expected a message object with a string role`);
  return { role: x.role, raw: x };
}

/** A content part: an object with a string `type` (`text`, `image_url`, `document`, `thinking`). */
export interface WirePart {
  readonly type: string;
  readonly raw: Obj;
}

/** A message's `content`: a string, absent, or parts. */
export function wireContent(x: unknown, path: string): string | WirePart[] | undefined {
  if (x === undefined || x === null || typeof x === "string") return x ?? undefined;
  if (!Array.isArray(x)) throw new Error(`${path}: expected a string or an array of content blocks`);
  return x.map((p: unknown, j): WirePart => {
    if (!isObj(p) || typeof p.type !== "string") throw new Error(`${path}[${j}]: expected a content block with a string type`);
    return { type: p.type, raw: p };
  });
}

/** An assistant tool call (ToolCallV2); `function` and its fields are optional in the SDK's types. */
export interface WireToolCall {
  readonly id: string;
  readonly name?: string;
  readonly arguments?: string;
}

export function wireToolCalls(x: unknown, path: string): WireToolCall[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new Error(`${path}: expected an array`);
  return x.map((c: unknown, k): WireToolCall => {
    const at = `${path}[${k}]`;
    if (!isObj(c) || typeof c.id !== "string") throw new Error(`${at}: expected a tool call with a string id`);
    const f = c.function;
    if (f !== undefined && f !== null && !isObj(f)) throw new Error(`${at}.function: expected an object`);
    const name = strOf(dig(c, "function", "name"));
    const args = strOf(dig(c, "function", "arguments"));
    return { id: c.id, ...(name !== undefined && { name }), ...(args !== undefined && { arguments: args }) };
  });
}
