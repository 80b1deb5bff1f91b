// Durability with the SQLite store (issue #8): keys and spend survive a restart, and a process killed with SIGKILL in
// the middle of a stream loses only that request's reservation, which the next process releases (the fee stays).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";
import { spawnBusbar } from "../helpers/process.ts";

const ADMIN = "restart-admin-token";
const FEE = 1_000_000;
let dir: string;
let mock: MockUpstream;
let cfg: string;

interface Running {
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly url: string;
  readonly adminUrl: string;
}

async function boot(): Promise<Running> {
  const b = await spawnBusbar(cfg, { UP_KEY: "k" }, { admin: true });
  return { proc: b.proc, url: b.url, adminUrl: b.adminUrl ?? "" };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "busbar-restart-"));
  mock = startMockUpstream({ port: 0, faults: true });
  cfg = join(dir, "config.yaml");
  writeFileSync(cfg, `listen: "127.0.0.1:0"
auth: { mode: token }
providers:
  up: { protocol: openai, base_url: "${mock.url}", api_key_env: UP_KEY, allow_private_network: true }
models:
  m: { provider: up, upstream_model: upstream-m }
  stuck: { provider: up, upstream_model: "stuck@fault=stream_stall" }
governance:
  enabled: true
  store: { kind: sqlite, path: "${join(dir, "gov.db")}" }
  rate_card: { m: { input_cents_per_mtok: 1000, output_cents_per_mtok: 2000 }, stuck: { input_cents_per_mtok: 1000, output_cents_per_mtok: 2000 } }
  reservation_lease_secs: 1
admin: { listen: "127.0.0.1:0", token: "${ADMIN}" }
`);
});

afterAll(async () => {
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

const usage = async (r: Running, id: string) =>
  (await (await fetch(`${r.adminUrl}/api/v1/admin/keys/${id}/usage`, { headers: { authorization: `Bearer ${ADMIN}` } })).json()) as { spend_microcents: number; requests: number };

test("keys and spend survive a restart; a SIGKILL mid-stream loses only its reservation", async () => {
  const a = await boot();
  const minted = (await (await fetch(`${a.adminUrl}/api/v1/admin/keys`, {
    method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify({ name: "durable", max_budget_cents: 1000 }),
  })).json()) as { id: string; secret: string };
  const chat = (r: Running, model: string, stream = false) => fetch(`${r.url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${minted.secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model, stream, max_tokens: 16, messages: [{ role: "user", content: "remember me" }] }),
  });
  let expected = 0;
  for (let i = 0; i < 3; i++) {
    const res = await chat(a, "m");
    const u = ((await res.json()) as { usage: { prompt_tokens: number; completion_tokens: number } }).usage;
    expected += FEE + u.prompt_tokens * 1000 + u.completion_tokens * 2000;
  }
  expect((await usage(a, minted.id)).spend_microcents).toBe(expected);

  // A stream that commits (headers and a first event) and then stalls; the process dies under it.
  const stalled = await chat(a, "stuck", true);
  expect(stalled.status).toBe(200);
  const reader = stalled.body!.getReader();
  await reader.read();
  const during = await usage(a, minted.id);
  expect(during.requests).toBe(4);
  expect(during.spend_microcents).toBeGreaterThan(expected + FEE); // fee + the worst-case reserve
  a.proc.kill(9);
  await a.proc.exited;
  await reader.cancel().catch(() => {});

  // The next process: the same secret works, and the dead request's reserve is released (its fee stays).
  const b = await boot();
  try {
    const deadline = Date.now() + 5000;
    let u = await usage(b, minted.id);
    while (u.spend_microcents !== expected + FEE && Date.now() < deadline) u = await usage(b, minted.id);
    expect(u).toMatchObject({ spend_microcents: expected + FEE, requests: 4 });
    const res = await chat(b, "m");
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await usage(b, minted.id)).requests).toBe(5);
  } finally {
    b.proc.kill();
    await b.proc.exited;
  }
}, 30_000);
