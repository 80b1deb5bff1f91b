// The budget, each line pass / fail / n/a from one run's numbers. Reported, never asserted in tests.
import type { Scenario } from "./gateways/types.ts";
import type { Measure } from "./loadgen.ts";
import { delta, type Percentiles } from "./stats.ts";

export type Verdict = "pass" | "fail" | "n/a";

export interface BudgetLine {
  readonly line: string;
  readonly measured: string;
  readonly limit: string;
  readonly verdict: Verdict;
}

export interface CpuRow {
  readonly gateway: string;
  readonly scenario: Scenario;
  readonly notServed?: string;
  readonly cpu_us_per_req: number | null;
}

export interface AddedLatency {
  readonly gateway: string;
  readonly measure: Measure;
  readonly direct: Percentiles;
  readonly via?: Percentiles;
  readonly notServed?: string;
}

export interface MemoryFacts {
  readonly busbarIdleKib: number | null;
  /** Busbar's soak: seconds until back within 64 MiB of idle (null: not within the window), window length. */
  readonly soak?: { readonly returnedAfterS: number | null; readonly windowS: number; readonly endKib: number | null; readonly idleKib: number | null };
}

export interface BudgetInput {
  readonly cpu: readonly CpuRow[];
  readonly added: readonly AddedLatency[];
  readonly memory: MemoryFacts;
}

const FLOOR = "bun-floor";
const r2 = (x: number) => (Math.round(x * 100) / 100).toFixed(2);

function cpuOf(rows: readonly CpuRow[], gateway: string, s: Scenario): { value: number } | { why: string } {
  const row = rows.find((r) => r.gateway === gateway && r.scenario === s);
  if (row === undefined) return { why: `${gateway} ${s}: not run` };
  if (row.notServed !== undefined) return { why: `${gateway} ${s}: not served (${row.notServed})` };
  if (row.cpu_us_per_req === null || row.cpu_us_per_req <= 0) return { why: `${gateway} ${s}: no CPU measurement` };
  return { value: row.cpu_us_per_req };
}

function ratioLine(line: string, limit: string, num: ReturnType<typeof cpuOf>, den: ReturnType<typeof cpuOf>, ok: (ratio: number) => boolean, fmt: (n: number, d: number) => string): BudgetLine {
  if ("why" in num) return { line, measured: num.why, limit, verdict: "n/a" };
  if ("why" in den) return { line, measured: den.why, limit, verdict: "n/a" };
  const ratio = num.value / den.value;
  return { line, measured: fmt(num.value, den.value), limit, verdict: ok(ratio) ? "pass" : "fail" };
}

function addedLine(input: readonly AddedLatency[], measure: Measure, key: "p50" | "p99", factor: number): BudgetLine {
  const label = measure === "ttft" ? "streaming TTFT" : "full response";
  const line = `Added ${key} at c=1, delay 0, ${label}: busbar ≤ ${factor}× the Bun floor's`;
  const limit = `≤ ${factor}×`;
  const find = (g: string) => input.find((a) => a.gateway === g && a.measure === measure);
  const bb = find("busbar");
  const fl = find(FLOOR);
  for (const [g, a] of [["busbar", bb], [FLOOR, fl]] as const) {
    if (a === undefined) return { line, measured: `${g}: not run`, limit, verdict: "n/a" };
    if (a.notServed !== undefined || a.via === undefined) return { line, measured: `${g}: not served (${a.notServed ?? "no samples"})`, limit, verdict: "n/a" };
  }
  const dBb = bb?.via === undefined ? undefined : delta(bb.direct, bb.via)[key];
  const dFl = fl?.via === undefined ? undefined : delta(fl.direct, fl.via)[key];
  if (dBb === undefined || dFl === undefined) return { line, measured: "too few samples", limit, verdict: "n/a" };
  const us = (ns: number) => `${Math.round(ns / 1e3)} µs`;
  if (dFl <= 0) return { line, measured: `busbar ${us(dBb)}, floor ${us(dFl)} (floor's added latency not positive: noise)`, limit, verdict: "n/a" };
  return { line, measured: `busbar ${us(dBb)} vs floor ${us(dFl)} = ${r2(dBb / dFl)}×`, limit, verdict: dBb <= factor * dFl ? "pass" : "fail" };
}

export function evaluateBudget(input: BudgetInput): BudgetLine[] {
  const out: BudgetLine[] = [];
  const vs = (n: number, d: number) => `${n} vs ${d} µs/req = ${r2(n / d)}×`;
  for (const s of ["openai", "anthropic"] as const) {
    out.push(ratioLine(`Same-protocol non-streaming (${s}) CPU/request ≤ 1.25× the Bun floor's`, "≤ 1.25×", cpuOf(input.cpu, "busbar", s), cpuOf(input.cpu, FLOOR, s), (r) => r <= 1.25, vs));
  }
  out.push(ratioLine("Same-protocol non-streaming CPU/request ≥ 25× less than Portkey's", "≥ 25×", cpuOf(input.cpu, "portkey", "openai"), cpuOf(input.cpu, "busbar", "openai"), (r) => r >= 25,
    (n, d) => `Portkey ${n} vs busbar ${d} µs/req = ${r2(n / d)}× less`));
  out.push(ratioLine("Cross-protocol (OpenAI caller → Anthropic lane) CPU/request ≤ 1.6× the Bun floor's", "≤ 1.6×", cpuOf(input.cpu, "busbar", "cross"), cpuOf(input.cpu, FLOOR, "openai"), (r) => r <= 1.6, vs));
  out.push(addedLine(input.added, "full", "p50", 1.5));
  out.push(addedLine(input.added, "full", "p99", 2));
  out.push(addedLine(input.added, "ttft", "p50", 1.5));
  out.push(addedLine(input.added, "ttft", "p99", 2));

  const idle = input.memory.busbarIdleKib;
  out.push(idle === null
    ? { line: "Idle RSS ≤ 60 MiB", measured: "not measured", limit: "≤ 60 MiB", verdict: "n/a" }
    : { line: "Idle RSS ≤ 60 MiB", measured: `${(idle / 1024).toFixed(1)} MiB`, limit: "≤ 60 MiB", verdict: idle <= 60 * 1024 ? "pass" : "fail" });

  const soak = input.memory.soak;
  const soakLine = "After the soak, RSS within 64 MiB of idle within 60 s";
  if (soak === undefined || soak.idleKib === null) {
    out.push({ line: soakLine, measured: "soak not run", limit: "≤ idle + 64 MiB by 60 s", verdict: "n/a" });
  } else if (soak.returnedAfterS !== null) {
    out.push({ line: soakLine, measured: `back after ${soak.returnedAfterS} s`, limit: "≤ idle + 64 MiB by 60 s", verdict: soak.returnedAfterS <= 60 ? "pass" : "fail" });
  } else {
    const end = soak.endKib === null ? "?" : `${(soak.endKib / 1024).toFixed(1)} MiB`;
    // A window shorter than 60 s (smoke) cannot prove a fail.
    out.push({ line: soakLine, measured: `not back within the ${soak.windowS} s window (end ${end}, idle ${(soak.idleKib / 1024).toFixed(1)} MiB)`, limit: "≤ idle + 64 MiB by 60 s", verdict: soak.windowS >= 60 ? "fail" : "n/a" });
  }
  return out;
}
