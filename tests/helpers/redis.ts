// A real, throwaway redis-server for one test file: a free loopback port, no persistence, ready when it answers
// PING. Missing redis-server is a failure, never a skip (CI installs it with apt).
import type { Subprocess } from "bun";

export interface TestRedis {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

const READY_WITHIN_MS = 10_000;

/** `port` = reuse a known port (a restart); otherwise a free one. */
export async function startRedis(o: { port?: number } = {}): Promise<TestRedis> {
  const bin = Bun.which("redis-server");
  if (bin === null) {
    throw new Error("redis-server is not on PATH: install it (apt-get install redis-server, or brew install redis); "
      + "the Redis store tests need a real server and never skip");
  }
  // A port that was free a moment ago can be taken before redis binds it: try a few.
  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = o.port ?? freePort();
    const proc = Bun.spawn([bin, "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], {
      stdout: "pipe",
      stderr: "pipe",
    });
    const ready = await untilPong(port, proc);
    if (ready === true) {
      return {
        url: `redis://127.0.0.1:${port}`,
        port,
        async stop() {
          proc.kill();
          await proc.exited;
        },
      };
    }
    lastError = ready;
    proc.kill();
    await proc.exited;
  }
  throw new Error(`redis-server did not start: ${lastError}`);
}

function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = l;
  l.stop(true);
  return port;
}

/** Polls the port with PING until +PONG; returns the server's output if it exits first or never answers. */
async function untilPong(port: number, proc: Subprocess<"ignore", "pipe", "pipe">): Promise<true | string> {
  const deadline = Date.now() + READY_WITHIN_MS;
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return `exited ${proc.exitCode}: ${await new Response(proc.stdout).text()}`;
    if (await pingOnce(port)) return true;
    // Between connection attempts, yield a few ms to the server starting up (a poll interval, not a wait for it).
    await Bun.sleep(5);
  }
  return `no PONG on 127.0.0.1:${port} within ${READY_WITHIN_MS} ms`;
}

function pingOnce(port: number): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s) {
        s.write("PING\r\n");
      },
      data(s, chunk) {
        resolve(chunk.toString().startsWith("+PONG"));
        s.end();
      },
      close() {
        resolve(false);
      },
      connectError() {
        resolve(false);
      },
      error() {
        resolve(false);
      },
    },
  }).catch(() => resolve(false));
  return promise;
}
