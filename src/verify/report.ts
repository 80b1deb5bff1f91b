// The run's results as a readable table per pool, or as JSON for machines.
import type { GatewayConfig } from "../config/model.ts";
import { assertNever } from "../ir/protocol.ts";
import { FAILING, VERDICTS, type Verdict } from "./client.ts";
import { secs, took } from "./format.ts";
import { caseNote, poolHints, SLOW_CASE_MS } from "./hints.ts";
import type { CaseResult, PoolPlan, RunOutput } from "./run.ts";

export interface PoolReport {
  readonly pool: string;
  readonly primary: string;
  readonly protocol: string;
  readonly members: readonly string[];
  /** Every model a request can reach: the members, then those of the fallback pools. */
  readonly reach: readonly string[];
  readonly hints: readonly string[];
  readonly cases: readonly CaseReport[];
}

export interface CaseReport {
  readonly fault: string;
  readonly label: string;
  readonly stream: boolean;
  readonly requests: number;
  /** The worst verdict over the case's requests (hang > truncated > unreadable > error > answer). */
  readonly client_sees: Verdict;
  readonly verdicts: Readonly<Partial<Record<Verdict, number>>>;
  readonly detail: string;
  readonly answered_by: Readonly<Record<string, number>>;
  readonly attempts: Readonly<Record<string, number>>;
  readonly time_ms: number;
  readonly note?: string;
}

export interface Report {
  readonly ok: boolean;
  readonly hang_after_ms: number;
  readonly elapsed_ms: number;
  readonly pools: readonly PoolReport[];
  readonly summary: { readonly cases: number } & Readonly<Record<Verdict, number>>;
}

const SEVERITY: readonly Verdict[] = ["hang", "truncated", "unreadable", "error", "answer"];

function caseReport(config: GatewayConfig, plan: PoolPlan, r: CaseResult, hangAfterMs: number): CaseReport {
  const verdicts: Partial<Record<Verdict, number>> = {};
  const answeredBy: Record<string, number> = {};
  for (const o of r.outcomes) {
    verdicts[o.verdict] = (verdicts[o.verdict] ?? 0) + 1;
    if (o.verdict === "answer") answeredBy[o.answeredBy ?? "?"] = (answeredBy[o.answeredBy ?? "?"] ?? 0) + 1;
  }
  const worst = SEVERITY.find((v) => verdicts[v] !== undefined) ?? "answer";
  const note = caseNote(config, plan, r, hangAfterMs);
  return {
    fault: r.fault,
    label: r.label,
    stream: r.stream,
    requests: r.outcomes.length,
    client_sees: worst,
    verdicts,
    detail: r.outcomes.find((o) => o.verdict === worst)?.detail ?? "",
    answered_by: answeredBy,
    attempts: r.attempts,
    time_ms: Math.round(r.ms),
    ...(note !== undefined && { note }),
  };
}

export function buildReport(config: GatewayConfig, run: RunOutput, hangAfterMs: number): Report {
  const pools = run.plans.map((plan): PoolReport => ({
    pool: plan.pool,
    primary: plan.primary,
    protocol: plan.protocol,
    members: plan.members,
    reach: plan.reach,
    hints: poolHints(config, plan),
    cases: run.cases.filter((c) => c.pool === plan.pool).map((c) => caseReport(config, plan, c, hangAfterMs)),
  }));
  const summary = { cases: 0, answer: 0, error: 0, hang: 0, truncated: 0, unreadable: 0 };
  for (const p of pools) for (const c of p.cases) {
    summary.cases++;
    summary[c.client_sees]++;
  }
  const ok = pools.every((p) => p.cases.every((c) => !FAILING.has(c.client_sees)));
  return { ok, hang_after_ms: hangAfterMs, elapsed_ms: Math.round(run.ms), pools, summary };
}

const tally = (m: Readonly<Record<string, number>>) => Object.entries(m).map(([k, n]) => `${k} ${n}`).join(", ");
const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

const WORDS: Readonly<Record<Verdict, [string, string]>> = {
  answer: ["answer", "answers"],
  error: ["clean error", "clean errors"],
  hang: ["HANG", "HANGS"],
  truncated: ["TRUNCATED", "TRUNCATED"],
  unreadable: ["UNREADABLE", "UNREADABLE"],
};

function clientSees(c: CaseReport): string {
  if (c.requests === 1) {
    switch (c.client_sees) {
      case "answer": return `answer from ${Object.keys(c.answered_by)[0] ?? "?"}`;
      case "error": return `error: ${c.detail}`;
      case "hang": case "truncated": case "unreadable": return `${WORDS[c.client_sees][0]}: ${c.detail}`;
      default: return assertNever(c.client_sees, "verdict");
    }
  }
  const parts = VERDICTS.filter((v) => c.verdicts[v] !== undefined).map((v) => {
    const n = c.verdicts[v]!;
    const word = `${n} ${WORDS[v][n === 1 ? 0 : 1]}`;
    return v === "answer" ? `${word} (${tally(c.answered_by)})` : `${word} (${c.detail})`;
  });
  return parts.join(", ");
}

function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join("  ").trimEnd());
}

export function renderText(report: Report): string {
  const lines: string[] = [];
  const nPools = report.pools.length;
  lines.push(`busbar verify: ${plural(nPools, "pool")}, each primary faulted in turn behind the built-in mock (hang bound ${secs(report.hang_after_ms)})`);
  for (const p of report.pools) {
    const fallback = p.reach.filter((m) => !p.members.includes(m));
    lines.push("", `pool ${p.pool}: client speaks ${p.protocol}; primary ${p.primary}; members ${p.members.join(", ")}${fallback.length > 0 ? `; fallback pools add ${fallback.join(", ")}` : ""}`);
    const notes: string[] = [];
    const rows: string[][] = [["fault", "client sees", "attempts", "time"]];
    for (const c of p.cases) {
      let mark = "";
      if (c.note !== undefined) {
        let at = notes.indexOf(c.note);
        if (at < 0) at = notes.push(c.note) - 1;
        mark = ` [${at + 1}]`;
      }
      rows.push([c.label, clientSees(c), tally(c.attempts) || "none", `${took(c.time_ms)}${mark}`]);
    }
    lines.push(...table(rows).map((l) => `  ${l}`));
    for (const [i, n] of notes.entries()) lines.push(`  [${i + 1}] ${n}`);
    for (const h of p.hints) lines.push(`  note: ${h}`);
  }
  const s = report.summary;
  const failed = report.pools.flatMap((p) => p.cases.filter((c) => FAILING.has(c.client_sees)).map((c) => `${p.pool}: ${c.label}`));
  const counts = `${plural(s.answer, "answer")}, ${plural(s.error, "clean error")}, ${plural(s.hang, "hang")}, ${s.truncated} truncated, ${s.unreadable} unreadable`;
  const slowest = report.pools.flatMap((p) => p.cases.map((c) => ({ p, c }))).sort((a, b) => b.c.time_ms - a.c.time_ms)[0];
  lines.push("");
  if (slowest !== undefined && slowest.c.time_ms >= SLOW_CASE_MS) {
    lines.push(`slowest: ${slowest.p.pool}: ${slowest.c.label}, ${took(slowest.c.time_ms)}${slowest.c.note === undefined ? "" : ` (${slowest.c.note})`}`);
  }
  lines.push(`summary: ${plural(s.cases, "case")} in ${took(report.elapsed_ms)}: ${counts}. ${report.ok
    ? "OK: no pool shows a client a hang or a truncated success."
    : `FAIL: ${plural(failed.length, "case")} would show a client a hang or a truncated success (${failed.join("; ")}).`}`);
  return `${lines.join("\n")}\n`;
}
