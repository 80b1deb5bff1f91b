// Lanes and pools built from the config snapshot (reliability.md §1, §3). A lane is a model bound to its provider
// and protocol and owns the lane-global state: permits, request budget, latency estimate, counters. A pool member
// is a pool's reference to a lane with its own breaker cell (per pool × lane); a direct model route uses the
// lane's default cell through an implicit one-member pool.
import type { Headroom } from "../upstream/ratelimits.ts";
import type { GatewayConfig, ModelSpec, PoolMemberSpec, PoolSpec, ProviderSpec } from "../config/model.ts";
import { POOL_DEFAULTS } from "../config/schema.ts";
import { protocol } from "../proto/registry.ts";
import type { Protocol } from "../proto/types.ts";
import { type BreakerSettings, Cell, type Jitter } from "./breaker.ts";
import { Semaphore } from "./semaphore.ts";

/** reliability.md §3: EWMA weight of the newest latency sample. */
const EWMA_ALPHA = 0.2;

export class LaneState {
  readonly permits: Semaphore;
  /** Requests left under `max_requests`; -1 = unlimited. */
  private budget: number;
  /** ms from dispatch to response headers of 2xx attempts; null until the first sample. */
  latencyEwmaMs: number | null = null;
  /** Read provider rate-limit headers off every answer: set when a pool of this lane routes by `usage` (§11.1). */
  trackRateLimits = false;
  /** The provider's last reported headroom (upstream/ratelimits.ts). */
  headroom: Headroom | undefined = undefined;
  ok = 0;
  err = 0;
  clientFault = 0;
  /** Every breaker cell of this lane (one per pool it is in, plus the default cell): hard-down and probes touch all. */
  readonly cells: Cell[] = [];

  constructor(maxConcurrent: number, maxRequests: number) {
    this.permits = new Semaphore(maxConcurrent);
    this.budget = maxRequests;
  }

  get hasBudget(): boolean {
    return this.budget !== 0;
  }

  get budgetLeft(): number {
    return this.budget;
  }

  /** One unit reserved at dispatch; false when the lane is spent. */
  reserve(): boolean {
    if (this.budget === 0) return false;
    if (this.budget > 0) this.budget--;
    return true;
  }

  /** The attempt ended before commit: the unit comes back. */
  refund(): void {
    if (this.budget >= 0) this.budget++;
  }

  recordLatency(ms: number): void {
    this.latencyEwmaMs = this.latencyEwmaMs === null ? ms : EWMA_ALPHA * ms + (1 - EWMA_ALPHA) * this.latencyEwmaMs;
  }
}

export interface Lane {
  /** The model name from config (also the `lane` label, spec README platform decision 6). */
  readonly name: string;
  readonly upstreamModel: string;
  readonly provider: ProviderSpec;
  readonly protocol: Protocol;
  readonly model: ModelSpec | undefined;
  readonly state: LaneState;
  /** The cell direct model routes use. */
  readonly defaultCell: Cell;
}

export interface PoolMember {
  /** 0-based position in `members`. */
  readonly index: number;
  readonly lane: Lane;
  readonly spec: PoolMemberSpec;
  readonly weight: number;
  readonly cell: Cell;
  /** The reasoning ask may cross to this member: the member's flag, else the model's (protocols.md §10.3). */
  readonly reasoning: boolean;
  /** Member value wins over the model's (reliability.md §2). */
  readonly attemptTimeoutMs: number | undefined;
}

/** Per-pool counters for /stats (reliability.md §12; the metric names come with observability). */
export interface PoolCounters {
  attempts: number;
  failovers: Partial<Record<string, number>>;
  exhausted: number;
  degraded: number;
  midstreamFailures: number;
}

export function newCounters(): PoolCounters {
  return { attempts: 0, failovers: {}, exhausted: 0, degraded: 0, midstreamFailures: 0 };
}

export interface Pool {
  readonly name: string;
  readonly counters: PoolCounters;
  readonly members: readonly PoolMember[];
  readonly spec: PoolSpec;
  /** False for the implicit pool of a direct model route (no pool-level settings apply to the response). */
  readonly explicit: boolean;
}

/** reliability.md §2 defaults, for direct model routes and ad-hoc lanes. */
export function defaultPoolSpec(name: string, target: string): PoolSpec {
  return {
    name,
    members: [{ target, weight: 1, contextMax: undefined, reasoning: undefined, attemptTimeoutMs: undefined, tier: undefined, tags: [], costPerMtok: undefined }],
    translation: "lossy",
    reasoningContent: false,
    ...POOL_DEFAULTS,
  };
}

export interface LaneBuild {
  readonly config: GatewayConfig;
  readonly jitter: Jitter;
}

function settings(spec: PoolSpec, config: GatewayConfig): BreakerSettings {
  return {
    ...spec.breaker,
    hardDownCooldownSecs: config.limits.hardDownCooldownSecs,
    maxHonoredRetryAfterSecs: config.limits.maxHonoredRetryAfterSecs,
  };
}

export function laneOf(b: LaneBuild, model: ModelSpec | undefined, provider: ProviderSpec, name: string, upstreamModel: string): Lane {
  const state = new LaneState(model?.maxConcurrent ?? 256, model?.maxRequests ?? -1);
  const defaultCell = new Cell(settings(defaultPoolSpec(name, name), b.config), b.jitter);
  state.cells.push(defaultCell);
  return { name, upstreamModel, provider, protocol: protocol(provider.protocol), model, state, defaultCell };
}

/**
 * A lane's identity across a config reload (platform.md §6.6): the same provider, base URL, path, protocol and
 * upstream model. A lane that keeps its identity keeps its breaker state, counters and in-flight permits.
 */
function sameIdentity(a: Lane, model: ModelSpec, provider: ProviderSpec): boolean {
  return a.provider.name === provider.name && a.provider.baseUrl === provider.baseUrl && a.provider.path === provider.path
    && a.provider.protocol === provider.protocol && a.upstreamModel === model.upstreamModel;
}

/** `previous`: the running lanes, on a reload; lanes with an unchanged identity carry their state over. */
export function buildLanes(b: LaneBuild, previous?: ReadonlyMap<string, Lane>): Map<string, Lane> {
  const lanes = new Map<string, Lane>();
  for (const m of Object.values(b.config.models)) {
    const p = b.config.providers[m.provider];
    if (p === undefined) continue;
    const fresh = laneOf(b, m, p, m.name, m.upstreamModel);
    const old = previous?.get(m.name);
    if (old === undefined || !sameIdentity(old, m, p)) {
      lanes.set(m.name, fresh);
      continue;
    }
    // Same lane: the old breaker cell and, when its limits are unchanged, its permits, budget and counters.
    const keepState = old.state.permits.size === (m.maxConcurrent ?? 256) && old.model?.maxRequests === m.maxRequests;
    const state = keepState ? old.state : fresh.state;
    state.cells.length = 0;
    state.cells.push(old.defaultCell);
    lanes.set(m.name, { ...fresh, state, defaultCell: old.defaultCell });
  }
  return lanes;
}

/** `previous`: the running pools, on a reload; a member whose lane kept its state keeps its cell if its settings did. */
export function buildPools(b: LaneBuild, lanes: ReadonlyMap<string, Lane>, previous?: ReadonlyMap<string, Pool>): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  for (const p of Object.values(b.config.pools)) {
    const members: PoolMember[] = [];
    const before = previous?.get(p.name);
    const sameBreaker = before !== undefined && JSON.stringify(settings(before.spec, b.config)) === JSON.stringify(settings(p, b.config));
    p.members.forEach((m, index) => {
      const lane = lanes.get(m.target);
      if (lane === undefined) return;
      const kept = sameBreaker ? before.members.find((o) => o.lane.name === lane.name && o.lane.defaultCell === lane.defaultCell)?.cell : undefined;
      const cell = kept ?? new Cell(settings(p, b.config), b.jitter);
      lane.state.cells.push(cell);
      members.push({
        index, lane, spec: m, weight: m.weight, cell,
        reasoning: m.reasoning ?? lane.model?.reasoning ?? false,
        attemptTimeoutMs: m.attemptTimeoutMs ?? lane.model?.attemptTimeoutMs,
      });
    });
    // The provider's rate-limit headers feed `usage` and the `rate_headroom` a webhook or script sees (§11.2).
    if (p.policy === "usage" || p.policy === "webhook" || p.policy === "script") for (const m of members) m.lane.state.trackRateLimits = true;
    // Counters continue across a reload, so the metrics read from them stay monotonic.
    pools.set(p.name, { name: p.name, members, spec: p, explicit: true, counters: before?.counters ?? newCounters() });
  }
  return pools;
}

const implicit = new WeakMap<Lane, Pool>();

/** The implicit one-member pool of a direct model route or an ad-hoc lane: the lane's default cell. */
export function implicitPool(lane: Lane): Pool {
  let pool = implicit.get(lane);
  if (pool === undefined) implicit.set(lane, pool = makeImplicitPool(lane));
  return pool;
}

function makeImplicitPool(lane: Lane): Pool {
  const spec = defaultPoolSpec(lane.name, lane.name);
  return {
    name: lane.name,
    explicit: false,
    counters: newCounters(),
    spec,
    members: [{
      index: 0, lane, spec: spec.members[0]!, weight: 1, cell: lane.defaultCell,
      reasoning: lane.model?.reasoning ?? false, attemptTimeoutMs: lane.model?.attemptTimeoutMs,
    }],
  };
}
