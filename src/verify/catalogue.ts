// The fixed fault catalogue `busbar verify` runs against every pool (spec README "Self-test"): what the primary
// does in each case, written as mock behaviours (docs/mock-upstream.md). Every other member answers normally.
import type { Behaviour } from "../mock/index.ts";

export const FAULT_IDS = [
  "rate_limit_retry_after", "rate_limit", "server_error_once", "server_error", "connection_reset", "no_response",
  "slow_first_token", "stream_cut", "stream_stall", "malformed_chunk", "missing_terminator", "context_length",
  "content_filter", "flapping",
] as const;
export type FaultId = (typeof FAULT_IDS)[number];

/** What the primary does: one behaviour for every request, or these in order and then a normal answer. */
export type PrimaryScript = { readonly every: Behaviour } | { readonly first: readonly Behaviour[] };

/** The pool's own timers that decide how long a case can take (reliability.md §9, spec README stream deadlines). */
export interface CaseTimers {
  /** Dispatch to the primary's first content event, after which the gateway gives up on it. */
  readonly firstTokenMs: number;
  readonly hangAfterMs: number;
}

export interface Fault {
  readonly id: FaultId;
  readonly label: string;
  /** Streaming request (stream faults) or not. */
  readonly stream: boolean;
  /** Sequential requests in one case: more than one only where the fault shows over time. */
  readonly requests: number;
  readonly script: (t: CaseTimers) => PrimaryScript;
}

/** The flapping primary is reported over this many sequential requests. */
export const FLAP_REQUESTS = 6;
/** Events before a stream fault strikes: past the first content event, so the stream is committed (§8.3). */
const CUT_AFTER = 2;
/** A slow first token the pool's own timers allow: long enough to notice, short enough to keep the run quick. */
const SLOW_FIRST_TOKEN_MS = 2_000;
/** Past the pool's first-token deadline by this much, so the gateway's timer, not the mock, decides. */
const PAST_DEADLINE_MS = 1_000;

const every = (b: Behaviour): PrimaryScript => ({ every: b });

export const CATALOGUE: readonly Fault[] = [
  { id: "rate_limit_retry_after", label: "429 with Retry-After", stream: false, requests: 1, script: () => every({ kind: "rate_limited", retry_after: 20 }) },
  { id: "rate_limit", label: "429 without Retry-After", stream: false, requests: 1, script: () => every({ kind: "rate_limited" }) },
  { id: "server_error_once", label: "5xx once, then OK", stream: false, requests: 1, script: () => ({ first: [{ kind: "server_error" }] }) },
  { id: "server_error", label: "5xx persistent", stream: false, requests: 1, script: () => every({ kind: "server_error" }) },
  { id: "connection_reset", label: "connection reset before headers", stream: false, requests: 1, script: () => every({ kind: "reset_before_headers" }) },
  // The mock holds the request until the gateway lets go (or the hang cap), so no delay is needed here.
  { id: "no_response", label: "no response (hang before headers)", stream: false, requests: 1, script: () => every({ kind: "hang_before_headers" }) },
  {
    id: "slow_first_token", label: "slow first token", stream: true, requests: 1,
    // When the pool gives up on a slow primary within the hang bound, be slower than that, so its failover shows;
    // otherwise a short delay gives the same verdict (it waits) without making the run wait.
    script: (t) => every({
      kind: "slow_first_token",
      delay_ms: Math.round(t.firstTokenMs < t.hangAfterMs ? t.firstTokenMs + PAST_DEADLINE_MS : Math.min(SLOW_FIRST_TOKEN_MS, t.hangAfterMs / 2)),
    }),
  },
  { id: "stream_cut", label: "stream cut mid-way", stream: true, requests: 1, script: () => every({ kind: "reset_after_events", n: CUT_AFTER }) },
  { id: "stream_stall", label: "stream stall", stream: true, requests: 1, script: () => every({ kind: "stream_stall", n: CUT_AFTER }) },
  { id: "malformed_chunk", label: "malformed chunk", stream: true, requests: 1, script: () => every({ kind: "malformed_chunk", n: CUT_AFTER }) },
  { id: "missing_terminator", label: "missing terminator", stream: true, requests: 1, script: () => every({ kind: "missing_terminator" }) },
  { id: "context_length", label: "context length exceeded", stream: false, requests: 1, script: () => every({ kind: "context_length" }) },
  { id: "content_filter", label: "content filter stop", stream: false, requests: 1, script: () => every({ kind: "content_filter" }) },
  {
    id: "flapping", label: `flapping primary (${FLAP_REQUESTS} requests)`, stream: false, requests: FLAP_REQUESTS,
    // `@fault-cycle=ok;server_error`, as a queue: the primary alternates for as many requests as reach it.
    script: () => ({ first: Array.from({ length: FLAP_REQUESTS }, (_, i): Behaviour => ({ kind: i % 2 === 0 ? "ok" : "server_error" })) }),
  },
];
