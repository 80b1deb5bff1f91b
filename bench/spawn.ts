// Child processes of the harness: started pinned, logged to a file, ready when their port accepts,
// stopped by their own pid only (SIGTERM, then SIGKILL after a bound).
import { closeSync, openSync } from "node:fs";

export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  readonly exited: Promise<number>;
  /** Exit code once the process has ended. */
  exitCode(): number | null;
  stop(): Promise<void>;
}

const live = new Set<Child>();

/** `taskset -c <cpus>` when pinning is on, else nothing. */
export function pinPrefix(cpus: string | undefined): string[] {
  return cpus === undefined ? [] : ["taskset", "-c", cpus];
}

export function spawnLogged(name: string, cmd: string[], opts: { logPath: string; env?: Record<string, string | undefined>; cwd?: string; cpus?: string }): Child {
  const fd = openSync(opts.logPath, "a");
  const full = [...pinPrefix(opts.cpus), ...cmd];
  const proc = Bun.spawn(full, {
    stdin: "ignore",
    stdout: fd,
    stderr: fd,
    env: { ...process.env, ...opts.env },
    ...(opts.cwd === undefined ? {} : { cwd: opts.cwd }),
  });
  closeSync(fd);
  const child: Child = {
    name,
    pid: proc.pid,
    logPath: opts.logPath,
    exited: proc.exited,
    exitCode: () => proc.exitCode,
    async stop() {
      live.delete(child);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const ended = await Promise.race([proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!ended) {
        proc.kill("SIGKILL");
        await Promise.race([proc.exited, Bun.sleep(2000)]);
      }
    },
  };
  live.add(child);
  return child;
}

/** Stops every child still running (on abort or at the end of a run). */
export async function stopAll(): Promise<void> {
  await Promise.all([...live].map((c) => c.stop()));
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

async function accepts(port: number): Promise<boolean> {
  try {
    const sock = await Bun.connect({ hostname: "127.0.0.1", port, socket: { data() {} } });
    sock.end();
    return true;
  } catch {
    return false;
  }
}

/** Waits until 127.0.0.1:port accepts a TCP connection; fails early when the child exits. */
export async function waitForPort(child: Child, port: number, timeoutMs: number): Promise<{ ok: true } | { ok: false; reason: string }> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child.exitCode() !== null) return { ok: false, reason: `${child.name} exited with code ${child.exitCode()} before listening (log: ${child.logPath})` };
    if (await accepts(port)) return { ok: true };
    await Bun.sleep(50);
  }
  return { ok: false, reason: `${child.name} did not listen on 127.0.0.1:${port} within ${timeoutMs} ms (log: ${child.logPath})` };
}

/** Runs a command to completion with a time bound; stdout+stderr as text. */
export async function runBounded(cmd: string[], timeoutMs: number, cwd?: string): Promise<{ code: number; out: string }> {
  try {
    const proc = Bun.spawn(cmd, { stdout: "pipe", stderr: "pipe", stdin: "ignore", ...(cwd === undefined ? {} : { cwd }) });
    const timer = setTimeout(() => proc.kill("SIGKILL"), timeoutMs);
    const [out, err, code] = await Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text(), proc.exited]);
    clearTimeout(timer);
    return { code, out: `${out}${err}` };
  } catch (e) {
    return { code: 127, out: e instanceof Error ? e.message : String(e) };
  }
}

export function which(bin: string): string | undefined {
  return Bun.which(bin) ?? undefined;
}
