// The shapes on the hot path, narrowed by hand instead of by their valibot schemas (STYLE habit 4 names valibot;
// this file is the measured exception, as openai/hot.ts is): every message of a request and the text, tool_use,
// tool_result and thinking blocks a long conversation repeats hundreds of times (the schemas cost twice the
// JSON.parse of a 27 KB conversation, bench/translate.ts), and the frame of nearly every stream event (two schema
// runs per frame were ~40% of a translated stream's cost).
// Each guard accepts only what its schema in wire.ts accepts (it may accept less); on a miss the caller parses
// with the schema, which either accepts the value or throws the schema's own error, so errors are unchanged.
import type * as v from "valibot";
import type {
  AnyBlock, BlockDeltaFrame, CacheControl, Frame, Message, TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock,
} from "./wire.ts";

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function isNullishString(x: unknown): x is string | null | undefined {
  return x === undefined || x === null || typeof x === "string";
}

export function isAnyBlock(x: unknown): x is AnyBlock {
  return isObj(x) && typeof x.type === "string";
}

/** `content: string | Block[]`; also the predicate of the `StringOrBlocks` schema (blocks are checked when dispatched). */
export function isStringOrBlocks(x: unknown): x is string | AnyBlock[] {
  if (typeof x === "string") return true;
  if (!Array.isArray(x)) return false;
  for (const b of x) if (!isAnyBlock(b)) return false;
  return true;
}

/** `cache_control`: absent, null, or `{type:"ephemeral", ttl?: string | null}`. */
function isCache(x: unknown): x is v.InferOutput<typeof CacheControl> | null | undefined {
  return x === undefined || x === null || (isObj(x) && x.type === "ephemeral" && isNullishString(x.ttl));
}

// ---- messages ----

type WireMessage = v.InferOutput<typeof Message>;

function isMessage(x: unknown): x is WireMessage {
  if (!isObj(x)) return false;
  const r = x.role;
  return (r === "user" || r === "assistant" || r === "system") && isStringOrBlocks(x.content);
}

/** Every message narrowed, or undefined when any one needs the schema (which then parses the whole request). */
export function hotMessages(xs: unknown[]): WireMessage[] | undefined {
  const out: WireMessage[] = [];
  for (const m of xs) {
    if (!isMessage(m)) return undefined;
    out.push(m);
  }
  return out;
}

// ---- blocks (the reader has dispatched on `type`) ----

export function isTextBlock(b: AnyBlock): b is v.InferOutput<typeof TextBlock> {
  const c = b.citations;
  if (c !== undefined && c !== null) {
    if (!Array.isArray(c)) return false;
    for (const x of c) if (!isAnyBlock(x)) return false;
  }
  return b.type === "text" && typeof b.text === "string" && isCache(b.cache_control);
}

export function isToolUseBlock(b: AnyBlock): b is v.InferOutput<typeof ToolUseBlock> {
  // `input` is `v.unknown()`: any value, but the key must be there.
  return b.type === "tool_use" && typeof b.id === "string" && typeof b.name === "string" && "input" in b && isCache(b.cache_control);
}

export function isToolResultBlock(b: AnyBlock): b is v.InferOutput<typeof ToolResultBlock> {
  const content = b.content;
  const isError = b.is_error;
  return b.type === "tool_result" && typeof b.tool_use_id === "string"
    && (content === undefined || content === null || isStringOrBlocks(content))
    && (isError === undefined || isError === null || typeof isError === "boolean")
    && isCache(b.cache_control);
}

export function isThinkingBlock(b: AnyBlock): b is v.InferOutput<typeof ThinkingBlock> {
  return b.type === "thinking" && typeof b.thinking === "string" && isNullishString(b.signature) && isCache(b.cache_control);
}

// ---- stream frames ----

/** Any frame: an object whose `type`, when present, is a string. */
export function isFrame(x: unknown): x is v.InferOutput<typeof Frame> {
  return isObj(x) && (x.type === undefined || typeof x.type === "string");
}

/** `content_block_delta`: an index and a delta with a string `type`; the delta's other fields are read by type. */
export function isBlockDeltaFrame(x: unknown): x is v.InferOutput<typeof BlockDeltaFrame> {
  if (!isObj(x) || typeof x.index !== "number" || !isObj(x.delta)) return false;
  const d = x.delta;
  const c = d.citation;
  return typeof d.type === "string" && isNullishString(d.text) && isNullishString(d.thinking)
    && isNullishString(d.signature) && isNullishString(d.partial_json) && (c === undefined || c === null || isAnyBlock(c));
}
