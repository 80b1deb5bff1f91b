// The Chat Completions rows of the spec's mapping tables: usage (protocols.md §5.3), finish reasons (§7.2),
// logprobs (§7.3) and error kinds named in a body (§8). What Responses shares is in ../openai-family.ts.
import type { ErrorKind } from "../../ir/errors.ts";
import type { TokenLogprob } from "../../ir/response.ts";
import type { StopReason } from "../../ir/stop.ts";
import { totalInput, type Usage } from "../../ir/usage.ts";
import { readUsageCounts } from "../openai-family.ts";
import { kindOfStatus } from "../status.ts";
import type { TokenLogprob as WireLogprob, Usage as WireUsage } from "./wire.ts";

// ---- usage ----

/** OA usage → IR: `input` is uncached (prompt − cached − cache writes); reasoning tokens kept. */
export function readUsage(u: WireUsage | null | undefined): Usage {
  if (u === null || u === undefined) return { input: 0, output: 0 };
  return readUsageCounts({
    input: u.prompt_tokens,
    output: u.completion_tokens,
    cached: u.prompt_tokens_details?.cached_tokens,
    written: u.prompt_tokens_details?.cache_write_tokens,
    reasoning: u.completion_tokens_details?.reasoning_tokens,
  });
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
