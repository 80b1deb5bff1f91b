// Graceful shutdown (platform.md §6.5, §8 CLI-07) on a real busbar process: SIGTERM in the middle of a stream stops
// new connections, lets the stream finish and exits 0; a grace shorter than the stream cuts it and counts it as
// forced; a second signal exits at once with 130. The upstream paces the stream (the mock's event delay); the test
// itself never sleeps, it waits on the process and the stream.
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockControl, startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";
import { startGateway } from "../helpers/gateway.ts";
import { type BusbarProcess, spawnBusbar } from "../helpers/process.ts";

let dir: string;
let mock: MockUpstream;
let running: BusbarProcess | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "busbar-shutdown-"));
  mock = startMockUpstream({ port: 0, faults: true });
});
afterEach(() => {
  running?.proc.kill("SIGKILL");
  running = undefined;
});
afterAll(async () => {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function boot(grace: number, member: string): Promise<BusbarProcess> {
  const cfg = join(dir, `${member}.yaml`);
  writeFileSync(cfg, `listen: "127.0.0.1:0"
auth: { mode: none }
providers:
  up: { protocol: openai, base_url: "${mock.url}", auth: none, allow_private_network: true }
models:
  m: { provider: up, upstream_model: ${member} }
limits: { shutdown_grace_secs: ${grace} }
`);
  running = await spawnBusbar(cfg, {});
  return running;
}

/** A stream of `events` deltas, `delayMs` apart, started and read up to its first chunk. */
async function openStream(b: BusbarProcess, member: string, events: number, delayMs: number) {
  await mockControl(mock.url).setDefault(member, { kind: "ok", events, event_delay_ms: delayMs });
  const res = await fetch(`${b.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = await reader.read();
  let text = new TextDecoder().decode(first.value);
  const rest = (async () => {
    try {
      for (;;) {
        const r = await reader.read();
        if (r.done) return { text, error: undefined };
        text += new TextDecoder().decode(r.value);
      }
    } catch (e) {
      return { text, error: e };
    }
  })();
  // Wrapped: an async function returning a promise would wait for it (the whole stream) before returning.
  return { rest };
}

describe("CLI-07 graceful shutdown", () => {
  test("SIGTERM mid-stream: the stream completes, new connections are refused, exit 0", async () => {
    const b = await boot(30, "long-stream");
    const stream = await openStream(b, "long-stream", 12, 100);
    b.proc.kill("SIGTERM");
    while (!b.stderr().includes('"msg":"draining"')) await new Promise((r) => setImmediate(r));
    const refused = await fetch(`${b.url}/healthz`).then(() => false, () => true);
    expect(refused).toBe(true);
    const { text, error } = await stream.rest;
    expect(error).toBeUndefined();
    expect(text).toContain("data: [DONE]");
    expect(await b.proc.exited).toBe(0);
    expect(b.stderr()).toMatch(/"msg":"shutdown complete","drained":1,"forced":0/);
  }, 20_000);

  test("a grace shorter than the stream cuts it, counted as forced, still exit 0", async () => {
    const b = await boot(1, "endless-stream");
    const stream = await openStream(b, "endless-stream", 200, 100); // 20 s of events against a 1 s grace
    b.proc.kill("SIGTERM");
    const { text } = await stream.rest;
    expect(text).not.toContain("data: [DONE]");
    expect(await b.proc.exited).toBe(0);
    expect(b.stderr()).toMatch(/"msg":"shutdown complete","drained":0,"forced":1/);
  }, 20_000);

  test("a second signal exits at once with 130", async () => {
    const b = await boot(30, "second-signal");
    const stream = await openStream(b, "second-signal", 200, 100);
    b.proc.kill("SIGTERM");
    while (!b.stderr().includes('"msg":"draining"')) await new Promise((r) => setImmediate(r));
    b.proc.kill("SIGINT");
    expect(await b.proc.exited).toBe(130);
    await stream.rest;
  }, 20_000);
});

test("/healthz answers 503 draining once shutdown starts (on a connection still open)", async () => {
  const g = await startGateway({ yaml: (m) => `auth: { mode: none }
providers:
  up: { protocol: openai, base_url: "${m}", auth: none, allow_private_network: true }
models:
  m: { provider: up, upstream_model: m }
` });
  try {
    expect((await fetch(`${g.url}/healthz`)).status).toBe(200);
    g.rt.lifecycle.draining = true;
    const res = await fetch(`${g.url}/healthz`);
    expect([res.status, await res.json()]).toEqual([503, { status: "draining" }]);
  } finally {
    await g.stop();
  }
});
