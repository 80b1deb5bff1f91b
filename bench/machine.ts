// What a result was measured on: busbar's version and commit, Bun, OS, CPU, cores, pinning (platform.md §7.1).
import { readFileSync } from "node:fs";
import os from "node:os";
import { buildInfo } from "../src/build-info.ts";
import { runBounded } from "./spawn.ts";

export interface Pinning {
  /** `taskset -c` list for the gateway under test, e.g. `1`; undefined when not pinned. */
  readonly gateway?: string;
  /** The load generator's and the mocks' cores, e.g. `0`. */
  readonly loadgen?: string;
  /** Why there is no pinning, when there is none. */
  readonly note: string;
}

export interface RunInfo {
  readonly busbar_version: string;
  readonly busbar_commit: string;
  readonly busbar_target: string;
  readonly busbar_run_from: "source" | "binary";
  readonly bun: string;
  readonly os: string;
  readonly kernel: string;
  readonly cpu_model: string;
  readonly cores: number;
  readonly memory_gib: number;
  readonly pinning: Pinning;
  readonly load_avg_at_start: readonly number[];
  readonly started_at: string;
}

/** `taskset` splits the cores: the upper half for the gateway, the rest for load generator and mocks. */
export function planPinning(cores: number, hasTaskset: boolean, platform: string, gatewayCores = Math.floor(cores / 2)): Pinning {
  if (platform !== "linux") return { note: `no pinning: taskset is Linux-only (platform ${platform})` };
  if (!hasTaskset) return { note: "no pinning: taskset not found (apt-get install util-linux)" };
  if (cores < 2) return { note: `no pinning: ${cores} core` };
  const half = Math.min(cores - 1, Math.max(1, Math.floor(gatewayCores)));
  const gw = half === 1 ? `${cores - 1}` : `${cores - half}-${cores - 1}`;
  const lg = cores - half === 1 ? "0" : `0-${cores - half - 1}`;
  return { gateway: gw, loadgen: lg, note: `gateway on cpu ${gw}; load generator and mock upstreams on cpu ${lg}` };
}

function osName(): string {
  try {
    const m = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync("/etc/os-release", "utf8"));
    if (m?.[1] !== undefined) return m[1];
  } catch {
    // not Linux, or no os-release
  }
  return `${os.type()} ${os.release()}`;
}

function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m?.[1] !== undefined) return m[1].trim();
  } catch {
    // fall back to what Node reports
  }
  return os.cpus()[0]?.model ?? "unknown";
}

/** `git rev-parse --short HEAD`, `-dirty` when tracked files differ from it. */
export async function gitCommit(repoRoot: string): Promise<string> {
  const head = await runBounded(["git", "rev-parse", "--short", "HEAD"], 10_000, repoRoot);
  if (head.code !== 0) return "unknown";
  const status = await runBounded(["git", "status", "--porcelain", "--untracked-files=no"], 10_000, repoRoot);
  return `${head.out.trim()}${status.code === 0 && status.out.trim() !== "" ? "-dirty" : ""}`;
}

export async function runInfo(repoRoot: string, pinning: Pinning, binaryVersion?: string): Promise<RunInfo> {
  const b = buildInfo();
  return {
    // From a binary, its own `--version` line (it carries the commit it was built from).
    busbar_version: binaryVersion ?? b.version,
    busbar_commit: await gitCommit(repoRoot),
    busbar_target: b.target,
    busbar_run_from: binaryVersion === undefined ? "source" : "binary",
    bun: `${Bun.version} (${Bun.revision.slice(0, 9)})`,
    os: osName(),
    kernel: os.release(),
    cpu_model: cpuModel(),
    // Not availableParallelism(): the harness itself runs under taskset, which would report 1.
    cores: os.cpus().length,
    memory_gib: Math.round(os.totalmem() / 2 ** 30),
    pinning,
    load_avg_at_start: os.loadavg().map((x) => Math.round(x * 100) / 100),
    started_at: new Date().toISOString(),
  };
}
