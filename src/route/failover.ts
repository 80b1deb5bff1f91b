// The in-flight failover loop (reliability.md §8.1): select a member, attempt, and on an upstream fault record it
// in this pool's cell and try another member, all before the client sees a byte. Bounded by the request deadline
// and the pool's hop cap; exhaustion follows `on_exhausted` (§8.6). The breaker is touched only here, on the member
// actually dispatched (I3).
import type { ProtocolName } from "../ir/protocol.ts";
import type { Usage } from "../ir/usage.ts";
import type { Operation } from "../proto/types.ts";
import type { Runtime } from "../runtime.ts";
import { AttemptAbort, RequestEnd } from "../upstream/abort.ts";
import { type AttemptOutcome, type FailoverReason, type Reply, runAttempt } from "../upstream/attempt.ts";
import type { ClientBody } from "../upstream/egress.ts";
import type { Lane, Pool, PoolMember } from "./lanes.ts";
import { markRouted, poolDecision } from "./policy-decision.ts";
import type { PolicyRequestInfo } from "./webhook-policy.ts";
import { isReady, select } from "./select.ts";
import { timers } from "./timers.ts";
import { laneLabel } from "../observe/metrics.ts";
import { type AttemptRecord, epochMs, type RequestRecord } from "../observe/record.ts";

export interface ServeInput {
  readonly caller: ProtocolName;
  readonly op: Operation;
  readonly stream: boolean;
  readonly geminiJsonArray: boolean;
  readonly pool: Pool;
  readonly body: ClientBody;
  readonly callerHeaders: Headers;
  readonly passthrough: string | undefined;
  readonly requestId: string;
  readonly timing: { upstreamNs: number };
  /** The client's connection: aborts when it goes away. */
  readonly clientSignal: AbortSignal;
  /** The member's lane can serve this request (natively or by translation). */
  readonly serves: (lane: Lane) => boolean;
  /**
   * Told when a served body is still streaming at hand-over (`deferred`), then `end()` when it is delivered or
   * cancelled: the edge holds the request's inbound place and connection timer until then (platform.md §4.3).
   */
  readonly delivery?: { deferred: boolean; end(): void };
  /** The lane whose answer was served, and that answer's usage once its body is complete (governance spend). */
  readonly onServed?: (lane: Lane, usage: Usage | undefined) => void;
  /** The request's record: attempts, failovers, exhaustion and usage go on it (platform.md §5). */
  readonly record?: RequestRecord;
}

/** The loop's answer: a response to send, or the client left (nothing to send). */
export type Served = Reply | { readonly gone: true };

export async function serve(rt: Runtime, s: ServeInput): Promise<Served> {
  // The deadline has no timer of its own: each attempt's one timer and each permit wait end at it at the latest.
  const req = new RequestEnd(performance.now() + s.pool.spec.failover.deadlineSecs * 1000);
  const client = s.clientSignal;
  if (client.aborted) return { gone: true };
  // `onabort`, not addEventListener: the request's own signal has no other listener here, and the property costs a
  // third of a listener add/remove pair (~0.35 against ~1 µs, 2-vCPU VM).
  client.onabort = () => req.fire("client");
  try {
    return await loop(rt, s, req);
  } finally {
    client.onabort = null;
  }
}

interface LoopState {
  pool: Pool;
  hops: number;
  // Arrays, not Sets: they hold one or two entries and a Set per request showed in the profile.
  readonly visited: string[];
  readonly tried: Lane[];
  readonly pruned: Lane[];
  /** The last context-length error, relayed when no larger member is left (§8.5, D3). */
  lastContext: Reply | undefined;
  lastWasContext: boolean;
  /** A strict-translation refusal, answered when no member could take the request at all. */
  lastSkip: Reply | undefined;
  /** An upstream was actually called (skips do not count). */
  attempted: boolean;
  /** A native strategy's ranking, made once per pool the request enters (§11.1). */
  order: { readonly pool: Pool; readonly members: readonly PoolMember[] | undefined } | undefined;
  /** A webhook's `restrict`: narrows the eligible members for the whole request, fallback pools included. */
  allowed: ((m: PoolMember) => boolean) | undefined;
}

async function loop(rt: Runtime, s: ServeInput, req: RequestEnd): Promise<Served> {
  const st: LoopState = {
    pool: s.pool, hops: 0, visited: [s.pool.name], tried: [], pruned: [],
    lastContext: undefined, lastWasContext: false, lastSkip: undefined, attempted: false, order: undefined, allowed: undefined,
  };
  const servesMember = (m: PoolMember) => s.serves(m.lane) && (st.allowed === undefined || st.allowed(m));
  const policyRequest = (t0: number): PolicyRequestInfo => ({
    caller: s.caller, body: s.body.json, bodyChars: s.body.text.length, stream: s.stream,
    deadlineMs: Math.max(0, Math.round(req.deadlineAt - t0)), keyId: s.record?.keyId,
  });
  for (;;) {
    if (req.reason === undefined && performance.now() >= req.deadlineAt) req.fire("deadline");
    if (req.reason !== undefined) return ended(rt, s, st, req);
    const { pool } = st;
    const header = pool.spec.affinity?.headerName;
    const affinityKey = header === undefined ? undefined : s.callerHeaders.get(header) || undefined;
    if (st.order?.pool !== pool) {
      const pending = poolDecision(rt, pool, policyRequest, s.record);
      const d = pending instanceof Promise ? await pending : pending;
      if (d !== undefined) {
        if (d.kind === "reject") return { error: d.error };
        st.order = { pool, members: d.order };
        if (d.allowed !== undefined) st.allowed = d.allowed;
      }
    }
    const sel = st.hops > pool.spec.failover.cap
      ? { kind: "none" as const }
      : select({ pool, now: rt.nowMs(), tried: st.tried, pruned: st.pruned, serves: servesMember, affinityKey, order: st.order?.pool === pool ? st.order.members : undefined });
    if (sel.kind === "none") {
      const next = exhausted(rt, s, st);
      if (next === "continue") continue;
      if (next === "least_bad") {
        const m = leastBad(rt, s, st);
        if (m === undefined || !m.lane.state.permits.tryAcquire()) return rejectReply(rt, s, st);
        rt.log.warn("pool exhausted; least_bad dispatch ignores the breaker", { pool: pool.name, lane: m.lane.name, request_id: s.requestId });
        pool.counters.degraded++;
        st.lastWasContext = false;
        const out = await dispatch(rt, s, st, req, m, false);
        if (out !== undefined && !("retry" in out)) return out;
        if (st.lastWasContext && st.lastContext !== undefined) return st.lastContext;
        return req.reason !== undefined ? ended(rt, s, st, req) : rejectReply(rt, s, st);
      }
      return next;
    }
    const { member } = sel;
    const permits = member.lane.state.permits;
    if (sel.kind === "wait") {
      const wait = timers.schedule(req.deadlineAt - performance.now(), () => req.fire("deadline"));
      const got = await permits.acquire(req.signal);
      wait.cancel();
      if (!got) return ended(rt, s, st, req);
      if (!isReady(member, rt.nowMs())) {
        permits.release(); // tripped while we waited: choose again
        continue;
      }
    } else if (!permits.tryAcquire()) continue;
    const out = await dispatch(rt, s, st, req, member, true);
    if (out !== undefined && !("retry" in out)) {
      if ("res" in out && st.order?.pool === pool && st.order.members?.includes(member)) markRouted(out.res, pool.spec.policy, member);
      return out;
    }
  }
}

/** One attempt on a member that holds a permit. Undefined or `retry` = go round the loop again. */
async function dispatch(rt: Runtime, s: ServeInput, st: LoopState, req: RequestEnd, member: PoolMember, useBreaker: boolean): Promise<Served | { retry: true } | undefined> {
  const { lane, cell } = member;
  const pool = st.pool;
  if (!lane.state.reserve()) {
    lane.state.permits.release();
    return undefined;
  }
  const now = rt.nowMs();
  const { probe } = useBreaker ? cell.dispatch(now) : { probe: false };
  st.tried.push(lane);
  pool.counters.attempts++;
  const rec = s.record === undefined ? undefined : attemptRecord(s, pool, lane);
  let released = false;
  let delivering = false;
  const release = () => {
    if (released) return;
    released = true;
    lane.state.permits.release();
    if (delivering) s.delivery?.end();
  };
  const abort = new AttemptAbort();
  req.attach(abort);
  let outcome: AttemptOutcome;
  try {
    outcome = await runAttempt(rt, {
      caller: s.caller, op: s.op, stream: s.stream, geminiJsonArray: s.geminiJsonArray, pool, member, body: s.body,
      callerHeaders: s.callerHeaders, passthrough: s.passthrough, requestId: s.requestId, timing: s.timing, abort,
      deadlineAt: req.deadlineAt, onDeadline: () => req.fire("deadline"),
      release,
      ...(s.onServed === undefined && !rt.observe.wantsUsage ? {} : {
        onUsage: (u: Usage | undefined) => {
          if (s.record !== undefined) s.record.usage = u;
          s.onServed?.(lane, u);
        },
      }),
      onCommit: () => {
        cell.onSuccess(rt.nowMs(), probe);
        lane.state.ok++;
      },
      onMidstreamFailure: () => {
        cell.onTransient(rt.nowMs(), false);
        lane.state.err++;
        pool.counters.midstreamFailures++;
        if (s.record !== undefined) s.record.midstreamFailure = true;
      },
    });
  } catch (e) {
    // A throw here is busbar's own bug (the upstream's faults are outcomes), and a client can often repeat it at will:
    // it must not count against the lane or trip its breaker. The caller gets its dialect's 500; no failover.
    outcome = { kind: "invalid", reply: { error: { kind: "server_error", message: "The gateway hit an internal error handling this request." } } };
    rt.log.error("attempt failed unexpectedly", { lane: lane.name, error: e instanceof Error ? e.name : "unknown", request_id: s.requestId });
  } finally {
    req.current = undefined;
  }
  if (outcome.kind !== "skip") st.attempted = true;
  if (rec !== undefined) closeAttempt(s, rec, outcome);
  if (outcome.kind === "served") {
    // Released already: the body was whole. Otherwise a stream is still flowing and its release ends the delivery.
    if (!released && s.delivery !== undefined) delivering = s.delivery.deferred = true;
    return { res: outcome.res };
  }

  // Not served: the attempt ended before commit, so the permit and the budget unit come back (§3).
  abort.fire("done");
  release();
  lane.state.refund();
  const t = rt.nowMs();
  switch (outcome.kind) {
    case "client_fault":
      lane.state.clientFault++;
      if (probe) cell.onAbandon(true);
      return outcome.reply;
    case "invalid":
      if (probe) cell.onAbandon(true);
      return outcome.reply;
    case "aborted":
      if (probe) cell.onAbandon(true);
      return undefined; // the loop answers for the client or the deadline
    case "skip":
      if (probe) cell.onAbandon(true);
      pool.counters.attempts--; // no upstream call was made
      st.lastSkip = outcome.reply;
      return { retry: true }; // no penalty, no hop (§8.1)
    case "context_length":
      if (probe) cell.onAbandon(true);
      prune(st, member);
      st.lastContext = outcome.reply;
      st.lastWasContext = true;
      return hop(st, "context_length", s.record);
    case "transient":
      cell.onTransient(t, probe, outcome.retryAfterSec);
      lane.state.err++;
      st.lastWasContext = false;
      return hop(st, outcome.reason, s.record);
    case "hard_down":
      for (const c of lane.state.cells) c.onHardDown(t, outcome.deadReason);
      lane.state.err++;
      st.lastWasContext = false;
      rt.log.warn("lane hard-down", { lane: lane.name, reason: outcome.deadReason });
      return hop(st, "hard_down", s.record);
  }
}

/** The record of an attempt about to be dispatched (platform.md §5.3 `forward_once`). */
function attemptRecord(s: ServeInput, pool: Pool, lane: Lane): AttemptRecord {
  const a: AttemptRecord = {
    // An ad-hoc lane's implicit pool is named by the client's string: `adhoc` for both labels (§5.2 cardinality).
    attempt: (s.record?.attempts.length ?? 0) + 1, pool: lane.model === undefined ? "adhoc" : pool.name, lane: laneLabel(lane), provider: lane.provider.name,
    egressProtocol: lane.protocol.name, serverAddress: hostOf(lane.provider.baseUrl), translated: lane.protocol.name !== s.caller,
    startMs: epochMs(), endMs: 0, status: undefined, disposition: "aborted", ttftMs: undefined,
  };
  s.record?.attempts.push(a);
  return a;
}

function closeAttempt(s: ServeInput, a: AttemptRecord, outcome: AttemptOutcome): void {
  a.endMs = epochMs();
  switch (outcome.kind) {
    case "served":
      a.disposition = "ok";
      a.status = outcome.res.status;
      if (s.stream) a.ttftMs = a.endMs - a.startMs; // served = committed: its first content is on its way
      return;
    case "skip":
      s.record?.attempts.pop(); // no upstream call was made
      return;
    case "client_fault":
    case "context_length":
    case "invalid":
      a.disposition = outcome.kind;
      a.status = outcome.status;
      return;
    case "transient":
      a.disposition = outcome.reason === "context_length" ? "context_length" : outcome.reason;
      a.status = outcome.status;
      return;
    case "hard_down":
      a.disposition = "hard_down";
      a.status = outcome.status;
      return;
    case "aborted":
      a.disposition = "aborted";
      return;
  }
}

const hosts = new Map<string, string>();
/** `server.address`: the upstream's host name, parsed once per base URL. */
function hostOf(baseUrl: string): string {
  let h = hosts.get(baseUrl);
  if (h === undefined) {
    try {
      h = new URL(baseUrl).hostname;
    } catch {
      h = "";
    }
    hosts.set(baseUrl, h);
  }
  return h;
}

/** Counts the failover; past the cap the pool is exhausted at the next selection. */
function hop(st: LoopState, reason: FailoverReason, record: RequestRecord | undefined): { retry: true } {
  st.hops++;
  if (record !== undefined) record.failovers++;
  st.pool.counters.failovers[reason] = (st.pool.counters.failovers[reason] ?? 0) + 1;
  return { retry: true };
}

/** §8.5: members with a known context_max ≤ the failed member's are pruned; unknown ones stay. */
function prune(st: LoopState, failed: PoolMember): void {
  const max = failed.spec.contextMax;
  if (max === undefined) return;
  for (const m of st.pool.members) if (m.spec.contextMax !== undefined && m.spec.contextMax <= max) st.pruned.push(m.lane);
}

/** The request ended while in the loop: the client left, or the deadline passed (§9: 503 with Retry-After). */
function ended(rt: Runtime, s: ServeInput, st: LoopState, req: RequestEnd): Served {
  if (req.reason === "client") return { gone: true };
  return {
    error: {
      kind: "overloaded",
      message: "The request timed out before an upstream answered.",
      retryAfter: retryAfterSecs(rt, st.pool),
    },
  };
}

/** §8.6 on an exhausted pool: the reply, or go on in a fallback pool, or one `least_bad` attempt. */
function exhausted(rt: Runtime, s: ServeInput, st: LoopState): Served | "continue" | "least_bad" {
  // D3: no larger member left after a context error → that error, not a 503.
  if (st.lastWasContext && st.lastContext !== undefined) return st.lastContext;
  // Nothing could take the request at all under strict translation: the refusal naming the fields.
  if (st.lastSkip !== undefined && !st.attempted) return st.lastSkip;
  const action = st.pool.spec.onExhausted;
  switch (action.action) {
    case "reject":
      return rejectReply(rt, s, st);
    case "least_bad":
      return "least_bad";
    case "fallback_pool": {
      const next = rt.resolver.pools.get(action.pool);
      if (next === undefined || st.visited.includes(next.name)) return rejectReply(rt, s, st);
      st.visited.push(next.name);
      st.pool = next;
      st.hops = 0;
      st.lastWasContext = false;
      return "continue";
    }
  }
}

/**
 * Ignoring the breaker: the untried, non-excluded member whose cooldown ends soonest; ties go to member order. Only
 * the breaker is ignored: a member pruned by a context error, or one that cannot serve this request, stays out (§4).
 */
function leastBad(rt: Runtime, s: ServeInput, st: LoopState): PoolMember | undefined {
  const now = rt.nowMs();
  let best: PoolMember | undefined;
  for (const m of st.pool.members) {
    if (st.tried.includes(m.lane) || st.pruned.includes(m.lane) || st.pool.spec.failover.exclusions.includes(m.lane.name)) continue;
    if (!s.serves(m.lane)) continue;
    if (best === undefined || m.cell.cooldownRemainingS(now) < best.cell.cooldownRemainingS(now)) best = m;
  }
  return best;
}

/** `reject`: the caller's native "overloaded" (Anthropic 529, D15) with Retry-After (§8.6). */
function rejectReply(rt: Runtime, s: ServeInput, st: LoopState): Served {
  st.pool.counters.exhausted++;
  if (s.record !== undefined) s.record.exhausted = true;
  return {
    error: {
      kind: "overloaded",
      message: `Every upstream of '${s.pool.name}' is unavailable or failed; retry later.`,
      retryAfter: retryAfterSecs(rt, st.pool),
    },
  };
}

/** ceil(smallest remaining member cooldown), at least 1 s. */
function retryAfterSecs(rt: Runtime, pool: Pool): number {
  const now = rt.nowMs();
  let min = Infinity;
  for (const m of pool.members) {
    if (pool.spec.failover.exclusions.includes(m.lane.name)) continue;
    const left = m.cell.cooldownRemainingS(now);
    if (left > 0 && left < min) min = left;
  }
  return Number.isFinite(min) ? Math.max(1, Math.ceil(min)) : 1;
}
