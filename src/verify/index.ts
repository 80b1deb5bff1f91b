// `busbar verify`: the fault catalogue against the operator's own pools, the built-in mock standing in for every provider.
import type { FetchFn } from "../runtime.ts";
import { loadWithoutSecrets, type VerifyLoadInput } from "./config.ts";
import { buildReport, renderText, type Report } from "./report.ts";
import { runCatalogue } from "./run.ts";

export { parseVerifyArgs, type VerifyCommand, DEFAULT_HANG_AFTER_SECS } from "./args.ts";
export { CATALOGUE, FAULT_IDS, type FaultId } from "./catalogue.ts";
export type { Report, PoolReport, CaseReport } from "./report.ts";

export interface VerifyInput extends VerifyLoadInput {
  /** Pools to run, in this order; empty = all, in config order. */
  readonly pools: readonly string[];
  readonly hangAfterMs: number;
  readonly json: boolean;
  readonly concurrency?: number;
  /** The gateway's upstream fetch, for tests that watch what leaves it. */
  readonly fetch?: FetchFn;
}

export interface VerifyOutcome {
  readonly exitCode: number;
  /** The report (stdout). */
  readonly out: string;
  /** Config problems and warnings (stderr). */
  readonly err: string;
  readonly report?: Report;
}

export async function runVerify(input: VerifyInput): Promise<VerifyOutcome> {
  const loaded = loadWithoutSecrets(input);
  const warnings = loaded.warnings.map((w) => `warning: ${w}\n`).join("");
  if (!loaded.ok) {
    const n = loaded.errors.length;
    return { exitCode: 1, out: "", err: `${warnings}config invalid (${n} error${n === 1 ? "" : "s"}):\n${loaded.errors.map((e) => `${e}\n`).join("")}` };
  }
  const all = Object.keys(loaded.config.pools);
  const unknown = input.pools.filter((p) => !all.includes(p));
  if (unknown.length > 0) {
    return { exitCode: 1, out: "", err: `${warnings}verify: no pool ${unknown.map((p) => JSON.stringify(p)).join(", ")} in the config (pools: ${all.join(", ") || "none"})\n` };
  }
  const pools = input.pools.length > 0 ? input.pools : all;
  if (pools.length === 0) return { exitCode: 1, out: "", err: `${warnings}verify: the config has no pools, so there is nothing to verify\n` };

  const run = await runCatalogue({
    config: loaded.config, pools, hangAfterMs: input.hangAfterMs,
    ...(input.concurrency !== undefined && { concurrency: input.concurrency }),
    ...(input.fetch !== undefined && { fetch: input.fetch }),
  });
  const report = buildReport(loaded.config, run, input.hangAfterMs);
  const out = input.json ? `${JSON.stringify(report, null, 2)}\n` : renderText(report);
  return { exitCode: report.ok ? 0 : 1, out, err: warnings, report };
}
