// summary.md: the seed's two tables per delay, then the side-by-side, throughput, memory and budget tables.
import type { BudgetLine } from "./budget.ts";
import type { Measure } from "./loadgen.ts";
import type { RunInfo } from "./machine.ts";
import type { Settings } from "./settings.ts";
import type { SoakResult } from "./stages/memory.ts";
import type { RowSummary } from "./stages/throughput.ts";
import { cell, deltaCell, fmtCount, fmtUs, PERCENTILE_KEYS, seedTable, type Percentiles } from "./stats.ts";

export interface SeedResult {
  readonly delayMs: number;
  readonly measure: Measure;
  readonly conc: number;
  readonly direct: Percentiles;
  readonly via: Percentiles;
  readonly errors: { readonly direct: number; readonly via: number };
  /** busbar's own Server-Timing percentiles, or why there are none. */
  readonly serverTiming: Percentiles | { readonly na: string };
}

export interface SideBySide {
  readonly gateway: string;
  readonly measure: Measure;
  readonly direct: Percentiles;
  readonly via?: Percentiles;
  readonly notServed?: string;
  readonly errors: number;
}

export interface GatewayStatus {
  readonly name: string;
  readonly describe: string;
  readonly served: boolean;
  readonly reason?: string;
  readonly version?: string;
}

export interface MemoryRow {
  readonly gateway: string;
  readonly idle_kib: number | null;
  readonly peak_kib: number | null;
  readonly post_kib: number | null;
}

export interface ReportInput {
  readonly run: RunInfo;
  readonly settings: Settings;
  readonly upstreamName: string;
  readonly gateways: readonly GatewayStatus[];
  readonly seed: readonly SeedResult[];
  readonly sideBySide: readonly SideBySide[];
  readonly rows: readonly RowSummary[];
  readonly memory: readonly MemoryRow[];
  readonly soaks: readonly (SoakResult | { readonly gateway: string; readonly notServed: string })[];
  readonly budget: readonly BudgetLine[];
  readonly wallSecs: number;
  readonly resultsDir: string;
}

const mib = (kib: number | null | undefined) => (kib === null || kib === undefined ? "–" : (kib / 1024).toFixed(1));
const esc = (s: string) => s.replace(/\|/g, "\\|").replace(/\n/g, " ");

function runSection(r: ReportInput): string[] {
  const i = r.run;
  const s = r.settings;
  return [
    "## Run",
    "",
    "| | |",
    "|---|---|",
    `| busbar | ${i.busbar_version} · repository at ${i.busbar_commit} · ${i.busbar_target} · run from ${i.busbar_run_from} |`,
    `| Bun | ${i.bun} |`,
    `| OS | ${i.os} (kernel ${i.kernel}) |`,
    `| CPU | ${i.cpu_model} × ${i.cores} cores, ${i.memory_gib} GiB |`,
    `| Pinning | ${i.pinning.note} |`,
    `| Load average at start | ${i.load_avg_at_start.join(" ")} |`,
    `| Mode | \`${s.mode}\`: REQS=${s.reqs} CONC=${s.conc} WARMUP=${s.warmup} DELAYS="${s.delays.join(" ")}" PROTO=${s.proto}; LAT1_REQS=${s.lat1Reqs}; STEP_SECS=${s.stepSecs} LADDER="${s.ladder.join(" ")}"; IDLE_SECS=${s.idleSecs} POST_SECS=${s.postSecs}; SOAK ${s.soakSecs} s × c=${s.soakConc} × ${s.soakBytes} B |`,
    `| Wall time | ${r.wallSecs.toFixed(1)} s |`,
    `| Started | ${i.started_at} |`,
    "",
  ];
}

function gatewaySection(r: ReportInput): string[] {
  const out = ["## Paths", "", "| Path | Served | Version | What it is / why not |", "|---|---|---|---|"];
  for (const g of r.gateways) {
    out.push(`| ${g.name} | ${g.served ? "yes" : "served:false"} | ${esc(g.version ?? "–")} | ${esc(g.served ? g.describe : (g.reason ?? "unknown"))} |`);
  }
  out.push("");
  return out;
}

function seedSection(r: ReportInput): string[] {
  const out = ["## Latency: without and with busbar", ""];
  const dialect = r.settings.proto === "anthropic" ? "Anthropic Messages" : "OpenAI Chat";
  for (const delay of r.settings.delays) {
    const mine = r.seed.filter((x) => x.delayMs === delay);
    if (mine.length === 0) continue;
    const where = r.settings.mode === "real" ? `against ${r.upstreamName}` : `upstream delay ${delay} ms`;
    out.push(`### ${where[0]?.toUpperCase()}${where.slice(1)} (${dialect} ingress, concurrency ${mine[0]?.conc ?? "?"})`, "");
    for (const measure of ["full", "ttft"] as const) {
      const x = mine.find((m) => m.measure === measure);
      if (x === undefined) continue;
      const title = measure === "full" ? "Full response (non-streaming) — latency, ms" : "Streaming TTFT — latency, ms";
      const errs = x.errors.direct + x.errors.via > 0 ? `; errors: without ${x.errors.direct}, with ${x.errors.via}` : "";
      const delayNote = r.settings.mode === "real" ? "" : `, upstream delay ${delay} ms`;
      out.push(seedTable({ title, upstream: r.upstreamName, direct: x.direct, via: x.via, note: `concurrency ${x.conc}${delayNote}, warm-up ${r.settings.warmup} per path discarded${errs}` }), "");
      const st = x.serverTiming;
      if ("na" in st) {
        out.push(`busbar's own Server-Timing: n/a (${st.na}).`, "");
      } else {
        const cells = PERCENTILE_KEYS.map((k) => `${k === "p999" ? "p99.9" : k} ${cell(st, k)}`).join(", ");
        const ext = PERCENTILE_KEYS.map((k) => `${k === "p999" ? "p99.9" : k} ${deltaCell(x.direct, x.via, k)}`).join(", ");
        out.push(`busbar's own Server-Timing (\`busbar;dur\`, ms, N = ${fmtCount(st.n)}): ${cells} — next to the external delta: ${ext}.`, "");
      }
    }
  }
  return out;
}

function sideBySideSection(r: ReportInput): string[] {
  if (r.sideBySide.length === 0) return [];
  const out = [
    "## Added latency side by side (concurrency 1, upstream delay 0, OpenAI chat)",
    "",
    "Each path minus direct, per percentile, in µs; the direct row is absolute. Order alternated (direct, paths…, paths… reversed, direct).",
    "",
    "| Path | full p50 | full p99 | full p99.9 | TTFT p50 | TTFT p99 | TTFT p99.9 | N (full / TTFT) |",
    "|---|---|---|---|---|---|---|---|",
  ];
  const names = [...new Set(r.sideBySide.map((x) => x.gateway))];
  const direct = (m: Measure) => r.sideBySide.find((x) => x.measure === m)?.direct;
  const dFull = direct("full");
  const dTtft = direct("ttft");
  const absCells = (p: Percentiles | undefined) => PERCENTILE_KEYS.map((k) => (p === undefined ? "–" : cell(p, k, fmtUs)));
  out.push(`| direct (absolute) | ${[...absCells(dFull), ...absCells(dTtft)].join(" | ")} | ${fmtCount(dFull?.n ?? 0)} / ${fmtCount(dTtft?.n ?? 0)} |`);
  for (const g of names) {
    const cells: string[] = [];
    const ns: string[] = [];
    for (const m of ["full", "ttft"] as const) {
      const x = r.sideBySide.find((y) => y.gateway === g && y.measure === m);
      if (x === undefined || x.via === undefined) {
        const why = x?.notServed ?? "not run";
        cells.push(`not served: ${esc(why)}`, "", "");
        ns.push("0");
      } else {
        const via = x.via;
        cells.push(...PERCENTILE_KEYS.map((k) => deltaCell(x.direct, via, k, fmtUs)));
        ns.push(`${fmtCount(via.n)}${x.errors > 0 ? ` (${x.errors} err)` : ""}`);
      }
    }
    out.push(`| ${g} | ${cells.join(" | ")} | ${ns.join(" / ")} |`);
  }
  out.push("");
  return out;
}

const ROW_LABEL: Record<string, string> = {
  openai: "OpenAI chat (same protocol)",
  anthropic: "Anthropic (same protocol)",
  cross: "OpenAI → Anthropic (cross-protocol)",
  stream: "OpenAI chat streaming",
};

function throughputSection(r: ReportInput): string[] {
  if (r.rows.length === 0) return [];
  const ladder = r.settings.ladder;
  const pin = r.run.pinning.gateway === undefined ? "not pinned" : `each gateway pinned to cpu ${r.run.pinning.gateway}`;
  const out = [
    `## Throughput (${pin}; ${r.settings.stepSecs} s per step; unique ~1 KiB bodies)`,
    "",
    "req/s per concurrency step (errors in brackets). Ceiling = highest zero-error step. CPU = the path's process CPU (user + system, all threads and children) over all its steps ÷ requests; for `direct` it is the mock upstream's own cost.",
    "",
    `| Path | Row | ${ladder.map((c) => `c=${c}`).join(" | ")} | ceiling req/s | CPU µs/req |`,
    `|---|---|${ladder.map(() => "---").join("|")}|---|---|`,
  ];
  for (const row of r.rows) {
    const label = ROW_LABEL[row.scenario] ?? row.scenario;
    if (row.notServed !== undefined) {
      const blanks = ladder.slice(1).map(() => "");
      out.push(`| ${row.gateway} | ${label} | ${[`not served: ${esc(row.notServed)}`, ...blanks, "–", "–"].join(" | ")} |`);
      continue;
    }
    const cells = ladder.map((c) => {
      const s = row.steps.find((x) => x.conc === c);
      return s === undefined ? "–" : `${fmtCount(s.rps)}${s.errors > 0 ? ` (${s.errors} err)` : ""}`;
    });
    const ceiling = row.ceiling_rps === null ? "errors at every step" : `${fmtCount(row.ceiling_rps)} @c=${row.ceiling_conc}`;
    out.push(`| ${row.gateway} | ${label} | ${cells.join(" | ")} | ${ceiling} | ${row.cpu_us_per_req ?? "–"} |`);
  }
  out.push("");
  return out;
}

function memorySection(r: ReportInput): string[] {
  if (r.memory.length === 0) return [];
  const out = [
    "## Memory (VmRSS of the process tree, sampled every 250 ms)",
    "",
    `| Path | idle after boot, MiB (median of ${r.settings.idleSecs} s) | peak under load, MiB | ${r.settings.postSecs} s after load, MiB |`,
    "|---|---|---|---|",
  ];
  for (const m of r.memory) out.push(`| ${m.gateway} | ${mib(m.idle_kib)} | ${mib(m.peak_kib)} | ${mib(m.post_kib)} |`);
  out.push("");
  if (r.soaks.length > 0) {
    out.push(
      `### Large-payload soak (${r.settings.soakBytes} B bodies, concurrency ${r.settings.soakConc}, ${r.settings.soakSecs} s, OpenAI chat)`,
      "",
      "| Path | req/s | errors | idle MiB | peak MiB | back within 64 MiB of idle after | RSS at end, MiB |",
      "|---|---|---|---|---|---|---|",
    );
    for (const s of r.soaks) {
      if ("notServed" in s) {
        out.push(`| ${s.gateway} | not served: ${esc(s.notServed)} | | | | | |`);
        continue;
      }
      const back = s.returned_after_s === null ? `not within ${s.post_window_s} s` : `${s.returned_after_s} s`;
      out.push(`| ${s.gateway} | ${fmtCount(s.rps)} | ${s.errors} | ${mib(s.idle_kib)} | ${mib(s.peak_kib)} | ${back} | ${mib(s.end_kib)} |`);
    }
    out.push("");
  }
  return out;
}

function budgetSection(r: ReportInput): string[] {
  if (r.budget.length === 0) return [];
  const out = ["## Budget (from this run; noisy on a shared machine)", "", "| Line | Measured | Limit | Verdict |", "|---|---|---|---|"];
  for (const b of r.budget) out.push(`| ${esc(b.line)} | ${esc(b.measured)} | ${esc(b.limit)} | ${b.verdict === "pass" ? "pass" : b.verdict === "fail" ? "**fail**" : "n/a"} |`);
  out.push("");
  return out;
}

export function renderSummary(r: ReportInput): string {
  const lines = [
    `# busbar benchmark — \`${r.settings.mode}\` — ${r.run.started_at}`,
    "",
    `Results: \`${r.resultsDir}\` (results.jsonl, logs/). Latency percentiles are nearest-rank over every post-warm-up request; p99.9 needs N ≥ 10 000.`,
    "",
    ...runSection(r),
    ...gatewaySection(r),
    ...seedSection(r),
    ...sideBySideSection(r),
    ...throughputSection(r),
    ...memorySection(r),
    ...budgetSection(r),
  ];
  return `${lines.join("\n")}\n`;
}
