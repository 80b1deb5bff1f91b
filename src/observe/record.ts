// One record per request, filled in along the request's path and handed, once, to every observability sink when the
// request's delivery ends (a stream at its last byte). Metrics, the audit webhook, OTLP spans and the access log
// are all views of it (platform.md §5), so they cannot disagree. It holds no prompt, output, header or secret.
import type { ProtocolName } from "../ir/protocol.ts";
import type { Usage } from "../ir/usage.ts";

/** `busbar_requests_total{outcome}` (platform.md §5.2). */
export type RequestOutcome = "ok" | "client_error" | "exhausted" | "error";

/** How one attempt ended: `ok` = served; the rest are the failover loop's outcomes (reliability.md §8.2). */
export type AttemptDisposition =
  | "ok"
  | "client_fault"
  | "invalid"
  | "context_length"
  | "connect"
  | "timeout"
  | "attempt_timeout"
  | "transient_upstream"
  | "stream_precommit"
  | "hard_down"
  | "aborted";

/** `governance.admit` (platform.md §5.3). */
export type GovernanceDecision = "admit" | "pool_denied" | "rate_limited" | "over_budget" | "store_error";

export interface AttemptRecord {
  /** 1-based within the request. */
  readonly attempt: number;
  /** The pool the member was chosen from (a fallback pool's name after `on_exhausted: fallback_pool`). */
  readonly pool: string;
  /** The configured model name; `adhoc` for an ad-hoc lane (a client string never becomes a label). */
  readonly lane: string;
  readonly provider: string;
  readonly egressProtocol: ProtocolName;
  /** The upstream host, e.g. `api.openai.com`. */
  readonly serverAddress: string;
  /** The caller's protocol differs from the lane's. */
  readonly translated: boolean;
  /** Epoch ms with a sub-ms fraction. */
  readonly startMs: number;
  endMs: number;
  /** The upstream's HTTP status, when it answered. */
  status: number | undefined;
  disposition: AttemptDisposition;
  /** Time to the first byte of a served stream's body, in ms from `startMs`. */
  ttftMs: number | undefined;
}

export interface RequestRecord {
  readonly requestId: string;
  /** Epoch ms with a sub-ms fraction, and `Bun.nanoseconds()` at receipt. */
  readonly startMs: number;
  readonly method: string;
  /** The route template, e.g. `/v1/chat/completions` or `/v1beta/models/{model}:generateContent`. */
  route: string;
  /** Set once the request reaches a generation handler; records without one are not reported. */
  ingressProtocol: ProtocolName | undefined;
  /** Label-safe: a configured pool, a configured model (direct route), `adhoc`, or `unresolved` (§5.2). */
  pool: string;
  /** The model the caller asked for, as sent (spans and audit only, never a metric label). */
  requestedModel: string | undefined;
  stream: boolean;
  /** Governance on: the virtual key's `vk_` id. */
  keyId: string | undefined;
  /** An inbound W3C `traceparent`, when well formed: the root span's parent (§5.3). */
  readonly traceparent: string | undefined;
  governance: { readonly decision: GovernanceDecision; readonly startMs: number; readonly endMs: number } | undefined;
  /** Routing policy consulted: its name, outcome (§11.4) and its own latency. */
  policy: { readonly name: string; readonly outcome: string; readonly ms: number } | undefined;
  readonly attempts: AttemptRecord[];
  failovers: number;
  /** The loop gave up: `on_exhausted` rejected (§8.6). */
  exhausted: boolean;
  /** A committed stream failed after its first byte (reliability.md §8.4). */
  midstreamFailure: boolean;
  /** The status the client got (0 until the response is ready). */
  status: number;
  /** Gateway overhead, the Server-Timing value (platform.md §5.5), in ns. */
  gatewayNs: number;
  /** The served answer's usage, when known (governance on, or a sink that reports tokens). */
  usage: Usage | undefined;
  /** Governance on: the spend settled for this request, in micro-cents. */
  costMicros: number | undefined;
  /** `x-busbar-dropped`, when a translation dropped fields. */
  dropped: string | undefined;
  /** Epoch ms when the delivery ended (a stream: its last byte, or the client leaving). */
  endMs: number;
}

/** Wall clock in ms with the monotonic clock's resolution. */
export const epochMs = (): number => performance.timeOrigin + performance.now();

const TRACEPARENT = /^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/;

export function newRecord(requestId: string, method: string, route: string, traceparent: string | null): RequestRecord {
  const tp = traceparent !== null && TRACEPARENT.test(traceparent) && !traceparent.includes("0".repeat(32)) ? traceparent : undefined;
  return {
    requestId, startMs: epochMs(), method, route, ingressProtocol: undefined, pool: "unresolved", requestedModel: undefined,
    stream: false, keyId: undefined, traceparent: tp, governance: undefined, policy: undefined, attempts: [], failovers: 0,
    exhausted: false, midstreamFailure: false, status: 0, gatewayNs: 0, usage: undefined, costMicros: undefined,
    dropped: undefined, endMs: 0,
  };
}

/** The §5.2 outcome: exhaustion first, then the status class; a stream cut after commit is an error. */
export function outcomeOf(r: RequestRecord): RequestOutcome {
  if (r.exhausted) return "exhausted";
  if (r.midstreamFailure) return "error";
  if (r.status >= 200 && r.status < 400) return "ok";
  // 499: the client left before an answer; its doing, not the gateway's.
  if (r.status >= 400 && r.status < 500) return "client_error";
  return "error";
}

/** A sink the observer hands every completed record to. `record` must not throw, block or do I/O inline. */
export interface RecordSink {
  record(r: RequestRecord): void;
  /** Delivers what is queued, within `timeoutMs` (shutdown, platform.md §6.5). */
  flush(timeoutMs: number): Promise<void>;
  /** Records (or spans) dropped so far because the sink was saturated or down. */
  readonly dropped: number;
}
