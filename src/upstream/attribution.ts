// Failure attribution (reliability.md §5, §6): stage 1a extracts the raw error in the upstream's own protocol (each
// codec's `readError`), stage 1b normalises it to a class with the provider's `error_map`, stage 2 maps the class
// to what happens to the lane and the request. The one place an upstream failure gets its meaning (STYLE habit 6).
import type { ErrorClass } from "../config/model.ts";
import { assertNever, type ProtocolName } from "../ir/protocol.ts";
import { protocol } from "../proto/registry.ts";

export interface RawUpstreamError {
  readonly status: number;
  /** The body's error code (OpenAI `error.code`; Gemini `error.code` as a string, else `error.status`). */
  readonly code?: string;
  /** The body's error type (`error.type`, Gemini `error.status`, Bedrock's exception name, Cohere `error_type`). */
  readonly type?: string;
  /** The body says the context window was exceeded (only on 400/413; Bedrock 400). */
  readonly contextSignal: boolean;
  /** The body says the lane's key was rejected though the status does not (Gemini 400/403 `API_KEY_INVALID`). */
  readonly keyRejected: boolean;
  /** Whole seconds, already capped at `max_honored_retry_after_secs`. */
  readonly retryAfterSec?: number;
  /** The upstream's message, bounded; for logs and the caller-facing render, never for classification. */
  readonly message: string;
}

/** Stage 1a: the upstream's error in its own protocol, read by that protocol's codec, plus Retry-After. */
export function extractUpstreamError(
  proto: ProtocolName, status: number, headers: Headers, body: string, nowMs: number, maxRetryAfterSecs: number,
): RawUpstreamError {
  const retryAfterSec = parseRetryAfter(headers.get("retry-after"), nowMs, maxRetryAfterSecs);
  const up = protocol(proto).codec?.readError(status, body, headers);
  return {
    status,
    ...(up?.errorCode !== undefined && { code: up.errorCode }),
    ...(up?.type !== undefined && { type: up.type }),
    contextSignal: up?.contextSignal ?? false,
    keyRejected: up?.keyRejected ?? false,
    ...(retryAfterSec !== undefined && { retryAfterSec }),
    message: up?.message ?? `The upstream answered HTTP ${status}.`,
  };
}

/**
 * Stage 1b (§6): the first rule that matches wins: the code in `error_map`; a context signal; the type in
 * `error_map`; the status. Guard: on a 5xx nothing may yield `context_length` (an outage never passes as a context
 * error), so such a match falls through to the status.
 */
export function classify(raw: RawUpstreamError, errorMap: Readonly<Record<string, ErrorClass>>): ErrorClass {
  const outage = raw.status >= 500 && raw.status <= 599;
  const candidates = [
    lookup(errorMap, raw.code),
    raw.contextSignal ? "context_length" : undefined,
    lookup(errorMap, raw.type),
  ] as const;
  for (const cls of candidates) {
    if (cls === undefined) continue;
    return outage && cls === "context_length" ? classOfStatus(raw) : cls;
  }
  return classOfStatus(raw);
}

function lookup(map: Readonly<Record<string, ErrorClass>>, key: string | undefined): ErrorClass | undefined {
  return key !== undefined && Object.hasOwn(map, key) ? map[key] : undefined;
}

/** §6 rule 4. 3xx is the upstream's fault (D11: the reference system blames the client). */
function classOfStatus(raw: RawUpstreamError): ErrorClass {
  const s = raw.status;
  if (raw.keyRejected || s === 401 || s === 403) return "auth";
  if (s === 429) return "rate_limit";
  if (s === 408) return "timeout";
  if (s === 529) return "overloaded";
  if (s >= 400 && s <= 499) return "client_error";
  // Other 5xx, 3xx, and anything no HTTP server should send.
  return "server_error";
}

/** Stage 2 (§6): what a class means for the lane and the request. */
export type Disposition = "client_fault" | "transient" | "hard_down" | "context_length";

/**
 * `passthrough`: the caller's own credential went upstream (`auth.mode: passthrough`), so a refused key or an unpaid
 * bill is the caller's fault: relayed, no penalty, no failover.
 */
export function dispositionOf(cls: ErrorClass, passthrough: boolean): Disposition {
  switch (cls) {
    case "client_error":
      return "client_fault";
    case "rate_limit":
    case "overloaded":
    case "server_error":
    case "timeout":
    case "network":
      return "transient";
    case "auth":
    case "billing":
      return passthrough ? "client_fault" : "hard_down";
    case "context_length":
      return "context_length";
    default:
      return assertNever(cls, "error class");
  }
}

/**
 * `Retry-After` (RFC 9110 §10.2.3) → whole seconds from now, capped at `maxSecs`: delta-seconds or an HTTP-date
 * (a date in the past is 0). Anything else is ignored (§6: `soon`, `-5`, `1.5`).
 */
export function parseRetryAfter(value: string | null, nowMs: number, maxSecs: number): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Math.min(Number(v), maxSecs);
  const at = parseHttpDate(v, nowMs);
  if (at === undefined) return undefined;
  return Math.min(Math.max(0, Math.ceil((at - nowMs) / 1000)), maxSecs);
}

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * RFC 9110 §5.6.7: a recipient accepts all three forms. IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`; obsolete
 * RFC 850 `Sunday, 06-Nov-94 08:49:37 GMT` (a two-digit year more than 50 years ahead is the previous century);
 * asctime `Sun Nov  6 08:49:37 1994`. Parsed by hand: `Date.parse` accepts far more than HTTP-dates.
 */
function parseHttpDate(v: string, nowMs: number): number | undefined {
  let m = /^[A-Z][a-z]{2}, (\d{2}) ([A-Z][a-z]{2}) (\d{4}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m) return utc(Number(m[3]), m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  m = /^[A-Z][a-z]+, (\d{2})-([A-Z][a-z]{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2}) GMT$/.exec(v);
  if (m) {
    let year = 2000 + Number(m[3]);
    if (year > new Date(nowMs).getUTCFullYear() + 50) year -= 100;
    return utc(year, m[2]!, m[1]!, m[4]!, m[5]!, m[6]!);
  }
  m = /^[A-Z][a-z]{2} ([A-Z][a-z]{2}) ([ \d]\d) (\d{2}):(\d{2}):(\d{2}) (\d{4})$/.exec(v);
  if (m) return utc(Number(m[6]), m[1]!, m[2]!.trim(), m[3]!, m[4]!, m[5]!);
  return undefined;
}

function utc(year: number, mon: string, day: string, h: string, min: string, s: string): number | undefined {
  const month = MONTHS.indexOf(mon);
  const [d, hh, mm, ss] = [Number(day), Number(h), Number(min), Number(s)];
  if (month < 0 || hh > 23 || mm > 59 || ss > 60) return undefined;
  const at = Date.UTC(year, month, d, hh, mm, Math.min(ss, 59)); // a leap second counts as :59
  return new Date(at).getUTCDate() === d ? at : undefined; // 31 Feb does not roll into March
}
