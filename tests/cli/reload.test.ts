// Config reload (platform.md §6.6, §8 CLI-08) on a real busbar process: the admin endpoint and SIGHUP add a pool
// live, unchanged lanes keep their breaker state, requests in flight during a reload all succeed, an invalid edit
// is refused with its errors while the old config keeps serving, and a changed listen address is reported as
// needing a restart.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { mockControl, startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";
import { type BusbarProcess, spawnBusbar } from "../helpers/process.ts";

const ADMIN = "reload-admin-token-0123";
let dir: string;
let cfg: string;
let mock: MockUpstream;
let b: BusbarProcess;

const yaml = (extraPools: string, listen = "127.0.0.1:0") => `listen: "${listen}"
auth: { mode: none }
providers:
  up: { protocol: openai, base_url: "${mock.url}", auth: none, allow_private_network: true }
models:
  A: { provider: up, upstream_model: A }
  B: { provider: up, upstream_model: B }
pools:
  p: { members: [ { target: A, weight: 100 }, { target: B } ], breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 600, max_cooldown_secs: 600 } }
${extraPools}
admin: { listen: "127.0.0.1:0", token: ${ADMIN} }
`;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "busbar-reload-"));
  mock = startMockUpstream({ port: 0, faults: true, memberTag: true });
  cfg = join(dir, "config.yaml");
  writeFileSync(cfg, yaml(""));
  b = await spawnBusbar(cfg, {}, { admin: true });
});
afterAll(async () => {
  b.proc.kill("SIGKILL");
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

const chat = (model: string) => fetch(`${b.url}/v1/chat/completions`, {
  method: "POST", headers: { "content-type": "application/json" },
  body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
}).then(async (r) => ({ status: r.status, text: await r.text() }));

const reload = () => fetch(`${b.adminUrl}/api/v1/admin/config/reload`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` } })
  .then(async (r) => ({ status: r.status, json: await r.json() as Record<string, unknown> }));

async function cellOfA(): Promise<{ state: string; trips: number }> {
  const s = await (await fetch(`${b.url}/stats`)).json() as { pool_state: Record<string, { members: { model: string; state: string; trips: number }[] }> };
  return s.pool_state["p"]!.members.find((m) => m.model === "A")!;
}

test("CLI-08: a pool added live, breaker state kept, no request dropped, bad edits refused, listen needs a restart", async () => {
  // A fails once and opens for 10 minutes: B serves.
  await mockControl(mock.url).queue("A", { kind: "server_error" });
  expect((await chat("p")).text).toContain("member=B");
  expect(await cellOfA()).toMatchObject({ state: "open", trips: 1 });
  expect((await chat("q")).status).toBe(404);

  // Add pool q while 100 requests are in flight: every one succeeds.
  writeFileSync(cfg, yaml("  q: { members: [ { target: B } ] }"));
  const during = Array.from({ length: 100 }, () => chat("p"));
  const r = await reload();
  expect(r).toEqual({ status: 200, json: { config_version: 2, restart_required: [], warnings: expect.any(Array) } });
  expect((await Promise.all(during)).map((x) => x.status)).toEqual(Array(100).fill(200));
  expect((await chat("q")).text).toContain("member=B");
  expect(await cellOfA()).toMatchObject({ state: "open", trips: 1 }); // same lane, same pool: its cell carried over

  // An invalid edit: 400 with the errors; the running config keeps serving both pools.
  writeFileSync(cfg, yaml("  q: { members: [ { target: NOPE } ] }"));
  const bad = await reload();
  expect(bad.status).toBe(400);
  expect(JSON.stringify(bad.json)).toContain("NOPE");
  expect((await chat("q")).status).toBe(200);
  const info = await (await fetch(`${b.adminUrl}/api/v1/admin/info`, { headers: { authorization: `Bearer ${ADMIN}` } })).json() as { config_version: number };
  expect(info.config_version).toBe(2);

  // A new listen address cannot be applied live: reported, the rest applied, still serving where it was.
  writeFileSync(cfg, yaml("  q: { members: [ { target: B } ] }\n  r: { members: [ { target: B } ] }", "127.0.0.1:1"));
  const moved = await reload();
  expect(moved.json).toMatchObject({ config_version: 3, restart_required: ["listen"] });
  expect((await chat("r")).status).toBe(200);

  // SIGHUP does the same.
  writeFileSync(cfg, yaml("  s: { members: [ { target: B } ] }"));
  b.proc.kill("SIGHUP");
  while (!b.stderr().includes('"config_version":4')) await new Promise((res) => setImmediate(res));
  expect((await chat("s")).status).toBe(200);
  expect((await chat("q")).status).toBe(404); // removed
}, 30_000);
