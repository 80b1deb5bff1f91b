// Fault directives the mock honours when started with `faults: true` (platform.md §6.2): from
// `x-mock-*` request headers, or from `@key=value` suffixes on the model name, e.g.
// `mock-gpt@status=429@retry-after=3`, because a gateway forwards the model but not arbitrary headers.
// The reply-shape directives `@tool` and `@think` live in shape.ts.
import { modelDirectives } from "./directives.ts";

export interface FaultPlan {
  /** Answer with this status and the protocol's native error envelope (400–599 only). */
  readonly status?: number;
  /** `Retry-After` seconds, sent with a 429 or 503. */
  readonly retryAfterSecs?: number;
  /** Replaces the configured delay before response headers. */
  readonly delayMs?: number;
  /** A stream sends this many events, then the connection is destroyed without a terminator. */
  readonly abortAfterEvents?: number;
  /** Fraction of requests (0–1) answered 429 / 500 alternately; see `failRateStatus`. */
  readonly failRate?: number;
}

/** Model-name directive keys and their header twins. */
const KEYS = {
  status: "x-mock-status",
  "retry-after": "x-mock-retry-after",
  "delay-ms": "x-mock-delay-ms",
  "abort-after": "x-mock-abort-after-events",
  "fail-rate": "x-mock-fail-rate",
} as const;
type DirectiveKey = keyof typeof KEYS;

function isDirectiveKey(k: string): k is DirectiveKey {
  return Object.hasOwn(KEYS, k);
}

function nonNegativeInt(v: string | null | undefined): number | undefined {
  if (v == null || !/^\d{1,9}$/.test(v.trim())) return undefined;
  return Number(v.trim());
}

function build(get: (key: DirectiveKey) => string | null | undefined): FaultPlan {
  const status = nonNegativeInt(get("status"));
  const rate = Number(get("fail-rate") ?? Number.NaN);
  const plan: { -readonly [K in keyof FaultPlan]: FaultPlan[K] } = {};
  if (status !== undefined && status >= 400 && status <= 599) plan.status = status;
  const retryAfter = nonNegativeInt(get("retry-after"));
  if (retryAfter !== undefined) plan.retryAfterSecs = retryAfter;
  const delay = nonNegativeInt(get("delay-ms"));
  if (delay !== undefined) plan.delayMs = delay;
  const abort = nonNegativeInt(get("abort-after"));
  if (abort !== undefined) plan.abortAfterEvents = abort;
  if (Number.isFinite(rate) && rate > 0) plan.failRate = Math.min(1, rate);
  return plan;
}

/** Directives from `name@key=value@key=value`; unknown keys and malformed values are ignored. */
export function faultsFromModel(model: string): FaultPlan {
  const found = new Map<DirectiveKey, string>();
  for (const { key, value } of modelDirectives(model)) {
    if (value !== undefined && isDirectiveKey(key)) found.set(key, value);
  }
  return build((k) => found.get(k));
}

export function faultsFromHeaders(headers: Headers): FaultPlan {
  return build((k) => headers.get(KEYS[k]));
}

/** Headers win over model-name directives, field by field. */
export function mergeFaults(fromModel: FaultPlan, fromHeaders: FaultPlan): FaultPlan {
  return { ...fromModel, ...fromHeaders };
}

/** Deterministic draw in [0, 1) for the `n`-th request: the "lowbias32" integer hash of the counter. */
export function draw(n: number): number {
  let x = (n + 0x9e3779b9) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x7feb352d) >>> 0;
  x = Math.imul(x ^ (x >>> 15), 0x846ca68b) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  return x / 0x1_0000_0000;
}

const MAX_FAIL_RATE_KEYS = 1000;

/**
 * Per-model counters behind `fail-rate`: the n-th request for a model fails when `draw(n) < rate`,
 * and failures alternate 429, 500, 429, … so a flaky lane shows both a rate limit and a server error.
 * Keyed by the full model string so concurrent tests on different models do not disturb each other.
 */
export class FailRate {
  private readonly counters = new Map<string, { n: number; failures: number }>();

  next(key: string, rate: number): 429 | 500 | undefined {
    let c = this.counters.get(key);
    if (c === undefined) {
      if (this.counters.size >= MAX_FAIL_RATE_KEYS) this.counters.clear();
      c = { n: 0, failures: 0 };
      this.counters.set(key, c);
    }
    const fails = draw(c.n++) < rate;
    if (!fails) return undefined;
    return c.failures++ % 2 === 0 ? 429 : 500;
  }

  reset(): void {
    this.counters.clear();
  }
}
