// The mock upstreams: `busbar mock-upstream` processes, one per upstream delay, on the load generator's cores.
import { join } from "node:path";
import { freePort, spawnLogged, waitForPort, type Child } from "./spawn.ts";

export interface MockProc {
  readonly delayMs: number;
  readonly url: string;
  readonly child: Child;
}

export async function startMocks(repoRoot: string, delays: readonly number[], logDir: string, cpus: string | undefined): Promise<Map<number, MockProc>> {
  const out = new Map<number, MockProc>();
  for (const delayMs of delays) {
    if (out.has(delayMs)) continue;
    const port = freePort();
    const child = spawnLogged(`mock-d${delayMs}`, [process.execPath, "src/main.ts", "mock-upstream", "--port", String(port), "--delay-ms", String(delayMs)], {
      logPath: join(logDir, `mock-d${delayMs}.log`),
      cwd: repoRoot,
      ...(cpus === undefined ? {} : { cpus }),
    });
    const ready = await waitForPort(child, port, 15_000);
    if (!ready.ok) throw new Error(`mock upstream (delay ${delayMs} ms) did not start: ${ready.reason}`);
    out.set(delayMs, { delayMs, url: `http://127.0.0.1:${port}`, child });
  }
  return out;
}
