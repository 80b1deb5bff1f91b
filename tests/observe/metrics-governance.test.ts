// Governance in /metrics (platform.md §5.2, §8 GOV-07 and GOV-09, §3.2): refusals counted by the bucket that blocked
// and in busbar_requests_total, refusals handed to the sinks (the audit webhook gets them), store failures counted
// by operation, per-key gauges equal to the admin API's /usage, and who may scrape.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import type { RecordSink, RequestRecord } from "../../src/observe/record.ts";
import { outcomeOf } from "../../src/observe/record.ts";
import { governedYaml, LANE_ENV, startGateway, type TestGateway } from "../helpers/gateway.ts";
import { type PromFamily, parseExposition, sampleValue } from "../helpers/prom-parse.ts";

const ADMIN = "admin-token-for-tests-0123";
let gw: TestGateway;
const captured: RequestRecord[] = [];
const capture: RecordSink = { record: (r) => { captured.push(r); }, flush: async () => {}, dropped: 0 };

beforeAll(async () => {
  gw = await startGateway({
    yaml: (m) => governedYaml(m, ADMIN, { rateCard: "    m-openai: { input_cents_per_mtok: 300, output_cents_per_mtok: 1500 }" }),
    env: LANE_ENV,
    runtime: { sinks: { audit: capture } },
  });
});
afterAll(() => gw.stop());

async function admin(method: string, path: string, body?: unknown): Promise<any> { // eslint-disable-line
  const res = await fetch(`${gw.adminUrl}/api/v1/admin${path}`, {
    method, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  expect(res.status).toBeLessThan(300);
  return res.json();
}

const chat = (secret: string, pool = "pool-openai") => fetch(`${gw.url}/v1/chat/completions`, {
  method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
  body: JSON.stringify({ model: pool, messages: [{ role: "user", content: "hi" }] }),
}).then(async (r) => { await r.arrayBuffer(); return r.status; });

async function scrape(secret: string): Promise<PromFamily[]> {
  const res = await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${secret}` } });
  expect(res.status).toBe(200);
  return parseExposition(await res.text());
}

describe("refusals (§3.2)", () => {
  test("counted by bucket and as client errors; each one reaches the sinks, the served one with its spend", async () => {
    const unrestricted = await admin("POST", "/keys", { name: "ops", rpm_limit: 1, max_budget_cents: 1000 });
    const narrow = await admin("POST", "/keys", { name: "narrow", allowed_pools: ["pool-anthropic"] });
    captured.length = 0;
    expect(await chat(unrestricted.secret)).toBe(200);
    expect(await chat(unrestricted.secret)).toBe(429); // rpm 1
    expect(await chat(narrow.secret)).toBe(403); // pool not allowed

    const fams = await scrape(unrestricted.secret);
    expect(sampleValue(fams, "busbar_governance_rejections_total", { reason: "rate_limited" })).toBe(1);
    expect(sampleValue(fams, "busbar_governance_rejections_total", { reason: "pool_denied" })).toBe(1);
    expect(sampleValue(fams, "busbar_requests_total", { ingress_protocol: "openai", pool: "pool-openai", outcome: "client_error" })).toBe(2);
    expect(sampleValue(fams, "busbar_requests_total", { ingress_protocol: "openai", pool: "pool-openai", outcome: "ok" })).toBe(1);

    expect(captured.map((r) => [r.status, outcomeOf(r), r.keyId, r.governance?.decision])).toEqual([
      [200, "ok", unrestricted.id, "admit"],
      [429, "client_error", unrestricted.id, "rate_limited"],
      [403, "client_error", narrow.id, "pool_denied"],
    ]);
    expect(captured[0]!.costMicros).toBeGreaterThan(0);
    expect(captured[0]!.usage?.output).toBeGreaterThan(0);
    expect(captured[1]!.attempts).toEqual([]); // refused before any upstream call
  });

  test("a key limited to some pools may not scrape; a bad key is a 401", async () => {
    const narrow = await admin("POST", "/keys", { name: "narrow2", allowed_pools: ["pool-openai"] });
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: `Bearer ${narrow.secret}` } })).status).toBe(403);
    expect((await fetch(`${gw.url}/metrics`, { headers: { authorization: "Bearer sk-bb-nope" } })).status).toBe(401);
  });
});

describe("/stats keys summary (§5.1)", () => {
  test("an unrestricted key sees how many keys exist and are enabled; a restricted key does not", async () => {
    const all = await admin("GET", "/keys");
    const list = (Array.isArray(all) ? all : all.keys) as { enabled: boolean }[];
    const open = await admin("POST", "/keys", { name: "stats-open" });
    const off = await admin("POST", "/keys", { name: "stats-off" });
    await admin("PATCH", `/keys/${off.id}`, { enabled: false });
    const narrow = await admin("POST", "/keys", { name: "stats-narrow", allowed_pools: ["pool-openai"] });
    const view: any = await (await fetch(`${gw.url}/stats`, { headers: { authorization: `Bearer ${open.secret}` } })).json();
    expect(view.keys).toEqual({ total: list.length + 3, enabled: list.filter((k) => k.enabled).length + 2 });
    const scoped: any = await (await fetch(`${gw.url}/stats`, { headers: { authorization: `Bearer ${narrow.secret}` } })).json();
    expect(scoped.keys).toBeUndefined();
  });
});

describe("GOV-09: the key gauges equal /usage", () => {
  test("spend, tokens and budget left, per key", async () => {
    const k = await admin("POST", "/keys", { name: "gauged", max_budget_cents: 500 });
    for (let i = 0; i < 3; i++) expect(await chat(k.secret)).toBe(200);
    // Settlement is booked after the answer is sent: read /usage until all three are in (bounded by the test timeout).
    let usage = await admin("GET", `/keys/${k.id}/usage`);
    while (usage.requests < 3) usage = await admin("GET", `/keys/${k.id}/usage`);
    expect(usage.spend_microcents).toBeGreaterThan(0);
    const fams = await scrape(k.secret);
    expect(sampleValue(fams, "busbar_key_spend_cents", { key: k.id })).toBe(usage.spend_cents);
    expect(sampleValue(fams, "busbar_key_tokens_total", { key: k.id })).toBe(usage.tokens);
    expect(sampleValue(fams, "busbar_key_budget_remaining_cents", { key: k.id })).toBe(500 - usage.spend_cents);
  });
});

describe("GOV-07: a store failure is counted", () => {
  test("admit fails once: admitted uncharged (allow), busbar_store_errors_total{op=admit} is 1", async () => {
    const k = await admin("POST", "/keys", { name: "store-down" });
    const store = gw.governor!.store;
    const admit = store.admit.bind(store);
    let failures = 1;
    store.admit = (a) => (failures-- > 0 ? Promise.reject(new Error("store down")) : admit(a));
    try {
      expect(await chat(k.secret)).toBe(200);
    } finally {
      store.admit = admit;
    }
    const fams = await scrape(k.secret);
    expect(sampleValue(fams, "busbar_store_errors_total", { op: "admit" })).toBe(1);
  });
});
