// Process CPU time and resident memory from /proc (Linux): what a gateway costs, read from outside it.
import { readdirSync, readFileSync } from "node:fs";

/**
 * utime + stime (fields 14 and 15 of proc(5) `/proc/<pid>/stat`), in clock ticks, summed over all
 * threads. The command name (field 2) may hold spaces and parentheses, so fields are counted from
 * the last `)`. Returns undefined for a line that does not parse.
 */
export function parseStatCpuTicks(line: string): number | undefined {
  const fields = statFieldsAfterComm(line);
  // After the comm, fields[0] is field 3 (state); utime is field 14, stime field 15.
  const utime = Number(fields?.[11]);
  const stime = Number(fields?.[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) && fields !== undefined ? utime + stime : undefined;
}

/** The parent pid (field 4) of a `/proc/<pid>/stat` line. */
export function parseStatPpid(line: string): number | undefined {
  const ppid = Number(statFieldsAfterComm(line)?.[1]);
  return Number.isInteger(ppid) ? ppid : undefined;
}

function statFieldsAfterComm(line: string): string[] | undefined {
  const close = line.lastIndexOf(")");
  if (close < 0 || line.indexOf("(") < 0) return undefined;
  const rest = line.slice(close + 1).trim().split(/\s+/);
  return rest.length >= 13 ? rest : undefined;
}

/** `VmRSS:    31240 kB` of a `/proc/<pid>/status` text → KiB; undefined when absent (a zombie has none). */
export function parseVmRssKiB(status: string): number | undefined {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

let clkTck: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), 100 on every mainstream Linux build. */
export function clockTicksPerSecond(): number {
  if (clkTck !== undefined) return clkTck;
  try {
    const out = Bun.spawnSync(["getconf", "CLK_TCK"], { stdout: "pipe", stderr: "ignore" });
    const n = Number(out.stdout.toString().trim());
    clkTck = Number.isInteger(n) && n > 0 ? n : 100;
  } catch {
    clkTck = 100;
  }
  return clkTck;
}

/** A pid and all its descendants (nginx's workers are children of its master). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [root];
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const line = readText(`/proc/${e}/stat`);
    const ppid = line === undefined ? undefined : parseStatPpid(line);
    if (ppid === undefined) continue;
    const list = children.get(ppid) ?? [];
    list.push(Number(e));
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  // Bounded: a pid tree cannot hold more entries than /proc listed.
  while (queue.length > 0 && out.length <= entries.length) {
    const pid = queue.shift() ?? root;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** Summed CPU seconds (user + system) of these pids; a pid that has gone counts 0. */
export function cpuSeconds(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const line = readText(`/proc/${pid}/stat`);
    ticks += (line === undefined ? undefined : parseStatCpuTicks(line)) ?? 0;
  }
  return ticks / clockTicksPerSecond();
}

/** Summed VmRSS in KiB of these pids; undefined when none could be read. */
export function rssKiB(pids: readonly number[]): number | undefined {
  let total: number | undefined;
  for (const pid of pids) {
    const text = readText(`/proc/${pid}/status`);
    const kib = text === undefined ? undefined : parseVmRssKiB(text);
    if (kib !== undefined) total = (total ?? 0) + kib;
  }
  return total;
}

export interface RssSample {
  /** ms since the sampler started. */
  readonly t: number;
  readonly kib: number;
}

/**
 * Samples VmRSS of a process tree every `intervalMs` (250 ms by default, platform.md §7.2) until stopped.
 * The tree is re-read with `refresh()` (cheap enough per stage, too dear per tick on a busy host).
 */
export class RssSampler {
  readonly samples: RssSample[] = [];
  private pids: number[];
  private readonly timer: ReturnType<typeof setInterval>;
  private readonly started = performance.now();

  constructor(readonly root: number, intervalMs = 250, private readonly maxSamples = 200_000) {
    this.pids = processTree(root);
    this.tick();
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  refresh(): void {
    this.pids = processTree(this.root);
  }

  get tree(): readonly number[] {
    return this.pids;
  }

  private tick(): void {
    if (this.samples.length >= this.maxSamples) return;
    const kib = rssKiB(this.pids);
    if (kib !== undefined) this.samples.push({ t: performance.now() - this.started, kib });
  }

  /** ms on this sampler's clock, to mark windows. */
  now(): number {
    return performance.now() - this.started;
  }

  /** Samples taken in [from, to) on this sampler's clock. */
  window(from: number, to = Number.POSITIVE_INFINITY): number[] {
    return this.samples.filter((s) => s.t >= from && s.t < to).map((s) => s.kib);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
