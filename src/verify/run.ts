// Runs the catalogue: per (pool, fault) a fresh runtime (fresh breaker state) and gateway listener in front of one
// shared mock, the fault on the pool's primary, the client's request(s), and what came back. Every case has mock
// members of its own (config.ts), so cases run side by side and a run lasts about as long as its slowest case.
import type { GatewayConfig } from "../config/model.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import { zeroJitter } from "../route/breaker.ts";
import type { Pool } from "../route/lanes.ts";
import { select } from "../route/select.ts";
import { mockControl, type MockControl, startMockUpstream } from "../mock/index.ts";
import { silentLogger } from "../observe/log.ts";
import { buildRuntime, type FetchFn } from "../runtime.ts";
import { listen } from "../serve.ts";
import { CATALOGUE, type CaseTimers, type Fault, type FaultId } from "./catalogue.ts";
import { exchange, judge, type Outcome } from "./client.ts";
import { mockedConfig, VERIFY_CLIENT_TOKEN } from "./config.ts";
import { poolRequest } from "./wire.ts";

export interface PoolPlan {
  readonly pool: string;
  /** The member a fresh pool tries first: the list head under `ordered`, the heaviest under `weighted`. */
  readonly primary: string;
  /** The primary's protocol, which the client speaks (so the primary is a same-protocol hop). */
  readonly protocol: ProtocolName;
  readonly members: readonly string[];
  /** Models this pool can reach: its members and those of its fallback pools. */
  readonly reach: readonly string[];
}

export interface CaseResult {
  readonly pool: string;
  readonly fault: FaultId;
  readonly label: string;
  readonly stream: boolean;
  /** One per request the case sent. */
  readonly outcomes: readonly (Outcome & { readonly answeredBy: string | undefined })[];
  /** Model → upstream requests it received (the mock's count, so what the network saw). */
  readonly attempts: Readonly<Record<string, number>>;
  readonly ms: number;
}

export interface RunInput {
  readonly config: GatewayConfig;
  readonly pools: readonly string[];
  readonly hangAfterMs: number;
  /** Cases in flight at once; each has its own runtime, listener and mock members. */
  readonly concurrency?: number;
  /** The runtime's upstream fetch (tests watch what leaves the gateway). */
  readonly fetch?: FetchFn;
}

export interface RunOutput {
  readonly plans: readonly PoolPlan[];
  readonly cases: readonly CaseResult[];
  readonly ms: number;
}

const DEFAULT_CONCURRENCY = 64;
/** A hang outlives the client's abort at most this long at the mock (a gateway that never lets go of it). */
const HANG_CAP_MARGIN_MS = 5_000;
/** Faults that may take up to the hang bound go first, so the quick ones fill the gaps. */
const SLOW_FIRST: ReadonlySet<FaultId> = new Set(["no_response", "stream_stall", "slow_first_token", "flapping"]);

export function planPool(config: GatewayConfig, name: string): PoolPlan {
  const rt = buildRuntime(config, { log: silentLogger, jitter: zeroJitter });
  const pool = rt.resolver.pools.get(name);
  if (pool === undefined) throw new Error(`no pool ${JSON.stringify(name)}`);
  // The real selection code on fresh state answers "who is tried first" exactly as the gateway will.
  const sel = select({ pool, now: Date.now(), tried: [], pruned: [], serves: () => true, affinityKey: undefined });
  const head = sel.kind === "none" ? pool.members[0]! : sel.member;
  const reach: string[] = [];
  const seen = new Set<string>();
  for (let p: Pool | undefined = pool; p !== undefined && !seen.has(p.name);) {
    seen.add(p.name);
    for (const m of p.members) if (!reach.includes(m.lane.name)) reach.push(m.lane.name);
    const then: Pool["spec"]["onExhausted"] = p.spec.onExhausted;
    p = then.action === "fallback_pool" ? rt.resolver.pools.get(then.pool) : undefined;
  }
  return {
    pool: name,
    primary: head.lane.name,
    protocol: head.lane.provider.protocol,
    members: pool.members.map((m) => m.lane.name),
    reach,
  };
}

/** The primary's `attempt_timeout_ms`: the member's value wins over the model's (reliability.md §2). */
export function primaryAttemptTimeoutMs(config: GatewayConfig, plan: PoolPlan): number | undefined {
  const member = config.pools[plan.pool]!.members.find((m) => m.target === plan.primary);
  return member?.attemptTimeoutMs ?? config.models[plan.primary]?.attemptTimeoutMs;
}

/** The pool's first-token deadline for its primary (reliability.md §9: the attempt timeout, TTFT, the deadline). */
export function firstTokenMs(config: GatewayConfig, plan: PoolPlan): number {
  const spec = config.pools[plan.pool]!;
  return Math.min(primaryAttemptTimeoutMs(config, plan) ?? Infinity, spec.ttftTimeoutMs, spec.failover.deadlineSecs * 1000);
}

export async function runCatalogue(input: RunInput): Promise<RunOutput> {
  const started = performance.now();
  const mock = startMockUpstream({ host: "127.0.0.1", port: 0, faults: true, memberTag: true, hangCapMs: Math.min(600_000, input.hangAfterMs + HANG_CAP_MARGIN_MS) });
  const ctl = mockControl(mock.url);
  try {
    const plans = input.pools.map((p) => planPool(input.config, p));
    const jobs = plans.flatMap((plan) => CATALOGUE.map((fault) => ({ plan, fault })));
    const order = [...jobs.keys()].sort((a, b) => Number(SLOW_FIRST.has(jobs[b]!.fault.id)) - Number(SLOW_FIRST.has(jobs[a]!.fault.id)));
    const results: CaseResult[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
      while (next < order.length) {
        const i = order[next++]!;
        const { plan, fault } = jobs[i]!;
        results[i] = await runCase(input, mock.url, ctl, plan, fault, String(i));
      }
    };
    await Promise.all(Array.from({ length: Math.min(input.concurrency ?? DEFAULT_CONCURRENCY, jobs.length) }, worker));
    return { plans, cases: results, ms: performance.now() - started };
  } finally {
    await mock.stop();
  }
}

async function runCase(input: RunInput, mockUrl: string, ctl: MockControl, plan: PoolPlan, fault: Fault, tag: string): Promise<CaseResult> {
  const mocked = mockedConfig(input.config, mockUrl, tag);
  const primary = mocked.memberOf.get(plan.primary)!;
  const timers: CaseTimers = { firstTokenMs: firstTokenMs(input.config, plan), hangAfterMs: input.hangAfterMs };
  const script = fault.script(timers);
  if ("every" in script) await ctl.setDefault(primary, script.every);
  else await ctl.queue(primary, ...script.first);

  const rt = buildRuntime(mocked.config, { log: silentLogger, jitter: zeroJitter, ...(input.fetch !== undefined && { fetch: input.fetch }) });
  const gw = listen(rt, "127.0.0.1", 0);
  const token = mocked.config.auth.mode === "none" ? undefined : VERIFY_CLIENT_TOKEN;
  const request = poolRequest(plan.protocol, plan.pool, fault.stream);
  const outcomes: CaseResult["outcomes"][number][] = [];
  const t0 = performance.now();
  let ms: number;
  try {
    for (let n = 0; n < fault.requests; n++) {
      const ex = await exchange({ baseUrl: gw.url, request, token, hangAfterMs: input.hangAfterMs });
      const o = judge(plan.protocol, fault.stream, ex, input.hangAfterMs);
      outcomes.push({ ...o, answeredBy: o.member === undefined ? undefined : mocked.modelOf.get(o.member) ?? o.member });
    }
    ms = performance.now() - t0;
  } finally {
    await gw.stop();
  }
  const attempts: Record<string, number> = {};
  for (const model of plan.reach) {
    const view = await ctl.state(mocked.memberOf.get(model)!);
    if (view.requests > 0) attempts[model] = view.requests;
  }
  for (const model of plan.reach) await ctl.reset(mocked.memberOf.get(model)!);
  return { pool: plan.pool, fault: fault.id, label: fault.label, stream: fault.stream, outcomes, attempts, ms };
}
