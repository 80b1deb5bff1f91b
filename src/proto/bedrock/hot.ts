// The shapes on the hot path, narrowed by hand instead of by their valibot schemas (STYLE habit 4 names valibot;
// this file is the measured exception, as anthropic/hot.ts and openai/hot.ts are): every message of a request and
// the text, toolUse, toolResult, reasoning and cachePoint blocks a long conversation repeats hundreds of times
// (the schemas cost ~105 µs of a 27 KB conversation's ~130 µs read, bench/translate.ts shape), and the
// contentBlockDelta payload nearly every stream frame carries.
// Each guard accepts only what its schema in wire.ts accepts (it accepts less: a block must carry exactly one of
// the modeled members); on a miss the caller parses with the schema, so errors are unchanged.
import type * as v from "valibot";
import type { Block, BlockDeltaEvent, Message } from "./wire.ts";

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

const nullishString = (x: unknown): boolean => x === undefined || x === null || typeof x === "string";

/** The modeled members of a content block (wire.ts `Block`). */
const MEMBERS = ["text", "image", "document", "toolUse", "toolResult", "reasoningContent", "cachePoint", "citationsContent"] as const;

/** Exactly one modeled member present, the one named. */
function only(b: Obj, member: (typeof MEMBERS)[number]): boolean {
  for (const m of MEMBERS) if (m !== member && b[m] !== undefined) return false;
  return true;
}

function isToolResultContent(c: unknown): boolean {
  if (!isObj(c) || c.image !== undefined || c.document !== undefined) return false;
  return typeof c.text === "string" ? c.json === undefined : c.text === undefined && c.json !== undefined;
}

function isBlock(b: unknown): b is Block {
  if (!isObj(b)) return false;
  if (typeof b.text === "string") return only(b, "text");
  if (isObj(b.toolUse)) {
    const t = b.toolUse;
    return typeof t.toolUseId === "string" && typeof t.name === "string" && nullishString(t.type) && only(b, "toolUse");
  }
  if (isObj(b.toolResult)) {
    const r = b.toolResult;
    return typeof r.toolUseId === "string" && Array.isArray(r.content) && r.content.every(isToolResultContent)
      && nullishString(r.status) && only(b, "toolResult");
  }
  if (isObj(b.reasoningContent)) {
    const rc = b.reasoningContent;
    const text = rc.reasoningText;
    const okText = text === undefined || (isObj(text) && typeof text.text === "string" && nullishString(text.signature));
    return okText && nullishString(rc.redactedContent) && only(b, "reasoningContent");
  }
  if (isObj(b.cachePoint)) return typeof b.cachePoint.type === "string" && nullishString(b.cachePoint.ttl) && only(b, "cachePoint");
  return false;
}

type WireMessage = v.InferOutput<typeof Message>;

function isMessage(x: unknown): x is WireMessage {
  if (!isObj(x)) return false;
  const r = x.role;
  return (r === "user" || r === "assistant" || r === "system") && Array.isArray(x.content) && x.content.every(isBlock);
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

// ---- stream ----

const isNullishObj = (x: unknown): x is Obj | null | undefined => x === undefined || x === null || isObj(x);

/** `{contentBlockIndex, delta:{text?|toolUse{input}?|reasoningContent{text?,signature?,redactedContent?}?}}`. */
export function isBlockDeltaEvent(x: unknown): x is v.InferOutput<typeof BlockDeltaEvent> {
  if (!isObj(x) || typeof x.contentBlockIndex !== "number" || !isObj(x.delta)) return false;
  const d = x.delta;
  if (!nullishString(d.text) || !isNullishObj(d.toolUse) || !isNullishObj(d.reasoningContent)) return false;
  if (isObj(d.toolUse) && typeof d.toolUse.input !== "string") return false;
  const r = d.reasoningContent;
  return !isObj(r) || (nullishString(r.text) && nullishString(r.signature) && nullishString(r.redactedContent));
}
