// OpenAI Responses on the wire (protocols.md §1, §6, §7.1): the shapes the readers accept, as valibot schemas
// (STYLE habit 4). Field names follow the openai SDK's `resources/responses/responses.d.ts`. Unknown fields pass
// validation: the request's go to `extra`; inside items and parts they are stripped (or recorded by the reader).
import * as v from "valibot";
import { parse } from "../check.ts";

export const RESPONSES_PATH = "/v1/responses";

const str = v.string();
const num = v.number();

// ---- content parts (input messages and output messages) ----
// `v.object` (unknown keys stripped, not copied) with only the entries the reader uses: each optional entry and
// each union costs on every one of the hundreds of parts of a long conversation. Items and parts are dispatched on
// `type` (typeOf) and parsed once each.

export const InputTextPart = v.object({ type: v.literal("input_text"), text: str });
export const OutputTextPart = v.object({
  type: v.literal("output_text"),
  text: str,
  annotations: v.nullish(v.array(v.unknown())),
  logprobs: v.nullish(v.array(v.unknown())),
});
export const RefusalPart = v.object({ type: v.literal("refusal"), refusal: str });
export const InputImagePart = v.object({
  type: v.literal("input_image"),
  image_url: v.nullish(str),
  file_id: v.nullish(str),
  detail: v.nullish(str),
});
export const InputFilePart = v.object({
  type: v.literal("input_file"),
  file_data: v.nullish(str),
  file_id: v.nullish(str),
  file_url: v.nullish(str),
  filename: v.nullish(str),
});

/** `input`, a message's `content`, a function's `output`: a string, or a list whose entries are parsed one by one. */
export function stringOrList(x: unknown, what: () => string): string | unknown[] {
  if (typeof x === "string" || Array.isArray(x)) return x;
  throw new Error(`${what()} must be a string or a list`);
}

// ---- input items ----

export const MessageItem = v.object({
  type: v.optional(v.literal("message")),
  role: v.picklist(["user", "assistant", "system", "developer"]),
  content: v.unknown(),
});
export const FunctionCallItem = v.object({
  type: v.literal("function_call"),
  call_id: str,
  name: str,
  arguments: str,
});
export const FunctionCallOutputItem = v.object({
  type: v.literal("function_call_output"),
  call_id: str,
  output: v.unknown(),
});
const ReasoningText = v.object({ text: str });
export const ReasoningItem = v.object({
  type: v.literal("reasoning"),
  summary: v.nullish(v.array(ReasoningText)),
  content: v.nullish(v.array(ReasoningText)),
  encrypted_content: v.nullish(str),
});
export type ReasoningItem = v.InferOutput<typeof ReasoningItem>;

// ---- hand-checked fast paths ----
// A long conversation repeats these shapes hundreds of times, and valibot's per-object cost dominated translation
// (a 32 KB request must cross in well under 200 µs). Each fast path accepts exactly what its schema accepts for
// the fields it returns (the caller has already dispatched on `type`); anything else goes through the schema,
// which either accepts it or throws the validation error the seam turns into a 400.

type Role = v.InferOutput<typeof MessageItem>["role"];
const isRole = (x: unknown): x is Role => x === "user" || x === "assistant" || x === "system" || x === "developer";
const isObj = (x: unknown): x is object => typeof x === "object" && x !== null;

export function parseMessageItem(x: unknown): { role: Role; content: unknown } {
  if (isObj(x) && "role" in x && "content" in x && isRole(x.role)) return { role: x.role, content: x.content };
  return parse(MessageItem, x);
}

export function parseFunctionCall(x: unknown): { call_id: string; name: string; arguments: string } {
  if (isObj(x) && "call_id" in x && "name" in x && "arguments" in x) {
    const { call_id, name, arguments: args } = x;
    if (typeof call_id === "string" && typeof name === "string" && typeof args === "string") return { call_id, name, arguments: args };
  }
  return parse(FunctionCallItem, x);
}

export function parseFunctionOutput(x: unknown): { call_id: string; output: unknown } {
  if (isObj(x) && "call_id" in x && "output" in x && typeof x.call_id === "string") return { call_id: x.call_id, output: x.output };
  return parse(FunctionCallOutputItem, x);
}

/** `input_text` / `output_text` → its text and whether it carries annotations. */
export function parseTextPart(x: unknown, type: "input_text" | "output_text"): { text: string; annotated: boolean } {
  if (isObj(x) && "text" in x && typeof x.text === "string") {
    const a = "annotations" in x ? x.annotations : undefined;
    if (a === undefined || a === null || Array.isArray(a)) return { text: x.text, annotated: Array.isArray(a) && a.length > 0 };
  }
  if (type === "input_text") return { text: parse(InputTextPart, x).text, annotated: false };
  const t = parse(OutputTextPart, x);
  return { text: t.text, annotated: (t.annotations?.length ?? 0) > 0 };
}

/** A set, non-null field of an object whose other fields do not matter here (a hint recorded as dropped). */
export function hasField(x: unknown, key: string): boolean {
  return typeof x === "object" && x !== null && key in x && Reflect.get(x, key) != null;
}

/** The `type` of an item, part or tool, read without trusting anything else about it. */
export function typeOf(x: unknown): string | undefined {
  return typeof x === "object" && x !== null && "type" in x && typeof x.type === "string" ? x.type : undefined;
}

// ---- tools, tool choice, text format, reasoning ----

export const FunctionTool = v.object({
  type: v.literal("function"),
  name: str,
  description: v.nullish(str),
  parameters: v.nullish(v.unknown()),
  strict: v.nullish(v.boolean()),
});
export const ToolChoice = v.union([
  v.picklist(["auto", "none", "required"]),
  v.looseObject({ type: str, name: v.optional(str) }),
]);
export type ToolChoice = v.InferOutput<typeof ToolChoice>;
export const TextFormat = v.union([
  v.looseObject({ type: v.literal("text") }),
  v.looseObject({ type: v.literal("json_object") }),
  v.looseObject({
    type: v.literal("json_schema"),
    name: v.nullish(str),
    schema: v.unknown(),
    strict: v.nullish(v.boolean()),
    description: v.nullish(str),
  }),
]);
export type TextFormat = v.InferOutput<typeof TextFormat>;
export const TextConfig = v.looseObject({ format: v.nullish(TextFormat) });
export const Reasoning = v.looseObject({ effort: v.nullish(str) });

// ---- the request ----

export const Request = v.looseObject({
  model: v.optional(str),
  input: v.optional(v.unknown()), // stringOrList: checked by hand, its items one by one
  instructions: v.nullish(str),
  max_output_tokens: v.nullish(num),
  temperature: v.nullish(num),
  top_p: v.nullish(num),
  parallel_tool_calls: v.nullish(v.boolean()),
  tools: v.nullish(v.array(v.unknown())),
  tool_choice: v.nullish(ToolChoice),
  text: v.nullish(TextConfig),
  reasoning: v.nullish(Reasoning),
  user: v.nullish(str),
  stream: v.nullish(v.boolean()),
});

/** Top-level request keys the reader models; every other key goes to `extra` (protocols.md §3.3 step 1). */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set([
  "model", "input", "instructions", "max_output_tokens", "temperature", "top_p", "parallel_tool_calls", "tools",
  "tool_choice", "text", "reasoning", "user", "stream",
]);

// ---- the response ----

export const Usage = v.looseObject({
  input_tokens: num,
  input_tokens_details: v.nullish(v.looseObject({ cached_tokens: v.nullish(num), cache_write_tokens: v.nullish(num) })),
  output_tokens: num,
  output_tokens_details: v.nullish(v.looseObject({ reasoning_tokens: v.nullish(num) })),
});
export type Usage = v.InferOutput<typeof Usage>;

export const OutputMessage = v.object({ type: v.literal("message"), content: v.array(v.unknown()) });

export const Response = v.looseObject({
  created_at: v.nullish(num),
  model: v.nullish(str),
  status: v.nullish(str),
  output: v.nullish(v.array(v.unknown())),
  usage: v.nullish(Usage),
  incomplete_details: v.nullish(v.looseObject({ reason: v.nullish(str) })),
});
export type Response = v.InferOutput<typeof Response>;

/** OpenAI's error envelope, shared with Chat Completions (protocols.md §8). */
export const ErrorBody = v.looseObject({
  error: v.looseObject({
    message: v.nullish(str),
    type: v.nullish(str),
    code: v.nullish(v.union([str, num])),
  }),
});
