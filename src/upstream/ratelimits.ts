// A lane's rate headroom as its provider reports it (reliability.md §11.2 `rate_headroom`): the smallest
// remaining/limit over the request and token budgets in the last response's headers, valid until the reported
// reset. OpenAI sends `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` (reset as a duration like `6m0s`),
// Anthropic `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}` (reset as an RFC 3339 time).

export interface Headroom {
  /** 0..1 */
  readonly value: number;
  /** Epoch ms after which the reading is stale. */
  readonly until: number;
}

/** When a provider says nothing about its reset, a reading is trusted this long. */
const DEFAULT_VALID_MS = 60_000;

/** `1s`, `6m0s`, `1h2m3.5s`, `250ms` → ms; undefined when it is not such a duration. */
export function parseDuration(s: string): number | undefined {
  const m = /^(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m(?!s))?(?:(\d+(?:\.\d+)?)s)?(?:(\d+(?:\.\d+)?)ms)?$/.exec(s.trim());
  if (m === null || s.trim() === "") return undefined;
  const [, h, min, sec, ms] = m;
  return (Number(h ?? 0) * 3600 + Number(min ?? 0) * 60 + Number(sec ?? 0)) * 1000 + Number(ms ?? 0);
}

function pair(headers: Headers, limit: string, remaining: string): number | undefined {
  const l = Number(headers.get(limit));
  const r = Number(headers.get(remaining));
  if (!(l > 0) || !Number.isFinite(r) || headers.get(remaining) === null) return undefined;
  return Math.min(1, Math.max(0, r / l));
}

function resetAt(headers: Headers, names: readonly string[], now: number): number | undefined {
  let soonest: number | undefined;
  for (const name of names) {
    const v = headers.get(name);
    if (v === null) continue;
    const d = parseDuration(v);
    const at = d !== undefined ? now + d : Date.parse(v);
    if (Number.isFinite(at) && at > now) soonest = soonest === undefined ? at : Math.min(soonest, at);
  }
  return soonest;
}

/** The headroom the response reports, or undefined when it carries no rate-limit headers. */
export function readHeadroom(headers: Headers, now: number): Headroom | undefined {
  const parts = [
    pair(headers, "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests"),
    pair(headers, "x-ratelimit-limit-tokens", "x-ratelimit-remaining-tokens"),
    pair(headers, "anthropic-ratelimit-requests-limit", "anthropic-ratelimit-requests-remaining"),
    pair(headers, "anthropic-ratelimit-tokens-limit", "anthropic-ratelimit-tokens-remaining"),
  ].filter((x): x is number => x !== undefined);
  if (parts.length === 0) return undefined;
  const until = resetAt(headers, [
    "x-ratelimit-reset-requests", "x-ratelimit-reset-tokens", "anthropic-ratelimit-requests-reset", "anthropic-ratelimit-tokens-reset",
  ], now) ?? now + DEFAULT_VALID_MS;
  return { value: Math.min(...parts), until };
}
