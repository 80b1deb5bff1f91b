// platform.md §8 OBS-02 and OBS-03 through a real gateway: a scripted mix of traffic (ok, client error, failover
// with a breaker trip and its half-open probe, translation, exhaustion), then /metrics parsed by Prometheus's own
// parser and every counter compared with what the script did. The clock is moved by hand; requests to A are held
// at a fetch gate to observe the half-open state, never with sleeps.
import { afterEach, describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { chat, fetchGate, manualClock, membersYaml, servedBy, toMember, until } from "../e2e/reliability-kit.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { type PromFamily, parseExposition, promtoolProblems, sampleValue, seriesCount } from "../helpers/prom-parse.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ text: string; fams: PromFamily[] }> {
  const res = await fetch(`${url}/metrics`, { headers });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toStartWith("text/plain; version=0.0.4");
  const text = await res.text();
  return { text, fams: await parseExposition(text) };
}

const POOLS = [
  "  p: { members: [ { target: A, weight: 100 }, { target: B } ], breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 10 } }",
  "  x: { members: [ { target: C } ] }",
  "  e: { members: [ { target: E } ] }",
].join("\n");

async function gateway() {
  const clock = manualClock();
  const gate = fetchGate(toMember("A"), { closed: false });
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai", C: "anthropic", E: "openai" }, POOLS),
    runtime: { jitter: zeroJitter, now: clock.now, fetch: gate.fetch },
    mock: { memberTag: true },
  });
  return { g: gw, clock, gate, ctl: mockControl(gw.mock.url) };
}

describe("OBS-02: the scripted workload, counted exactly", () => {
  test("ok, client error, failover + trip, half-open probe, translation and exhaustion", async () => {
    const { g, clock, gate, ctl } = await gateway();
    const state = async () => sampleValue((await scrape(g.url)).fams, "busbar_lane_state", { pool: "p", lane: "A" });

    expect(await servedBy(await chat(g.url, "p"))).toBe("A"); // ok
    expect(await state()).toBe(0);

    await ctl.queue("A", { kind: "invalid_request" });
    expect((await chat(g.url, "p")).status).toBe(400); // the client's fault: relayed, no failover

    await ctl.queue("A", { kind: "server_error" });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B"); // A fails, trips (n=1), B serves
    expect(await state()).toBe(2);

    clock.advance(10_000); // the cooldown is over: the next request to p probes A
    gate.close();
    const probe = chat(g.url, "p");
    await until(() => gate.held === 1);
    expect(await state()).toBe(1); // half-open while the probe is in flight
    gate.release();
    expect(await servedBy(await probe)).toBe("A");
    expect(await state()).toBe(0);

    expect(await servedBy(await chat(g.url, "x"))).toBe("C"); // openai → anthropic

    await ctl.setDefault("E", { kind: "server_error" });
    expect((await chat(g.url, "e")).status).toBe(503); // E fails, nothing left: exhausted

    await fetch(`${g.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: `no-such-${crypto.randomUUID()}`, messages: [] }) });

    const { text, fams } = await scrape(g.url);
    const v = (name: string, labels: Record<string, string> = {}) => sampleValue(fams, name, labels);
    const req = (pool: string, outcome: string) => v("busbar_requests_total", { ingress_protocol: "openai", pool, outcome });
    expect(req("p", "ok")).toBe(3);
    expect(req("p", "client_error")).toBe(1);
    expect(req("x", "ok")).toBe(1);
    expect(req("e", "exhausted")).toBe(1);
    expect(req("unresolved", "client_error")).toBe(1);
    expect(v("busbar_request_duration_seconds_count", { ingress_protocol: "openai", pool: "p" })).toBe(4);
    expect(v("busbar_gateway_overhead_seconds_count", { ingress_protocol: "openai" })).toBe(7);

    expect(v("busbar_upstream_attempts_total", { pool: "p", lane: "A" })).toBe(4);
    expect(v("busbar_upstream_attempts_total", { pool: "p", lane: "B" })).toBe(1);
    expect(v("busbar_upstream_attempts_total", { pool: "e", lane: "E" })).toBe(1);
    expect(v("busbar_upstream_failures_total", { pool: "p", lane: "A", disposition: "transient_upstream" })).toBe(1);
    expect(v("busbar_upstream_failures_total", { pool: "e", lane: "E", disposition: "transient_upstream" })).toBe(1);
    expect(v("busbar_upstream_failures_total", { pool: "p", lane: "B", disposition: "transient_upstream" })).toBeUndefined();
    expect(v("busbar_failovers_total", { pool: "p", reason: "transient_upstream" })).toBe(1);
    expect(v("busbar_breaker_trips_total", { pool: "p", lane: "A" })).toBe(1);
    expect(v("busbar_breaker_trips_total", { pool: "p", lane: "B" })).toBe(0);
    expect(v("busbar_translations_total", { from: "openai", to: "anthropic" })).toBe(1);
    expect(v("busbar_translations_total", { from: "openai", to: "openai" })).toBeUndefined();
    expect(v("busbar_inflight_requests")).toBe(0);
    expect(v("busbar_build_info", { version: expect.any(String) as unknown as string })).toBeUndefined(); // labels must match exactly
    expect(fams.find((f) => f.name === "busbar_build_info")?.samples[0]?.value).toBe(1);
    expect(v("process_resident_memory_bytes")).toBeGreaterThan(1_000_000);
    expect(v("process_start_time_seconds")).toBeGreaterThan(1_700_000_000);

    // Every §5.2 family is exposed (the governance ones are tested with governance on, in metrics-governance).
    const names = new Set(fams.map((f) => f.name));
    for (const n of ["busbar_requests", "busbar_request_duration_seconds", "busbar_upstream_attempts", "busbar_upstream_failures",
      "busbar_breaker_trips", "busbar_failovers", "busbar_translations", "busbar_lane_state", "busbar_route_policy_selections",
      "busbar_webhook_logs_dropped", "busbar_otlp_spans_dropped", "busbar_gateway_overhead_seconds", "busbar_inflight_requests",
      "busbar_build_info", "process_resident_memory_bytes", "process_start_time_seconds"]) {
      expect(names.has(n)).toBe(true);
    }
    expect(await promtoolProblems(text)).toEqual([]);
  });
});

describe("OBS-03: label values come from the operator's config only", () => {
  test("10 000 random model names leave the series count unchanged", async () => {
    const { g } = await gateway();
    const random = () => fetch(`${g.url}/v1/chat/completions`, {
      method: "POST", body: JSON.stringify({ model: `m-${crypto.randomUUID()}`, messages: [{ role: "user", content: "hi" }] }),
    }).then((r) => r.arrayBuffer());
    await random(); // the `unresolved` series exist from here on
    const before = seriesCount((await scrape(g.url)).fams);
    for (let i = 0; i < 100; i++) await Promise.all(Array.from({ length: 100 }, random));
    const { fams } = await scrape(g.url);
    expect(seriesCount(fams)).toBe(before);
    expect(sampleValue(fams, "busbar_requests_total", { ingress_protocol: "openai", pool: "unresolved", outcome: "client_error" })).toBe(10_001);
  }, 60_000);

  test("ad-hoc /{provider}/{model}/ lanes share one `adhoc` label", async () => {
    const { g } = await gateway();
    for (const model of ["one", "two", "three"]) {
      const res = await fetch(`${g.url}/up-anthropic/${model}/v1/messages`, {
        method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(res.status).toBe(200);
      await res.arrayBuffer();
    }
    const { fams } = await scrape(g.url);
    expect(sampleValue(fams, "busbar_requests_total", { ingress_protocol: "anthropic", pool: "adhoc", outcome: "ok" })).toBe(3);
    expect(sampleValue(fams, "busbar_upstream_attempts_total", { pool: "adhoc", lane: "adhoc" })).toBe(3);
    expect(JSON.stringify(fams)).not.toContain("two");
  });
});

describe("decision 5: /metrics auth", () => {
  const yaml = (m: string, extra: string) => membersYaml(m, { A: "openai" }, "  p: { members: [ { target: A } ] }",
    `auth: { mode: token, client_tokens: ["data-token"] }\n${extra}`);

  test("the data-plane token, or metrics.token; nothing else", async () => {
    gw = await startGateway({ yaml: (m) => yaml(m, "metrics: { token: scrape-token }") });
    const status = async (h: Record<string, string>) => (await fetch(`${gw!.url}/metrics`, { headers: h })).status;
    expect(await status({})).toBe(401);
    expect(await status({ authorization: "Bearer wrong" })).toBe(401);
    expect(await status({ authorization: "Bearer data-token" })).toBe(200);
    expect(await status({ authorization: "Bearer scrape-token" })).toBe(200);
  });

  test("the metrics token is not a data-plane token", async () => {
    gw = await startGateway({ yaml: (m) => yaml(m, "metrics: { token: scrape-token }") });
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: "Bearer scrape-token" }, body: JSON.stringify({ model: "p", messages: [] }),
    });
    expect(res.status).toBe(401);
  });
});
