#!/usr/bin/env bun
// The benchmark harness (platform.md §7): `bun bench/run.ts [mock|smoke|real] [--binary]`.
// Loopback only (real mode excepted), every stage bounded; writes bench/results/<timestamp>/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, relative, resolve } from "node:path";
import { planPinning, runInfo, type Pinning } from "./machine.ts";
import { Recorder } from "./record.ts";
import { settingsFrom, type Mode } from "./settings.ts";
import { BINARY_PATH } from "./gateways/busbar.ts";
import { runBounded, stopAll, which } from "./spawn.ts";
import { runMockStages, runRealStages, type Aborted } from "./stages/pipeline.ts";

const USAGE = `usage: bun bench/run.ts [mock|smoke|real] [--binary]

  mock   (default) busbar, the Bun floor, nginx and Portkey against the built-in mock upstream:
         latency tables (delays 0 and 200 ms), side by side at c=1, throughput ladder, memory, soak.
  smoke  every stage with tiny counts (< 60 s); installs nothing; exits non-zero only if the harness breaks.
  real   the seed's latency tables against a real provider (PROVIDER=anthropic|openai, key from
         ANTHROPIC_API_KEY / OPENAI_API_KEY; spends tokens).
  --binary  run dist/busbar-linux-x64 instead of bun src/main.ts.

Environment (defaults per mode, see bench/README.md): REQS CONC WARMUP DELAYS PROTO LAT1_REQS STEP_SECS
LADDER IDLE_SECS POST_SECS SOAK_SECS SOAK_CONC SOAK_BYTES SOAK_POST_SECS SOAK_GATEWAYS GATEWAYS GW_CORES NO_INSTALL`;

const REPO_ROOT = resolve(import.meta.dir, "..");
/** Bun's fetch keeps at most 256 requests in flight unless told otherwise; the soak needs 1 500. */
const MAX_HTTP_REQUESTS = "65000";

interface Args {
  readonly mode: Mode;
  readonly binary: boolean;
}

function parseArgs(argv: readonly string[]): Args | { error: string } | "help" {
  let mode: Mode = "mock";
  let binary = false;
  for (const a of argv) {
    if (a === "--help" || a === "-h") return "help";
    if (a === "--binary") binary = true;
    else if (a === "mock" || a === "smoke" || a === "real") mode = a;
    else return { error: `unknown argument: ${a}` };
  }
  return { mode, binary };
}

/**
 * The parent re-runs itself pinned to the load generator's cores, with Bun's fetch limit raised, and
 * passes its exit code through. Pinning the whole process at exec pins every thread Bun starts.
 */
async function respawnPinned(argv: readonly string[]): Promise<number> {
  const gwCores = process.env.GW_CORES === undefined ? undefined : Number(process.env.GW_CORES);
  const pinning = planPinning(os.cpus().length, which("taskset") !== undefined, process.platform, gwCores);
  const prefix = pinning.loadgen === undefined ? [] : ["taskset", "-c", pinning.loadgen];
  const child = Bun.spawn([...prefix, process.execPath, join(import.meta.dir, "run.ts"), ...argv], {
    stdio: ["inherit", "inherit", "inherit"],
    env: { ...process.env, BENCH_CHILD: "1", BENCH_PINNING: JSON.stringify(pinning), BUN_CONFIG_MAX_HTTP_REQUESTS: MAX_HTTP_REQUESTS },
  });
  // The terminal's Ctrl-C reaches the child too (same process group); the parent just waits for it.
  const ignore = () => {};
  process.on("SIGINT", ignore);
  process.on("SIGTERM", () => child.kill("SIGTERM"));
  return child.exited;
}

function timestamp(): string {
  return new Date().toISOString().replace(/[:.]/g, "-").replace(/-\d{3}Z$/, "Z");
}

async function runChild(args: Args): Promise<number> {
  const started = performance.now();
  const settings = settingsFrom(args.mode, process.env, args.binary);
  const pinning: Pinning = JSON.parse(process.env.BENCH_PINNING ?? '{"note":"no pinning"}');
  const resultsDir = join(REPO_ROOT, "bench", "results", `${timestamp()}${args.mode === "mock" ? "" : `-${args.mode}`}`);
  const logDir = join(resultsDir, "logs");
  mkdirSync(logDir, { recursive: true });
  const tmpDir = mkdtempSync(join(os.tmpdir(), "busbar-bench-"));
  const shownDir = relative(process.cwd(), resultsDir) || resultsDir;
  const harnessLog = join(logDir, "harness.log");
  const log = (line: string) => {
    const stamped = `[${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${line}`;
    console.error(stamped);
    writeFileSync(harnessLog, `${stamped}\n`, { flag: "a" });
  };
  const versionRun = args.binary ? await runBounded([join(REPO_ROOT, BINARY_PATH), "--version"], 10_000) : undefined;
  const binaryVersion = versionRun === undefined ? undefined : versionRun.code === 0 ? versionRun.out.trim() : `${BINARY_PATH} unavailable`;
  const info = await runInfo(REPO_ROOT, pinning, binaryVersion);
  const recorder = new Recorder(join(resultsDir, "results.jsonl"), info, args.mode);
  recorder.write("run", { run: info, settings });
  log(`bench ${args.mode}: results → ${shownDir}; ${pinning.note}`);

  const onSignal = () => {
    log("interrupted: stopping every process the harness started");
    void stopAll().then(() => process.exit(130));
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);

  const env = { repoRoot: REPO_ROOT, resultsDir, shownDir, logDir, tmpDir, settings, pinning, info, recorder, log, started };
  let result: { summary: string } | Aborted;
  try {
    result = args.mode === "real" ? await runRealStages(env) : await runMockStages(env);
  } finally {
    await stopAll();
    rmSync(tmpDir, { recursive: true, force: true });
  }
  if ("aborted" in result) {
    const text = `# busbar benchmark — \`${args.mode}\` — ABORTED\n\n${result.aborted}\n\nNo numbers were taken.\n`;
    writeFileSync(join(resultsDir, "summary.md"), text);
    recorder.write("aborted", { reason: result.aborted });
    log(`ABORTED: ${result.aborted}`);
    return 1;
  }
  writeFileSync(join(resultsDir, "summary.md"), result.summary);
  process.stdout.write(result.summary);
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s → ${shownDir}/summary.md`);
  return 0;
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args === "help") {
    console.log(USAGE);
    return 0;
  }
  if ("error" in args) {
    console.error(`${args.error}\n\n${USAGE}`);
    return 2;
  }
  if (process.env.BENCH_CHILD !== "1") return respawnPinned(argv);
  return runChild(args);
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    async (e: unknown) => {
      console.error(`bench: harness failure: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      await stopAll();
      process.exit(1);
    },
  );
}
