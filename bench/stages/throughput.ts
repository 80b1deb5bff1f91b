// Throughput: a ladder of fixed-concurrency steps per gateway and row, with each gateway's process CPU
// per request — the budget metric, steadier than req/s on a shared VM (PERF-NOTES.md).
import { SCENARIOS, type Running, type Scenario } from "../gateways/types.ts";
import { probe, runLoad, type Call } from "../loadgen.ts";
import { cpuSeconds, type RssSampler } from "../proc.ts";
import { seqBlock } from "../record.ts";
import { percentiles } from "../stats.ts";

export interface StepResult {
  readonly gateway: string;
  readonly scenario: Scenario;
  readonly conc: number;
  readonly secs: number;
  readonly ok: number;
  readonly errors: number;
  readonly error_kinds: Record<string, number>;
  readonly first_error?: string;
  readonly rps: number;
  readonly p50_us: number | null;
  readonly p99_us: number | null;
  /** Process-tree CPU (user + system) of the gateway over the step ÷ completed requests. */
  readonly cpu_us_per_req: number | null;
  /** The load generator's own CPU per request (it shares a core with the mocks). */
  readonly loadgen_cpu_us_per_req: number | null;
  readonly rss_peak_kib: number | null;
}

export interface Row {
  readonly gateway: string;
  readonly scenario: Scenario;
  /** Set when this gateway does not serve this row, with the reason. */
  readonly notServed?: string;
}

export interface LadderOptions {
  readonly stepSecs: number;
  readonly ladder: readonly number[];
  readonly nonce: string;
  readonly log: (l: string) => void;
  readonly onStep: (s: StepResult) => void;
}

/** One probe per gateway and row: anything but 200 makes the row `not served: <reason>`. */
export async function probeRows(paths: readonly Running[], nonce: string): Promise<Row[]> {
  const rows: Row[] = [];
  for (const p of paths) {
    for (const s of SCENARIOS) {
      const t = p.call(s, { nonce });
      if ("notServed" in t) {
        rows.push({ gateway: p.name, scenario: s, notServed: t.notServed });
        continue;
      }
      const r = await probe(t.call, seqBlock(1));
      rows.push(r.status === 200 ? { gateway: p.name, scenario: s } : { gateway: p.name, scenario: s, notServed: r.reason });
    }
  }
  return rows;
}

const round1 = (x: number) => Math.round(x * 10) / 10;

async function step(path: Running, call: Call, scenario: Scenario, conc: number, o: LadderOptions, sampler: RssSampler | undefined): Promise<StepResult> {
  const measure = scenario === "stream" ? "ttft" : "full";
  const warmMs = Math.min(1000, o.stepSecs * 200);
  await runLoad({ call, concurrency: conc, requests: 10_000_000, maxMs: warmMs, measure, seqBase: seqBlock(10_000_000), keepSamples: false });
  sampler?.refresh();
  const pids = sampler?.tree ?? [path.pid];
  const rssFrom = sampler?.now() ?? 0;
  const cpu0 = cpuSeconds(pids);
  const self0 = process.cpuUsage();
  const r = await runLoad({ call, concurrency: conc, requests: 50_000_000, maxMs: o.stepSecs * 1000, measure, seqBase: seqBlock(50_000_000) });
  const self = process.cpuUsage(self0);
  const cpu = cpuSeconds(pids) - cpu0;
  const rss = sampler?.window(rssFrom) ?? [];
  const p = percentiles(r.latenciesNs);
  const secs = r.elapsedNs / 1e9;
  return {
    gateway: path.name,
    scenario,
    conc,
    secs: Math.round(secs * 1000) / 1000,
    ok: r.ok,
    errors: r.errors,
    error_kinds: r.errorKinds,
    ...(r.firstError === undefined ? {} : { first_error: r.firstError }),
    rps: Math.round(r.ok / secs),
    p50_us: r.ok > 0 ? round1(p.p50 / 1e3) : null,
    p99_us: r.ok > 0 ? round1(p.p99 / 1e3) : null,
    cpu_us_per_req: r.ok > 0 ? round1((cpu * 1e6) / r.ok) : null,
    loadgen_cpu_us_per_req: r.ok > 0 ? round1((self.user + self.system) / r.ok) : null,
    rss_peak_kib: rss.length > 0 ? Math.max(...rss) : null,
  };
}

/**
 * Every served row at every concurrency. Gateways take turns within each step, in an order that
 * reverses from one concurrency to the next, so drift lands on all of them alike.
 */
export async function runLadder(paths: readonly Running[], rows: readonly Row[], samplers: ReadonlyMap<string, RssSampler>, o: LadderOptions): Promise<StepResult[]> {
  const out: StepResult[] = [];
  const served = (g: string, s: Scenario) => rows.some((r) => r.gateway === g && r.scenario === s && r.notServed === undefined);
  for (const [i, conc] of o.ladder.entries()) {
    const order = i % 2 === 0 ? paths : [...paths].reverse();
    for (const scenario of SCENARIOS) {
      for (const path of order) {
        if (!served(path.name, scenario)) continue;
        const t = path.call(scenario, { nonce: o.nonce });
        if ("notServed" in t) continue;
        const s = await step(path, t.call, scenario, conc, o, samplers.get(path.name));
        out.push(s);
        o.onStep(s);
        o.log(`  ${path.name.padEnd(10)} ${scenario.padEnd(9)} c=${String(conc).padEnd(4)} ${String(s.rps).padStart(6)} req/s  ${s.errors} err  cpu ${s.cpu_us_per_req ?? "-"} µs/req`);
      }
    }
  }
  return out;
}

export interface RowSummary {
  readonly gateway: string;
  readonly scenario: Scenario;
  readonly notServed?: string;
  /** Highest req/s among zero-error steps; null when every step had errors. */
  readonly ceiling_rps: number | null;
  readonly ceiling_conc: number | null;
  /** Summed CPU over all steps ÷ summed requests. */
  readonly cpu_us_per_req: number | null;
  readonly steps: readonly StepResult[];
}

export function summarizeRows(rows: readonly Row[], steps: readonly StepResult[]): RowSummary[] {
  return rows.map((row) => {
    const mine = steps.filter((s) => s.gateway === row.gateway && s.scenario === row.scenario);
    const clean = mine.filter((s) => s.errors === 0 && s.ok > 0);
    const best = clean.reduce<StepResult | undefined>((b, s) => (b === undefined || s.rps > b.rps ? s : b), undefined);
    const ok = mine.reduce((a, s) => a + s.ok, 0);
    const cpuUs = mine.reduce((a, s) => a + (s.cpu_us_per_req ?? 0) * s.ok, 0);
    return {
      gateway: row.gateway,
      scenario: row.scenario,
      ...(row.notServed === undefined ? {} : { notServed: row.notServed }),
      ceiling_rps: best?.rps ?? null,
      ceiling_conc: best?.conc ?? null,
      cpu_us_per_req: ok > 0 ? round1(cpuUs / ok) : null,
      steps: mine,
    };
  });
}
