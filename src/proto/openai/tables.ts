// The Chat Completions rows of the spec's mapping tables: usage (protocols.md §5.3), finish reasons (§7.2),
// reasoning effort words (§10.3), data URLs (§6.3), logprobs (§7.3) and error kinds named in a body (§8).
import type { ErrorKind } from "../../ir/errors.ts";
import type { ReasoningAsk, ReasoningEffort } from "../../ir/request.ts";
import type { TokenLogprob } from "../../ir/response.ts";
import type { StopReason } from "../../ir/stop.ts";
import { saturatingSub, totalInput, type Usage } from "../../ir/usage.ts";
import { kindOfStatus } from "../status.ts";
import type { TokenLogprob as WireLogprob, Usage as WireUsage } from "./wire.ts";

// ---- usage ----

/** OA usage → IR: `input` is uncached (prompt − cached − cache writes); reasoning tokens kept. */
export function readUsage(u: WireUsage | null | undefined): Usage {
  if (u === null || u === undefined) return { input: 0, output: 0 };
  const cached = u.prompt_tokens_details?.cached_tokens;
  // The SDK types a `cache_write_tokens` count; §5.3 names only cached_tokens, so writes are read when non-zero.
  const written = u.prompt_tokens_details?.cache_write_tokens;
  const out: Usage = {
    input: saturatingSub(saturatingSub(u.prompt_tokens ?? 0, cached ?? 0), written ?? 0),
    output: u.completion_tokens ?? 0,
  };
  if (typeof cached === "number") out.cacheRead = cached;
  if (typeof written === "number" && written > 0) out.cacheWrite = written;
  const reasoning = u.completion_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") out.reasoning = reasoning;
  return out;
}

export interface UsageOut {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details?: { cached_tokens: number };
  completion_tokens_details?: { reasoning_tokens: number };
}

/** IR → OA usage (§5.3 write column): cache writes fold into `prompt_tokens`; details only when known. */
export function writeUsage(u: Usage): UsageOut {
  const prompt = totalInput(u);
  const out: UsageOut = { prompt_tokens: prompt, completion_tokens: u.output, total_tokens: prompt + u.output };
  if (u.cacheRead !== undefined) out.prompt_tokens_details = { cached_tokens: u.cacheRead };
  if (u.reasoning !== undefined) out.completion_tokens_details = { reasoning_tokens: u.reasoning };
  return out;
}

// ---- tool-call arguments ----

/**
 * A tool call's `arguments`: the exact source text when there was one (§9.5: never re-serialised), else the
 * object as JSON. An empty text (a call without arguments) is written as `{}`, which callers' SDKs can parse.
 */
export function argumentsText(input: unknown, inputText: string | undefined): string {
  return inputText !== undefined && inputText !== "" ? inputText : JSON.stringify(input ?? {});
}

// ---- finish reasons ----

/** `finish_reason` → IR (§7.2 read); a refusal message refines `stop`; unknown values are `other`. */
export function readStop(reason: string | null | undefined, refused: boolean): StopReason | undefined {
  switch (reason) {
    case null: case undefined: return undefined;
    case "stop": return refused ? "refusal" : "end_turn";
    case "length": return "max_tokens";
    case "tool_calls": case "function_call": return "tool_use";
    case "content_filter": return "safety";
    default: return "other";
  }
}

export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter";

/** IR → `finish_reason` (§7.2 write): always a member of the SDK's enum. */
export function writeStop(stop: StopReason | undefined): FinishReason {
  switch (stop) {
    case "max_tokens": return "length";
    case "tool_use": return "tool_calls";
    case "safety": return "content_filter";
    default: return "stop";
  }
}

// ---- reasoning effort ----

/** §10.3's operator-tunable table (ascending, > 0), at its defaults. */
const EFFORT_BUDGET = { minimal: 1024, low: 4096, medium: 8192, high: 16384 } as const satisfies Record<ReasoningEffort, number>;

export function isEffort(x: string): x is ReasoningEffort {
  return Object.hasOwn(EFFORT_BUDGET, x);
}

/**
 * The word written for an ask (§10.3 OA write): a budget maps to the largest word whose table value it reaches;
 * dynamic → medium; `minimal` is written as `low` (older reasoning models reject it).
 */
export function effortWord(ask: ReasoningAsk): "low" | "medium" | "high" {
  if (ask === "dynamic") return "medium";
  if ("effort" in ask) return ask.effort === "minimal" ? "low" : ask.effort;
  if (ask.budget >= EFFORT_BUDGET.high) return "high";
  if (ask.budget >= EFFORT_BUDGET.medium) return "medium";
  return "low";
}

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

// ---- logprobs ----

export function readLogprobs(content: WireLogprob[] | null | undefined): TokenLogprob[] {
  if (!content) return [];
  return content.map((t) => {
    const out: TokenLogprob = { token: t.token, logprob: t.logprob };
    if (t.bytes) out.bytes = t.bytes;
    if (t.top_logprobs) {
      out.top = t.top_logprobs.map((x) => (x.bytes ? { token: x.token, logprob: x.logprob, bytes: x.bytes } : { token: x.token, logprob: x.logprob }));
    }
    return out;
  });
}

const utf8 = new TextEncoder();

/** IR → `logprobs.content[]`; `bytes` synthesised from UTF-8 when the source had none (§7.3). */
export function writeLogprobs(lp: TokenLogprob[]): unknown[] {
  return lp.map((t) => ({
    token: t.token,
    logprob: t.logprob,
    bytes: t.bytes ?? [...utf8.encode(t.token)],
    top_logprobs: (t.top ?? []).map((x) => ({ token: x.token, logprob: x.logprob, bytes: x.bytes ?? [...utf8.encode(x.token)] })),
  }));
}

// ---- error kinds ----

/**
 * The kind an OpenAI error body names, refining the status (§8): `insufficient_quota` is a quota error whatever
 * the status; a mid-stream error has no status, so its type (or a numeric HTTP code) decides.
 */
export function kindOfError(status: number | undefined, type: string | undefined, code: string | number | undefined): ErrorKind {
  if (type === "insufficient_quota" || code === "insufficient_quota") return "quota";
  if (status !== undefined) return kindOfStatus(status);
  if (typeof code === "number" && code >= 400 && code < 600) return kindOfStatus(code);
  switch (type) {
    case "invalid_request_error": return "invalid_request";
    case "authentication_error": return "authentication";
    case "permission_error": return "permission";
    case "not_found_error": return "not_found";
    case "rate_limit_error": case "tokens": case "requests": return "rate_limit";
    case "overloaded_error": return "overloaded";
    case "timeout_error": return "timeout";
    default: return code === "rate_limit_exceeded" ? "rate_limit" : "server_error";
  }
}
