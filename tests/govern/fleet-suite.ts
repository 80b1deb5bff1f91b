// Three busbar processes share one real store (issue #8; spec README platform decision 3; §8 GOV-08), run for Redis
// and Postgres by fleet-redis.test.ts and fleet-postgres.test.ts. 2 000 concurrent requests from governed keys are
// spread across them: a budget is never overrun, an RPM limit holds fleet-wide, and the ledger equals the fee plus
// the usage the upstream reported, request by request, exactly.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";
import { spawnBusbar } from "../helpers/process.ts";

/** A throwaway store server for the fleet. */
export interface FleetStore {
  readonly url: string;
  stop(): Promise<void>;
}

const ADMIN = "fleet-admin-token-7";
const RATE = { input: 1000, output: 2000 }; // cents per million tokens
const FEE_MICROS = 1_000_000;

export function fleetSuite(kind: "redis" | "postgres", start: () => Promise<FleetStore>): void {
describe(`three instances on one ${kind}`, () => {
interface Instance {
  readonly proc: ReturnType<typeof Bun.spawn>;
  readonly url: string;
  readonly adminUrl: string;
}

let dir: string;
let store: FleetStore;
let mock: MockUpstream;
const fleet: Instance[] = [];

async function boot(i: number): Promise<Instance> {
  const cfg = join(dir, `busbar-${i}.yaml`);
  writeFileSync(cfg, fleetConfig());
  const b = await spawnBusbar(cfg, { STORE_URL: store.url, UP_KEY: "k" }, { admin: true });
  return { proc: b.proc, url: b.url, adminUrl: b.adminUrl ?? "" };
}

function fleetConfig(): string {
  return `listen: "127.0.0.1:0"
auth: { mode: token }
providers:
  up: { protocol: openai, base_url: "${mock.url}", api_key_env: UP_KEY, allow_private_network: true }
models:
  m: { provider: up, upstream_model: upstream-m, max_concurrent: 4096 }
pools:
  p: { members: [ { target: m } ] }
governance:
  enabled: true
  store: { kind: ${kind}, url_env: STORE_URL }
  rate_card: { m: { input_cents_per_mtok: ${RATE.input}, output_cents_per_mtok: ${RATE.output} } }
admin: { listen: "127.0.0.1:0", token: "${ADMIN}" }
`;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "busbar-fleet-"));
  store = await start();
  mock = startMockUpstream({ port: 0 });
  fleet.push(...(await Promise.all([0, 1, 2].map(boot))));
}, 30_000);

afterAll(async () => {
  for (const f of fleet) f.proc.kill();
  await Promise.all(fleet.map((f) => f.proc.exited));
  await mock.stop();
  await store.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function mint(body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const res = await fetch(`${fleet[0]!.adminUrl}/api/v1/admin/keys`, { method: "POST", headers: { authorization: `Bearer ${ADMIN}` }, body: JSON.stringify(body) });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; secret: string };
}

interface Result {
  readonly status: number;
  readonly usage?: { prompt_tokens: number; completion_tokens: number };
}

/** `n` requests with `secret`, round-robin over the instances, `concurrency` at a time. */
async function storm(secret: string, n: number, concurrency: number): Promise<Result[]> {
  const out: Result[] = [];
  for (let i = 0; i < n; i += concurrency) {
    const batch = Array.from({ length: Math.min(concurrency, n - i) }, async (_, j): Promise<Result> => {
      const inst = fleet[(i + j) % fleet.length]!;
      const res = await fetch(`${inst.url}/v1/chat/completions`, {
        method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
        body: JSON.stringify({ model: "p", max_tokens: 16, messages: [{ role: "user", content: `request ${i + j} asks for a short answer` }] }),
      });
      const json = (await res.json()) as { usage?: Result["usage"] };
      return res.status === 200 ? { status: 200, ...(json.usage === undefined ? {} : { usage: json.usage }) } : { status: res.status };
    });
    out.push(...(await Promise.all(batch)));
  }
  return out;
}

async function usage(id: string): Promise<{ spend_microcents: number; requests: number; tokens: number }> {
  const res = await fetch(`${fleet[1]!.adminUrl}/api/v1/admin/keys/${id}/usage`, { headers: { authorization: `Bearer ${ADMIN}` } });
  return (await res.json()) as { spend_microcents: number; requests: number; tokens: number };
}

test("a budget across three instances: never overrun, and the ledger equals fee + reported usage exactly", async () => {
  const cap = 40; // cents: about 38 requests' worth
  const key = await mint({ name: "budget", max_budget_cents: cap });
  const results = await storm(key.secret, 1700, 170);
  const served = results.filter((r) => r.status === 200);
  const refused = results.filter((r) => r.status === 429);
  expect(served.length + refused.length).toBe(1700);
  expect(served.length).toBeGreaterThan(30);
  const expected = served.reduce((sum, r) => sum + FEE_MICROS + r.usage!.prompt_tokens * RATE.input + r.usage!.completion_tokens * RATE.output, 0);
  const u = await usage(key.id);
  expect(u.spend_microcents).toBe(expected);
  expect(u.requests).toBe(served.length);
  expect(u.tokens).toBe(served.reduce((s, r) => s + r.usage!.prompt_tokens + r.usage!.completion_tokens, 0));
  // Worst-case reservation: text requests with a max_tokens cap can never overrun (docs/governance.md).
  expect(u.spend_microcents).toBeLessThanOrEqual(cap * 1_000_000);
  expect(mock.requests.filter((r) => r.model === "upstream-m").length).toBeGreaterThanOrEqual(served.length);
}, 120_000);

test("an RPM limit holds across the fleet", async () => {
  const key = await mint({ name: "rpm", rpm_limit: 50 });
  const startMinute = Math.floor(Date.now() / 60_000);
  const results = await storm(key.secret, 300, 150);
  const minutes = Math.floor(Date.now() / 60_000) - startMinute + 1;
  const served = results.filter((r) => r.status === 200).length;
  expect(results.every((r) => r.status === 200 || r.status === 429)).toBe(true);
  // Exactly 50 per wall-clock minute the burst touched (almost always one).
  if (minutes === 1) expect(served).toBe(50);
  else expect(served).toBeLessThanOrEqual(50 * minutes);
  expect((await usage(key.id)).requests).toBe(served);
}, 120_000);

test("a key deleted through one instance is refused by the others within key_cache_ms (1 s)", async () => {
  const key = await mint({ name: "revoke" });
  const call = (i: number) => fetch(`${fleet[i]!.url}/v1/chat/completions`, {
    method: "POST", headers: { authorization: `Bearer ${key.secret}`, "content-type": "application/json" },
    body: JSON.stringify({ model: "p", messages: [{ role: "user", content: "hi" }] }),
  }).then(async (r) => { await r.arrayBuffer(); return r.status; });
  expect([await call(1), await call(2)]).toEqual([200, 200]);
  const del = await fetch(`${fleet[0]!.adminUrl}/api/v1/admin/keys/${key.id}`, { method: "DELETE", headers: { authorization: `Bearer ${ADMIN}` } });
  expect(del.status).toBe(200);
  const deadline = Date.now() + 1000 + 100;
  // Poll (no fixed sleep): both other instances must refuse before the deadline.
  const refusedBy = new Set<number>();
  while (refusedBy.size < 2 && Date.now() < deadline) {
    for (const i of [1, 2]) if (!refusedBy.has(i) && (await call(i)) === 401) refusedBy.add(i);
  }
  expect([...refusedBy].sort()).toEqual([1, 2]);
}, 30_000);

});
}
