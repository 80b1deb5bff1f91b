// `GET /stats` (platform.md §5.1, reliability.md §12): pools and lanes with their live state, read without side
// effects (I3: reading never takes a probe slot or changes a cell). Secrets never appear here.
import type { Cell } from "../route/breaker.ts";
import type { Lane, Pool } from "../route/lanes.ts";

const round = (n: number, digits = 3) => Math.round(n * 10 ** digits) / 10 ** digits;

function cellView(cell: Cell, now: number) {
  return {
    state: cell.state,
    ready: cell.isReady(now),
    cooldown_remaining_s: round(cell.cooldownRemainingS(now)),
    streak: cell.streak,
    error_rate: round(cell.errorRate(now)),
    trips: cell.trips,
  };
}

/** Usable = Closed or HalfOpen in some cell, or Open with its cooldown over (the next request probes); a hard-down
 * cell is Open for its long cooldown (platform.md §5.1, /healthz). */
export function laneUsable(lane: Lane, now: number): boolean {
  return lane.state.hasBudget && lane.state.cells.some((c) => c.state !== "open" || now >= c.cooldownUntil);
}

/** The cell to report for the lane: the longest cooldown, then the longest streak (a pool cell with a failure beats
 * an untouched direct-route cell when neither is cooling down). */
function worst(cells: readonly Cell[], now: number): Cell | undefined {
  let w: Cell | undefined;
  for (const c of cells) {
    if (w === undefined) { w = c; continue; }
    const dc = c.cooldownRemainingS(now) - w.cooldownRemainingS(now);
    if (dc > 0 || (dc === 0 && c.streak > w.streak)) w = c;
  }
  return w;
}

export function statsView(lanes: Iterable<Lane>, pools: Iterable<Pool>, now: number): Record<string, unknown> {
  const poolList = [...pools];
  const laneList = [...lanes];
  return {
    pools: Object.fromEntries(poolList.map((p) => [p.name, p.members.map((m) => m.lane.name)])),
    lanes: laneList.map((lane) => {
      const s = lane.state;
      const w = worst(s.cells, now);
      const dead = s.cells.find((c) => c.deadReason !== undefined && c.state !== "closed");
      return {
        model: lane.name,
        provider: lane.provider.name,
        protocol: lane.protocol.name,
        max_concurrent: s.permits.size,
        inflight: s.permits.inUse,
        free_slots: s.permits.free,
        waiting: s.permits.waiting,
        ok: s.ok,
        err: s.err,
        client_fault: s.clientFault,
        usable: laneUsable(lane, now),
        dead: dead !== undefined,
        dead_reason: dead?.deadReason ?? null,
        cooldown_remaining_s: w === undefined ? 0 : round(w.cooldownRemainingS(now)),
        streak: w?.streak ?? 0,
        budget: s.budgetLeft,
        latency_ewma_ms: s.latencyEwmaMs === null ? null : round(s.latencyEwmaMs),
      };
    }),
    pool_state: Object.fromEntries(poolList.map((p) => [p.name, {
      attempts: p.counters.attempts,
      failovers: p.counters.failovers,
      exhausted: p.counters.exhausted,
      degraded_dispatch: p.counters.degraded,
      midstream_failures: p.counters.midstreamFailures,
      members: p.members.map((m) => ({ model: m.lane.name, weight: m.weight, ...cellView(m.cell, now) })),
    }])),
  };
}
