// The Cohere rows of the spec's mapping tables: usage (protocols.md §5.3), finish reasons (§7.2), the v2 API's
// parameter ranges (§6.1 clamps), data URLs (§6.3) and tool-call arguments (§6.2).
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { StopReason } from "../../ir/stop.ts";
import { saturatingSub, totalInput, type Usage } from "../../ir/usage.ts";
import type { Usage as WireUsage } from "./wire.ts";

// ---- usage ----

/**
 * CO usage → IR (§5.3): `tokens` (fallback `billed_units`) counts the whole input; `cached_tokens` (cohere-ai v8)
 * is the cached part, so IR `input` is the rest and `cacheRead` the cached part.
 */
export function readUsage(u: WireUsage | null | undefined): Usage {
  const total = u?.tokens?.input_tokens ?? u?.billed_units?.input_tokens ?? 0;
  const output = u?.tokens?.output_tokens ?? u?.billed_units?.output_tokens ?? 0;
  const cached = u?.cached_tokens;
  const out: Usage = { input: saturatingSub(total, cached ?? 0), output };
  if (typeof cached === "number") out.cacheRead = cached;
  return out;
}

export interface UsageOut {
  billed_units: { input_tokens: number; output_tokens: number };
  tokens: { input_tokens: number; output_tokens: number };
  cached_tokens?: number;
}

/** IR → CO usage (§5.3 write): both counts, input = total input (cache reads and writes folded in). */
export function writeUsage(u: Usage | undefined): UsageOut {
  const input = u === undefined ? 0 : totalInput(u);
  const output = u?.output ?? 0;
  const out: UsageOut = {
    billed_units: { input_tokens: input, output_tokens: output },
    tokens: { input_tokens: input, output_tokens: output },
  };
  if (u?.cacheRead !== undefined) out.cached_tokens = u.cacheRead;
  return out;
}

// ---- finish reasons ----

/**
 * `finish_reason` → IR (§7.2 read). The v2 enum, plus the v1 values some deployments still send: `ERROR_TOXIC`
 * is a content filter, `ERROR_LIMIT` the context limit. Unknown values are `other`.
 */
export function readStop(reason: string | null | undefined): StopReason | undefined {
  switch (reason) {
    case null: case undefined: return undefined;
    case "COMPLETE": return "end_turn";
    case "STOP_SEQUENCE": return "stop_sequence";
    case "MAX_TOKENS": case "ERROR_LIMIT": return "max_tokens";
    case "TOOL_CALL": return "tool_use";
    case "ERROR": case "TIMEOUT": return "error";
    case "ERROR_TOXIC": return "safety";
    default: return "other";
  }
}

export type FinishReason = "COMPLETE" | "STOP_SEQUENCE" | "MAX_TOKENS" | "TOOL_CALL" | "ERROR" | "TIMEOUT";

/** IR → `finish_reason` (§7.2 write table): always a member of the v2 enum (ChatFinishReason). */
export function writeStop(s: StopReason | undefined): FinishReason {
  if (s === undefined) return "COMPLETE";
  switch (s) {
    case "end_turn": case "refusal": case "pause_turn": case "other": return "COMPLETE";
    case "stop_sequence": return "STOP_SEQUENCE";
    case "max_tokens": return "MAX_TOKENS";
    case "tool_use": return "TOOL_CALL";
    case "safety": case "error": return "ERROR";
    default: return assertNever(s, "stop reason");
  }
}

/** A stream's `message-end` that reports a failure: the kind the caller's dialect renders (§9.6). */
export function failureKind(reason: string | undefined): ErrorKind {
  return reason === "TIMEOUT" ? "timeout" : "server_error";
}

// ---- parameter ranges (V2ChatRequest docs; the API rejects values outside them) ----

export const RANGES = {
  temperature: [0, 1],
  top_p: [0.01, 0.99],
  top_k: [0, 500],
  frequency_penalty: [0, 1],
  presence_penalty: [0, 1],
} as const;

/** `x` within `[lo, hi]`; a value that had to move is recorded `clamped` under `field`. */
export function clamp(x: number, field: keyof typeof RANGES, ledger: Ledger): number {
  const [lo, hi] = RANGES[field];
  const y = Math.min(hi, Math.max(lo, x));
  if (y !== x) ledger.add(field, "clamped");
  return y;
}

/** "A list of up to 5 strings" (V2ChatRequest.stop_sequences). */
export const MAX_STOP_SEQUENCES = 5;

// ---- data URLs ----

/** `data:<media type>;base64,<data>` → its parts; anything else (an http URL) → undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith("data:")) return undefined;
  const marker = url.indexOf(";base64,");
  if (marker < 0) return undefined;
  return { mediaType: url.slice(5, marker), data: url.slice(marker + 8) };
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}

// ---- tool-call arguments ----

/** Argument text → object (§6.2); unparseable or non-object text is wrapped as `{"input": value}` and recorded. */
export function parseArguments(args: string, path: string, ledger: Ledger): unknown {
  if (args.trim() === "") return {}; // a call without arguments
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    ledger.add(path, "no_target_analog");
    return { input: args };
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed;
  ledger.add(path, "no_target_analog");
  return { input: parsed };
}

/** A tool call's `arguments`: the exact source text when there was one (§9.5), else the object as JSON. */
export function argumentsText(input: unknown, inputText: string | undefined): string {
  return inputText !== undefined && inputText !== "" ? inputText : JSON.stringify(input ?? {});
}
