// Native strategies (reliability.md §11.1) in deterministic scenarios: signals are injected into lane state, no
// upstream is called. Each picks the expected member; missing signals demote; no signal at all abstains; ties go to
// the lower index; a ranked member that is not ready is skipped, never chosen over a healthy one.
import { describe, expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Pool } from "../../src/route/lanes.ts";
import { nativeOrder } from "../../src/route/policies.ts";
import { select } from "../../src/route/select.ts";
import { mockControl } from "../../src/mock/control.ts";
import { buildRuntime, type Runtime } from "../../src/runtime.ts";
import { chat, membersYaml, servedBy } from "../e2e/reliability-kit.ts";
import { startGateway } from "../helpers/gateway.ts";

function runtime(policy: string, members: string, extra = ""): Runtime {
  const loaded = loadConfig({
    configText: `providers:
  up: { protocol: openai, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true }
  claude: { protocol: anthropic, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true, pricing: { as_of: "2026-01-01", models: { priced: { input_cents_per_mtok: 100, output_cents_per_mtok: 300 } } } }
models:
  a: { provider: up }
  b: { provider: up }
  c: { provider: up }
  p: { provider: claude, upstream_model: priced }
pools:
  x: { policy: { name: ${policy} }, members: [ ${members} ] }
${extra}`,
    configFile: "c", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {},
  });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return buildRuntime(loaded.config);
}

function pickOf(rt: Runtime, poolName = "x"): string | undefined {
  const pool = rt.resolver.pools.get(poolName) as Pool;
  const order = nativeOrder(pool, pool.spec.policy as "cheapest", rt.config.governance);
  const sel = select({ pool, now: rt.nowMs(), tried: [], pruned: [], serves: () => true, affinityKey: undefined, order });
  return sel.kind === "none" ? undefined : sel.member.lane.name;
}

const lane = (rt: Runtime, name: string) => rt.resolver.lanes.get(name)!;

describe("cheapest", () => {
  test("the lowest cost_per_mtok wins; a member without one is demoted", () => {
    const rt = runtime("cheapest", "{ target: a, cost_per_mtok: 5 }, { target: b, cost_per_mtok: 2 }, { target: c }");
    expect(pickOf(rt)).toBe("b");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "cheapest", rt.config.governance)?.map((m) => m.lane.name)).toEqual(["b", "a"]);
  });
  test("without cost_per_mtok the catalog / rate_card price decides ((input + output) / 2)", () => {
    const rt = runtime("cheapest", "{ target: a }, { target: p }", "governance: { rate_card: { a: { input_cents_per_mtok: 500, output_cents_per_mtok: 500 } } }\n");
    expect(pickOf(rt)).toBe("p"); // 200 against 500
  });
  test("no member priced: the strategy abstains and SWRR decides", () => {
    const rt = runtime("cheapest", "{ target: a }, { target: b }");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "cheapest", rt.config.governance)).toBeUndefined();
  });
  test("ties go to the lower index", () => {
    const rt = runtime("cheapest", "{ target: a, cost_per_mtok: 3 }, { target: b, cost_per_mtok: 3 }");
    expect(pickOf(rt)).toBe("a");
  });
});

describe("fastest", () => {
  test("the lowest latency EWMA wins; a member never measured is demoted", () => {
    const rt = runtime("fastest", "{ target: a }, { target: b }, { target: c }");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "fastest", rt.config.governance)).toBeUndefined(); // nothing measured: abstain
    lane(rt, "a").state.latencyEwmaMs = 300;
    lane(rt, "c").state.latencyEwmaMs = 120;
    expect(pickOf(rt)).toBe("c");
  });
  test("a ranked member that is not ready is skipped: an unhealthy member is never chosen over a healthy one", () => {
    const rt = runtime("fastest", "{ target: a }, { target: b }");
    lane(rt, "a").state.latencyEwmaMs = 10;
    lane(rt, "b").state.latencyEwmaMs = 900;
    const pool = rt.resolver.pools.get("x") as Pool;
    // Trip a's cell in this pool: it is no longer a candidate.
    const cell = pool.members[0]!.cell;
    for (let i = 0; i < 10; i++) cell.onTransient(rt.nowMs(), false);
    expect(cell.isReady(rt.nowMs())).toBe(false);
    expect(pickOf(rt)).toBe("b");
  });
});

describe("least_busy", () => {
  test("the most free permits wins, live", () => {
    const rt = runtime("least_busy", "{ target: a }, { target: b }", "");
    // Default max_concurrent 256 each; hold 3 permits on a.
    for (let i = 0; i < 3; i++) lane(rt, "a").state.permits.tryAcquire();
    expect(pickOf(rt)).toBe("b");
    for (let i = 0; i < 5; i++) lane(rt, "b").state.permits.tryAcquire();
    expect(pickOf(rt)).toBe("a");
  });
});

describe("end to end through the gateway", () => {
  test("a cheapest pool sends every request to the cheapest member, and fails over down the ranking", async () => {
    const gw = await startGateway({
      yaml: (m) => membersYaml(m, { dear: "openai", cheap: "anthropic", mid: "gemini" },
        "  x: { policy: { name: cheapest }, members: [ { target: dear, cost_per_mtok: 9 }, { target: cheap, cost_per_mtok: 1 }, { target: mid, cost_per_mtok: 4 } ] }"),
      mock: { memberTag: true },
    });
    try {
      for (let i = 0; i < 4; i++) expect(await servedBy(await chat(gw.url, "x"))).toBe("cheap");
      // §11.4: the answer says which policy picked which model.
      const marked = await chat(gw.url, "x");
      expect([marked.headers.get("x-busbar-route-policy"), marked.headers.get("x-busbar-route-target")]).toEqual(["native:cheapest", "cheap"]);
      await marked.arrayBuffer();
      // The cheapest fails: the request fails over to the next in the ranking, not to a weighted pick.
      await mockControl(gw.mock.url).setDefault("cheap", { kind: "server_error" });
      expect(await servedBy(await chat(gw.url, "x"))).toBe("mid");
    } finally {
      await gw.stop();
    }
  });
});
