// Webhook routing policy (reliability.md §11.3): the operator's answer orders, restricts or rejects; a timeout, a
// 500, garbage, a slow or a dead webhook fall back to the native order and the request still succeeds, within the
// timeout plus a small margin.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { errorsOf, load, MINIMAL } from "../config/helpers.ts";
import { chat, membersYaml, servedBy } from "../e2e/reliability-kit.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";

type Mode = { kind: "reply"; body: unknown } | { kind: "status"; status: number } | { kind: "garbage" } | { kind: "hang" };
let mode: Mode = { kind: "reply", body: {} };
const seenBodies: unknown[] = [];
const hooks = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    seenBodies.push(await req.json());
    switch (mode.kind) {
      case "reply": return Response.json(mode.body);
      case "status": return new Response("nope", { status: mode.status });
      case "garbage": return new Response("{not json", { headers: { "content-type": "application/json" } });
      case "hang": return new Promise<Response>((resolve) => setTimeout(() => resolve(Response.json({ order: [2] })), 1000));
    }
  },
});

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { a: "openai", b: "anthropic", c: "gemini" },
      `  x: { policy: { name: webhook, url: "http://127.0.0.1:${hooks.port}/route", timeout_ms: 60 }, members: [ { target: a, tags: [eu] }, { target: b, tags: [us] }, { target: c, tags: [eu] } ] }
  y: { policy: { name: webhook, url: "http://127.0.0.1:1/dead", timeout_ms: 60, on_error: first }, members: [ { target: b }, { target: a } ] }
  z: { policy: { name: webhook, url: "http://127.0.0.1:${hooks.port}/route", timeout_ms: 60, on_error: reject }, members: [ { target: a } ] }
  w: { policy: { name: webhook, url: "http://127.0.0.1:${hooks.port}/route", timeout_ms: 60, cache_ms: 600000 }, members: [ { target: a }, { target: b }, { target: c } ] }`),
    mock: { memberTag: true },
  });
});
afterAll(async () => {
  await gw.stop();
  await hooks.stop(true);
});

async function timed(model = "x"): Promise<{ member: string; ms: number }> {
  const t = performance.now();
  const member = await servedBy(await chat(gw.url, model));
  return { member, ms: performance.now() - t };
}

describe("the webhook decides", () => {
  test("its order wins, and it sees the request's shape and the candidates, never the text", async () => {
    mode = { kind: "reply", body: { order: [2, 0] } };
    expect((await timed()).member).toBe("c");
    const marked = await chat(gw.url, "x");
    expect([marked.headers.get("x-busbar-route-policy"), marked.headers.get("x-busbar-route-target")]).toEqual(["webhook", "c"]);
    await marked.arrayBuffer();
    const sent = seenBodies.at(-1) as { version: number; request: Record<string, unknown>; candidates: { idx: number; model: string; tags: string[] }[] };
    expect(sent.version).toBe(1);
    expect(sent.request).toMatchObject({ pool: "x", ingress_protocol: "openai", requested_model: "x", message_count: 1, stream: false });
    expect(sent.candidates.map((c) => [c.idx, c.model, c.tags])).toEqual([[0, "a", ["eu"]], [1, "b", ["us"]], [2, "c", ["eu"]]]);
    expect(JSON.stringify(sent)).not.toContain('"hi"');
  });

  test("rate_headroom is the provider's last reported headroom until its reset, else null; webhook lanes track it", async () => {
    const members = gw.rt.resolver.pools.get("x")!.members;
    expect(members.map((m) => m.lane.state.trackRateLimits)).toEqual([true, true, true]);
    const now = gw.rt.nowMs();
    members[0]!.lane.state.headroom = { value: 0.25, until: now + 60_000 };
    members[1]!.lane.state.headroom = { value: 0.75, until: now - 1 }; // its reset has passed
    try {
      mode = { kind: "reply", body: {} };
      await (await chat(gw.url, "x")).arrayBuffer();
      const sent = seenBodies.at(-1) as { candidates: { rate_headroom: number | null }[] };
      expect(sent.candidates.map((c) => c.rate_headroom)).toEqual([0.25, null, null]);
    } finally {
      members[0]!.lane.state.headroom = undefined;
      members[1]!.lane.state.headroom = undefined;
    }
  });

  test("restrict narrows the members; an empty restriction is a native 503 (on_empty: reject)", async () => {
    mode = { kind: "reply", body: { restrict: { tags_any: ["us"] } } };
    expect((await timed()).member).toBe("b");
    mode = { kind: "reply", body: { restrict: { models: ["nope"] } } };
    const res = await chat(gw.url, "x");
    expect(res.status).toBe(503);
    await res.arrayBuffer();
  });

  test("reject ends the request before any upstream call, with a clamped status and a cleaned message", async () => {
    mode = { kind: "reply", body: { reject: { status: 999, message: "not\r\nfor you" } } };
    const before = gw.mock.requests.length;
    const res = await chat(gw.url, "x");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toBe("notfor you");
    expect(gw.mock.requests.length).toBe(before);
  });
});

describe("failures fall back (on_error) and the request still succeeds", () => {
  test.each<[string, Mode]>([
    ["a 500", { kind: "status", status: 500 }],
    ["garbage JSON", { kind: "garbage" }],
    ["a slow webhook (past timeout_ms)", { kind: "hang" }],
  ])("%s → the native order, within the timeout plus a margin", async (_, m) => {
    mode = m;
    const r = await timed();
    expect(["a", "b", "c"]).toContain(r.member);
    expect(r.ms).toBeLessThan(60 + 400);
  });

  test("a dead webhook with on_error: first → list order", async () => {
    for (let i = 0; i < 3; i++) expect((await timed("y")).member).toBe("b");
  });

  test("an abstaining webhook leaves SWRR to decide, and the answer carries no route headers", async () => {
    mode = { kind: "reply", body: {} };
    const res = await chat(gw.url, "x");
    expect(res.headers.get("x-busbar-route-policy")).toBeNull();
    await res.arrayBuffer();
  });

  test("on_error: reject → a native 503 with no upstream call", async () => {
    mode = { kind: "status", status: 500 };
    const before = gw.mock.requests.length;
    const res = await chat(gw.url, "z");
    expect(res.status).toBe(503);
    await res.arrayBuffer();
    expect(gw.mock.requests.length).toBe(before);
  });
});

describe("cache_ms", () => {
  test("a decision is reused for requests of the same shape; another shape asks again; a failure is never kept", async () => {
    mode = { kind: "status", status: 500 };
    const asked = () => seenBodies.filter((b) => (b as { request: { pool: string } }).request.pool === "w").length;
    await servedBy(await chat(gw.url, "w")); // fails: on_error weighted, not cached
    expect(asked()).toBe(1);
    mode = { kind: "reply", body: { order: [1] } };
    expect(await servedBy(await chat(gw.url, "w"))).toBe("b");
    expect(asked()).toBe(2);
    mode = { kind: "reply", body: { order: [2] } }; // the cached answer still rules this shape
    for (let i = 0; i < 3; i++) expect(await servedBy(await chat(gw.url, "w"))).toBe("b");
    expect(asked()).toBe(2);
    const streamed = await chat(gw.url, "w", { stream: true }); // another shape: asked again
    expect(await streamed.text()).toContain("member=c");
    expect(asked()).toBe(3);
  });
});

describe("with governance", () => {
  test("the context names the caller's virtual key (key_id), never its secret", async () => {
    const admin = "admin-token-for-webhook-tests-1";
    const g = await startGateway({
      yaml: (m) => `${membersYaml(m, { a: "openai" }, `  k: { policy: { name: webhook, url: "http://127.0.0.1:${hooks.port}/route", timeout_ms: 200 }, members: [ { target: a } ] }`, "auth: { mode: token }")}
governance: { enabled: true, store: { kind: memory }, key_cache_ms: 0 }
admin: { listen: "127.0.0.1:0", token: "${admin}" }
`,
      mock: { memberTag: true },
    });
    try {
      const minted = await fetch(`${g.adminUrl}/api/v1/admin/keys`, {
        method: "POST", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ name: "team" }),
      });
      const key = await minted.json() as { id: string; secret: string };
      mode = { kind: "reply", body: {} };
      const res = await chat(g.url, "k", { headers: { authorization: `Bearer ${key.secret}` } });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
      const sent = seenBodies.at(-1) as { context: Record<string, unknown> };
      expect(sent.context).toMatchObject({ pool: "k", key_id: key.id });
      expect(key.id).toStartWith("vk_");
      expect(JSON.stringify(sent)).not.toContain(key.secret);
    } finally {
      await g.stop();
    }
  });
});

describe("the webhook url at load", () => {
  const pool = (url: string) => `${MINIMAL}pools:\n  p: { policy: { name: webhook, url: "${url}" }, members: [ { target: gpt } ] }\n`;
  test.each([
    ["http://10.0.0.5/route", "pools.p.policy.url: 10.0.0.5 is a private address; a routing webhook may be loopback or a public https:// host"],
    ["https://169.254.169.254/", "pools.p.policy.url: 169.254.169.254 is a metadata address; a routing webhook may be loopback or a public https:// host"],
    ["http://policy.example.com/", "pools.p.policy.url: https:// is required for policy.example.com (plain http:// only on loopback)"],
  ])("%s is refused", (url, msg) => {
    expect(errorsOf(load(pool(url)))).toEqual([`config.yaml: ${msg}`]);
  });
  test("loopback http and public https load; a webhook without url, or a url on another policy, does not", () => {
    expect(load(pool("http://127.0.0.1:9000/route")).ok).toBe(true);
    expect(load(pool("https://policy.example.com/route")).ok).toBe(true);
    expect(errorsOf(load(`${MINIMAL}pools:\n  p: { policy: { name: webhook }, members: [ { target: gpt } ] }\n`))).toEqual(["config.yaml: pools.p.policy.url: a webhook policy needs the url it asks"]);
    expect(errorsOf(load(`${MINIMAL}pools:\n  p: { policy: { name: weighted, url: "http://127.0.0.1/" }, members: [ { target: gpt } ] }\n`))).toEqual(["config.yaml: pools.p.policy.url: only a webhook policy takes a url (policy.name is weighted)"]);
  });
});
