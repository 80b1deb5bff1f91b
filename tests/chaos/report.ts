// One phase of the §13.3 run, judged and summarised: every client outcome matched with the attempts the mock saw
// for it, the /stats deltas, latency and RSS. `problems` lists each request that breaks a pass rule, described
// well enough to reproduce (caller, mode, the behaviours each member played, what the client got).
import * as v from "valibot";
import { type Attempt, isPostCommitDeath, type Ledger } from "./ledger.ts";
import type { Outcome, PhaseRun } from "./load.ts";

const Counts = v.record(v.string(), v.number());
export const StatsSchema = v.object({
  lanes: v.array(v.object({
    model: v.string(), max_concurrent: v.number(), inflight: v.number(), free_slots: v.number(), waiting: v.number(),
    dead: v.boolean(), cooldown_remaining_s: v.number(),
  })),
  pool_state: v.record(v.string(), v.object({
    attempts: v.number(), failovers: Counts, exhausted: v.number(), midstream_failures: v.number(),
    members: v.array(v.object({ model: v.string(), state: v.string(), trips: v.number(), cooldown_remaining_s: v.number(), streak: v.number() })),
  })),
});
export type Stats = v.InferOutput<typeof StatsSchema>;

export async function readStats(url: string): Promise<Stats> {
  return v.parse(StatsSchema, await (await fetch(`${url}/stats`)).json());
}

export interface PhaseSpec {
  readonly n: number;
  readonly name: string;
  readonly pool: string;
  /** Lane name → mock member (the `member=` marker). */
  readonly memberOfLane: Readonly<Record<string, string>>;
  readonly cap: number;
  /** §13.3: no client-visible failure is allowed for a request started while this holds. */
  readonly expectClean: (start: number) => boolean;
  /** Phase 3: every request must end in the native overloaded answer within this many ms. */
  readonly outageWithinMs?: number;
}

export interface PhaseReport {
  readonly spec: PhaseSpec;
  readonly secs: number;
  readonly sent: number;
  readonly ok: number;
  /** (a) pre-commit failures: an error status other than (c), a broken, mixed or unterminated answer. */
  readonly a: number;
  /** (b) post-commit terminal errors, and how many the mock injected (a stream cut after content). */
  readonly b: number;
  readonly bInjected: number;
  /** (c) deadline or exhaustion 503s (529 for Anthropic callers). */
  readonly c: number;
  readonly cDeadline: number;
  /** Requests started when no member was healthy (§13.3 rule), and how many of them got (c). */
  readonly exempt: number;
  readonly exemptC: number;
  readonly attemptsMean: number;
  readonly attemptsMax: number;
  /** Failed over away from an attempt the mock was answering normally (e.g. an attempt timeout on a slow reply). */
  readonly abandonedOk: number;
  readonly latency: { readonly p50: number; readonly p99: number; readonly max: number };
  readonly failovers: Record<string, number>;
  readonly trips: Record<string, number>;
  readonly midstream: number;
  readonly exhausted: number;
  /** Attempts per behaviour the mock played, streams and non-streams apart (`kind/s`, `kind/j`). */
  readonly behaviours: Record<string, number>;
  /** (b) per caller protocol and terminal error type, e.g. `anthropic api_error`. */
  readonly terminals: Record<string, number>;
  readonly rss: { readonly start: number; readonly end: number };
  readonly problems: string[];
}

const MiB = 2 ** 20;

/** Latency in 1 ms buckets up to 60 s (and one above): fixed memory however long a phase runs. */
class Histogram {
  private readonly buckets = new Uint32Array(60_002);
  private n = 0;
  max = 0;

  add(ms: number): void {
    this.buckets[Math.min(this.buckets.length - 1, Math.max(0, Math.round(ms)))]!++;
    this.n++;
    this.max = Math.max(this.max, ms);
  }

  quantile(q: number): number {
    const rank = Math.floor(this.n * q);
    let seen = 0;
    for (let i = 0; i < this.buckets.length; i++) {
      seen += this.buckets[i]!;
      if (seen > rank) return i;
    }
    return 0;
  }
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(after)) {
    const d = n - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}

function trail(attempts: readonly Attempt[]): string {
  if (attempts.length === 0) return "no upstream attempt";
  return attempts.map((a) => `${a.member}:${a.kind}${a.n === undefined ? "" : `{${a.n}}`}${a.source === "script" ? "(header)" : ""}`).join(" → ");
}

function describe(o: Outcome, attempts: readonly Attempt[], t0: number): string {
  const v = o.verdict;
  const got = v.kind === "ok" ? `200 ok from member=${v.member}`
    : v.kind === "terminal" ? `terminal error after member=${v.member} content (${v.error})`
    : v.kind === "unavailable" ? `${v.status} Retry-After ${v.retryAfter}${v.deadline ? " (deadline)" : " (exhausted)"}`
    : `broken: ${v.why}`;
  return `${o.id} ${o.caller} ${o.stream ? "stream" : "non-stream"} at +${((o.start - t0) / 1000).toFixed(2)} s: ${trail(attempts)} ⇒ ${got} after ${Math.round(o.end - o.start)} ms`;
}

/**
 * Judges a phase's outcomes as they come. An outcome is judged once the ledger has polled the mock after it ended
 * (by then every attempt it made is in the ledger), then forgotten with its attempts: only counts, a latency
 * histogram and the first problems are kept, so a one-hour soak does not grow the harness.
 */
export class PhaseJudge {
  private readonly pending: Outcome[] = [];
  private readonly problems: string[] = [];
  private ok = 0; private a = 0; private b = 0; private bInjected = 0; private c = 0; private cDeadline = 0;
  private exempt = 0; private exemptC = 0; private abandonedOk = 0; private sent = 0;
  private attemptsSum = 0; private attemptsMax = 0;
  private readonly behaviours: Record<string, number> = {};
  private readonly terminals: Record<string, number> = {};
  private readonly latency = new Histogram();

  constructor(private readonly spec: PhaseSpec, private readonly ledger: Ledger, private readonly t0: number) {}

  add(o: Outcome): void {
    this.pending.push(o);
  }

  /** Judges every pending outcome that ended before the ledger's last complete poll began. */
  flush(): void {
    const covered = this.ledger.coveredUntil;
    let keep = 0;
    const done: string[] = [];
    for (const o of this.pending) {
      if (o.end < covered) {
        this.judge(o);
        done.push(o.id);
      } else this.pending[keep++] = o;
    }
    this.pending.length = keep;
    this.ledger.forget(done);
  }

  private flag(o: Outcome, at: readonly Attempt[], rule: string): void {
    if (this.problems.length < 200) this.problems.push(`${rule}: ${describe(o, at, this.t0)}`);
  }

  private judge(o: Outcome): void {
    const spec = this.spec;
    const at = this.ledger.attempts(o.id);
    const last = at.at(-1);
    const clean = spec.expectClean(o.start);
    this.sent++;
    if (!clean) this.exempt++;
    this.latency.add(o.end - o.start);
    this.attemptsSum += at.length;
    this.attemptsMax = Math.max(this.attemptsMax, at.length);
    for (const x of at) {
      const key = `${x.kind}${x.n === undefined ? "" : `{${x.n}}`}/${x.stream ? "s" : "j"}`;
      this.behaviours[key] = (this.behaviours[key] ?? 0) + 1;
    }
    if (at.length > spec.cap + 1) this.flag(o, at, `more than cap + 1 = ${spec.cap + 1} attempts`);
    if (new Set(at.map((x) => x.member)).size !== at.length) this.flag(o, at, "a member was tried twice");
    for (const x of at.slice(0, -1)) if (x.kind === "ok" || x.kind === "plain") this.abandonedOk++;
    const deaths = at.filter(isPostCommitDeath).length;
    if (deaths > 1 || (deaths === 1 && !isPostCommitDeath(last!))) this.flag(o, at, "another attempt after a post-commit death (failover after commit)");
    const injected = deaths > 0;
    if (injected) this.bInjected++;
    const v = o.verdict;
    switch (v.kind) {
      case "ok":
        this.ok++;
        if (last === undefined || last.member !== v.member) this.flag(o, at, "the answer's member= marker is not the member that served it");
        else if (injected) this.flag(o, at, "a stream cut after content was delivered as a success");
        else if (last.kind !== "ok" && last.kind !== "plain") this.flag(o, at, "a success served by a faulty attempt");
        break;
      case "terminal": {
        this.b++;
        const key = `${o.caller} ${v.error.split(":")[0]}`;
        this.terminals[key] = (this.terminals[key] ?? 0) + 1;
        if (!injected) this.flag(o, at, "a terminal error that no injected post-commit death explains");
        else if (last!.member !== v.member) this.flag(o, at, "the terminal error's content came from another member");
        break;
      }
      case "unavailable":
        this.c++;
        if (v.deadline) this.cDeadline++;
        if (!clean) this.exemptC++;
        else this.flag(o, at, "(c) deadline/exhaustion while a healthy member existed");
        break;
      case "broken":
        this.a++;
        this.flag(o, at, "(a) pre-commit failure");
        break;
    }
    if (injected && v.kind !== "terminal") this.flag(o, at, "an injected post-commit death did not end in the caller's terminal error");
    if (spec.outageWithinMs !== undefined) {
      if (v.kind !== "unavailable") this.flag(o, at, "outage: not the native overloaded answer");
      if (o.end - o.start > spec.outageWithinMs) this.flag(o, at, `outage: took longer than ${spec.outageWithinMs} ms`);
    }
  }

  /** The phase is over and the ledger has polled after its last request: everything is judged. */
  finish(run: PhaseRun, before: Stats, after: Stats, rss: { start: number; end: number }): PhaseReport {
    this.flush();
    if (this.pending.length > 0) throw new Error(`${this.pending.length} outcomes were never covered by a ledger poll`);
    const spec = this.spec;
    const pool = spec.pool;
    const tripsOf = (s: Stats) => Object.fromEntries(s.pool_state[pool]!.members.map((m) => [spec.memberOfLane[m.model] ?? m.model, m.trips]));
    const tripsBefore = tripsOf(before);
    const tripsAfter = tripsOf(after);
    return {
      spec,
      secs: (run.drained - run.started) / 1000,
      sent: this.sent,
      ok: this.ok, a: this.a, b: this.b, bInjected: this.bInjected, c: this.c, cDeadline: this.cDeadline,
      exempt: this.exempt, exemptC: this.exemptC, abandonedOk: this.abandonedOk,
      attemptsMean: this.sent === 0 ? 0 : this.attemptsSum / this.sent,
      attemptsMax: this.attemptsMax,
      latency: { p50: this.latency.quantile(0.5), p99: this.latency.quantile(0.99), max: this.latency.max },
      failovers: delta(after.pool_state[pool]!.failovers, before.pool_state[pool]!.failovers),
      trips: Object.fromEntries(Object.keys(tripsAfter).map((m) => [m, tripsAfter[m]! - (tripsBefore[m] ?? 0)])),
      midstream: after.pool_state[pool]!.midstream_failures - before.pool_state[pool]!.midstream_failures,
      exhausted: after.pool_state[pool]!.exhausted - before.pool_state[pool]!.exhausted,
      behaviours: this.behaviours,
      terminals: this.terminals,
      rss,
      problems: this.problems,
    };
  }
}

const ms = (n: number) => `${Math.round(n)} ms`;
const fmt = (r: Record<string, number>) => Object.entries(r).map(([k, n]) => `${k} ${n}`).join(", ") || "none";

export function render(r: PhaseReport, baseline: PhaseReport | undefined): string {
  const vs = baseline === undefined || baseline === r ? "" : ` (baseline ${ms(baseline.latency.p50)} / ${ms(baseline.latency.p99)})`;
  return [
    `── phase ${r.spec.n} ${r.spec.name}: ${r.secs.toFixed(1)} s, ${r.sent} requests sent (${(r.sent / r.secs).toFixed(0)}/s)`,
    `   ok ${r.ok} · (a) pre-commit failures ${r.a} · (b) post-commit terminal errors ${r.b} of ${r.bInjected} injected · (c) deadline/exhaustion ${r.c} (deadline ${r.cDeadline})`,
    ...(r.b === 0 ? [] : [`   (b) by caller and error: ${fmt(r.terminals)}`]),
    `   exempt (started with no healthy member, §13.3 rule) ${r.exempt}, of which (c) ${r.exemptC}`,
    `   failovers: ${fmt(r.failovers)} · trips: ${fmt(r.trips)} · midstream ${r.midstream} · exhausted ${r.exhausted}`,
    `   mock behaviours met (s = stream, j = non-stream): ${fmt(Object.fromEntries(Object.entries(r.behaviours).sort(([x], [y]) => x.localeCompare(y))))}`,
    `   attempts/request mean ${r.attemptsMean.toFixed(2)} max ${r.attemptsMax} · abandoned-ok attempts ${r.abandonedOk}`,
    `   latency p50 ${ms(r.latency.p50)} p99 ${ms(r.latency.p99)} max ${ms(r.latency.max)}${vs}`,
    `   RSS ${(r.rss.start / MiB).toFixed(1)} → ${(r.rss.end / MiB).toFixed(1)} MiB`,
    ...r.problems.slice(0, 20).map((p) => `   ! ${p}`),
    ...(r.problems.length > 20 ? [`   ! … ${r.problems.length - 20} more`] : []),
  ].join("\n");
}
