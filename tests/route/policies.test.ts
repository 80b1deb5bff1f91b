// Native strategies (reliability.md §11.1) in deterministic scenarios: signals are injected into lane state, no
// upstream is called. Each picks the expected member; missing signals demote; no signal at all abstains; ties go to
// the lower index; a ranked member that is not ready is skipped, never chosen over a healthy one.
import { describe, expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { Pool } from "../../src/route/lanes.ts";
import { nativeOrder } from "../../src/route/policies.ts";
import { select } from "../../src/route/select.ts";
import { parseDuration, readHeadroom } from "../../src/upstream/ratelimits.ts";
import { mockControl } from "../../src/mock/control.ts";
import { buildRuntime, type Runtime } from "../../src/runtime.ts";
import { nativeRoutes } from "../../src/app.ts";
import { chat, membersYaml, servedBy } from "../e2e/reliability-kit.ts";
import { startGateway } from "../helpers/gateway.ts";

function runtime(policy: string, members: string, extra = "", fetch?: typeof globalThis.fetch, now?: () => Date): Runtime {
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
  return buildRuntime(loaded.config, { ...(fetch !== undefined && { fetch }), ...(now !== undefined && { now }) });
}

function pickOf(rt: Runtime, poolName = "x"): string | undefined {
  const pool = rt.resolver.pools.get(poolName) as Pool;
  const order = nativeOrder(pool, pool.spec.policy as "cheapest", rt.config.governance, rt.nowMs());
  const sel = select({ pool, now: rt.nowMs(), tried: [], pruned: [], serves: () => true, affinityKey: undefined, order });
  return sel.kind === "none" ? undefined : sel.member.lane.name;
}

const lane = (rt: Runtime, name: string) => rt.resolver.lanes.get(name)!;

describe("cheapest", () => {
  test("the lowest cost_per_mtok wins; a member without one is demoted", () => {
    const rt = runtime("cheapest", "{ target: a, cost_per_mtok: 5 }, { target: b, cost_per_mtok: 2 }, { target: c }");
    expect(pickOf(rt)).toBe("b");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "cheapest", rt.config.governance, rt.nowMs())?.map((m) => m.lane.name)).toEqual(["b", "a"]);
  });
  test("without cost_per_mtok the catalog / rate_card price decides ((input + output) / 2)", () => {
    const rt = runtime("cheapest", "{ target: a }, { target: p }", "governance: { rate_card: { a: { input_cents_per_mtok: 500, output_cents_per_mtok: 500 } } }\n");
    expect(pickOf(rt)).toBe("p"); // 200 against 500
  });
  test("no member priced: the strategy abstains and SWRR decides", () => {
    const rt = runtime("cheapest", "{ target: a }, { target: b }");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "cheapest", rt.config.governance, rt.nowMs())).toBeUndefined();
  });
  test("ties go to the lower index", () => {
    const rt = runtime("cheapest", "{ target: a, cost_per_mtok: 3 }, { target: b, cost_per_mtok: 3 }");
    expect(pickOf(rt)).toBe("a");
  });
});

describe("fastest", () => {
  test("the lowest latency EWMA wins; a member never measured is demoted", () => {
    const rt = runtime("fastest", "{ target: a }, { target: b }, { target: c }");
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "fastest", rt.config.governance, rt.nowMs())).toBeUndefined(); // nothing measured: abstain
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

describe("usage", () => {
  test("the most provider-reported headroom wins while the reading is fresh; stale or missing readings are demoted", () => {
    const rt = runtime("usage", "{ target: a }, { target: b }, { target: c }");
    const now = rt.nowMs();
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "usage", rt.config.governance, now)).toBeUndefined();
    lane(rt, "a").state.headroom = { value: 0.2, until: now + 60_000 };
    lane(rt, "b").state.headroom = { value: 0.9, until: now - 1 }; // its reset has passed
    lane(rt, "c").state.headroom = { value: 0.6, until: now + 60_000 };
    expect(nativeOrder(rt.resolver.pools.get("x") as Pool, "usage", rt.config.governance, now)?.map((m) => m.lane.name)).toEqual(["c", "a"]);
    expect(lane(rt, "a").state.trackRateLimits).toBe(true);
  });
});

describe("usage, end to end", () => {
  test("a tracked lane's answer updates its headroom from the provider's headers, valid until the reported reset", async () => {
    const remaining: Record<string, string> = { a: "10", b: "90" };
    const fetchStub = (async (url: URL | string, init?: RequestInit) => {
      const model = (JSON.parse(String(init?.body)) as { model: string }).model;
      const body = JSON.stringify({ id: "c", object: "chat.completion", created: 1, model, choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }] });
      return new Response(body, { headers: { "content-type": "application/json", "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": remaining[model] ?? "0", "x-ratelimit-reset-requests": "30s" } });
    }) as unknown as typeof globalThis.fetch;
    const clock = new Date("2026-11-22T12:00:00Z");
    const rt = runtime("usage", "{ target: a }, { target: b }", "", fetchStub, () => clock);
    const post = nativeRoutes(rt)["/v1/chat/completions"]!.POST;
    const ask = async () => {
      const res = await post(new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", body: '{"model":"x","messages":[{"role":"user","content":"hi"}]}' }));
      await res.text();
      return res.headers.get("x-busbar-route-target");
    };
    expect(await ask()).toBeNull(); // no readings yet: the strategy abstains and SWRR picks (no route headers)
    const read = ["a", "b"].filter((n) => lane(rt, n).state.headroom !== undefined);
    expect(read).toHaveLength(1); // the served lane's reading arrived with its answer
    const served = read[0]!;
    expect(lane(rt, served).state.headroom).toEqual({ value: served === "a" ? 0.1 : 0.9, until: clock.getTime() + 30_000 });
    expect(await ask()).toBe(served); // the only member with a reading ranks first; the unread one is demoted (§11.1)
  });
});

describe("provider rate-limit headers (upstream/ratelimits.ts)", () => {
  test("OpenAI: the smaller of requests and tokens, valid until the sooner reset", () => {
    const h = new Headers({
      "x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "80", "x-ratelimit-reset-requests": "12s",
      "x-ratelimit-limit-tokens": "10000", "x-ratelimit-remaining-tokens": "2500", "x-ratelimit-reset-tokens": "6m0s",
    });
    expect(readHeadroom(h, 1_000)).toEqual({ value: 0.25, until: 13_000 });
  });
  test("Anthropic: RFC 3339 resets", () => {
    const now = Date.parse("2026-11-22T12:00:00Z");
    const h = new Headers({
      "anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "40",
      "anthropic-ratelimit-requests-reset": "2026-11-22T12:00:30Z",
    });
    expect(readHeadroom(h, now)).toEqual({ value: 0.8, until: now + 30_000 });
  });
  test("no headers, or nonsense, is no reading; an unknown reset trusts it for a minute", () => {
    expect(readHeadroom(new Headers(), 0)).toBeUndefined();
    expect(readHeadroom(new Headers({ "x-ratelimit-limit-requests": "0", "x-ratelimit-remaining-requests": "5" }), 0)).toBeUndefined();
    expect(readHeadroom(new Headers({ "x-ratelimit-limit-requests": "10", "x-ratelimit-remaining-requests": "5" }), 0)).toEqual({ value: 0.5, until: 60_000 });
    expect(parseDuration("1h2m3.5s")).toBe(3_723_500);
    expect(parseDuration("250ms")).toBe(250);
    expect(parseDuration("soon")).toBeUndefined();
  });
});
