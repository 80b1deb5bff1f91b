// reliability.md §13.2 health cases (§10): a dead-mode probe brings a hard-downed lane back in every pool, with the
// §10 probe body for each protocol (case 32); active-mode probes can trip a lane (case 33); scheduling skips the
// first interval, never probes a lane without a key, and a rejected probe changes nothing (case 34).
//
// The app runs in-process without a listener (serve.ts would start a real prober on real intervals); the test
// drives its own HealthProber with an injected `every` and calls `tick()` for each interval that passes.
import { afterEach, describe, expect, test } from "bun:test";
import { createApp } from "../../src/app.ts";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import { mockControl, type MockUpstream, startMockUpstream } from "../../src/mock/index.ts";
import type { Logger } from "../../src/observe/log.ts";
import { type Cell, zeroJitter } from "../../src/route/breaker.ts";
import { type Every, HealthProber } from "../../src/route/health.ts";
import type { Lane } from "../../src/route/lanes.ts";
import { buildRuntime, type Runtime } from "../../src/runtime.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml } from "../helpers/gateway.ts";
import { manualClock, PROTOS, type Proto } from "./reliability-kit.ts";

let mock: MockUpstream | undefined;
afterEach(async () => {
  await mock?.stop();
  mock = undefined;
});

interface Rig {
  readonly rt: Runtime;
  readonly mock: MockUpstream;
  readonly warnings: { msg: string; fields: Record<string, unknown> | undefined }[];
  /** One request through the gateway app, as an OpenAI caller. */
  chat(model: string): Promise<Response>;
  lane(name: string): Lane;
}

function rig(yaml: (mock: string) => string, env: Record<string, string> = LANE_ENV): Rig {
  mock = startMockUpstream({ port: 0, faults: true, memberTag: true });
  const loaded = loadConfig({ configText: yaml(mock.url), configFile: "config.yaml", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  const warnings: Rig["warnings"] = [];
  const log: Logger = { debug() {}, info() {}, error() {}, warn: (msg, fields) => warnings.push({ msg, fields }) };
  const clock = manualClock();
  const rt = buildRuntime(loaded.config, { jitter: zeroJitter, now: clock.now, log });
  const app = createApp(rt);
  const m = mock;
  return {
    rt, mock: m, warnings,
    chat: async (model) => app.request("/v1/chat/completions", {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}` },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    }),
    lane: (name) => rt.resolver.lanes.get(name) ?? (() => { throw new Error(`no lane ${name}`); })(),
  };
}

/** An `every` that fires only when the test says an interval has passed. */
function manualEvery() {
  const timers: { ms: number; fn: () => void; live: boolean }[] = [];
  const every: Every = (ms, fn) => {
    const t = { ms, fn, live: true };
    timers.push(t);
    return () => { t.live = false; };
  };
  return { every, timers, fire: () => { for (const t of timers) if (t.live) t.fn(); } };
}

const view = (c: Cell) => ({ state: c.state, streak: c.streak, cooldownUntil: c.cooldownUntil, trips: c.trips, deadReason: c.deadReason });
const upstreamOf = (p: Proto) => (p === "bedrock" ? "vendor.model-v1:0" : `upstream-${p}`);

/** §10: each protocol's probe, path and body, with M the lane's upstream model. */
function probeFor(p: Proto, m: string): { path: string; body: unknown } {
  const chat = { model: m, max_tokens: 1, messages: [{ role: "user", content: "ping" }] };
  switch (p) {
    case "anthropic": return { path: "/v1/messages", body: chat };
    case "openai": return { path: "/v1/chat/completions", body: chat };
    case "cohere": return { path: "/v2/chat", body: chat };
    case "responses": return { path: "/v1/responses", body: { model: m, input: "ping", max_output_tokens: 16 } };
    case "gemini": return { path: `/v1beta/models/${m}:generateContent`, body: { contents: [{ role: "user", parts: [{ text: "ping" }] }], generationConfig: { maxOutputTokens: 1 } } };
    case "bedrock": return { path: `/model/${encodeURIComponent(m)}/converse`, body: { messages: [{ role: "user", content: [{ text: "ping" }] }], inferenceConfig: { maxTokens: 1 } } };
  }
}

test("case 32: dead mode, 1 s interval: each hard-downed lane is Closed in all its pools after one tick, and the probe is §10's", async () => {
  const second = PROTOS.map((p) => `  again-${p}: { members: [ { target: m-${p} } ] }`).join("\n");
  const r = rig((m) => sixProtocolYaml(m, `${second}\nhealth: { mode: dead, interval_secs: 1, timeout_secs: 1 }\n`));
  const ctl = mockControl(r.mock.url);
  const timers = manualEvery();
  const prober = new HealthProber(r.rt, r.rt.resolver.lanes.values(), timers.every);
  prober.start();
  expect(timers.timers.map((t) => t.ms)).toEqual(PROTOS.map(() => 1000));

  for (const p of PROTOS) {
    // The lane's key is refused (401): hard-down in every cell, then the mock is fixed (the queue is one-shot).
    await ctl.queue(upstreamOf(p), { kind: "unauthorized" });
    expect((await r.chat(`pool-${p}`)).status).toBe(503);
    const cells = r.lane(`m-${p}`).state.cells;
    expect(cells.length).toBe(3); // default, pool-<p>, again-<p>
    expect(cells.map((c) => [c.state, c.deadReason?.split(":")[0]])).toEqual([["open", "auth"], ["open", "auth"], ["open", "auth"]]);
  }
  r.mock.reset();

  const results = await Promise.all(PROTOS.map((p) => prober.tick(r.lane(`m-${p}`))));
  expect(results).toEqual(PROTOS.map(() => "ok"));
  for (const p of PROTOS) {
    const l = r.lane(`m-${p}`);
    expect(l.state.cells.map((c) => [c.state, c.isReady(r.rt.now().getTime()), c.deadReason])).toEqual([["closed", true, undefined], ["closed", true, undefined], ["closed", true, undefined]]);
    const sent = r.mock.requests.filter((q) => q.protocol === p);
    expect(sent.map((q) => ({ method: q.method, path: q.path, body: q.body, stream: q.stream }))).toEqual([{ method: "POST", ...probeFor(p, upstreamOf(p)), stream: false }]);
    // The lane's own credential went with it (SigV4 for Bedrock).
    const h = sent[0]!.headers;
    expect(h.authorization !== undefined || h["x-api-key"] !== undefined || h["x-goog-api-key"] !== undefined).toBe(true);
  }
  // Healthy now: the next tick of a dead-mode prober sends nothing.
  expect(await prober.tick(r.lane("m-openai"))).toBe("skipped");
  prober.stop();
});

test("case 33: active mode, consecutive n=2, no traffic: two failed probes trip A", async () => {
  const r = rig((m) => sixProtocolYaml(m, "  p: { members: [ { target: m-openai } ], breaker: { trip: { mode: consecutive, n: 2 } } }\nhealth: { mode: active, interval_secs: 1 }\n"));
  await mockControl(r.mock.url).setDefault("upstream-openai", { kind: "server_error" });
  const prober = new HealthProber(r.rt, [], manualEvery().every);
  const a = r.lane("m-openai");
  const cellP = r.rt.resolver.pools.get("p")!.members[0]!.cell;

  expect(await prober.tick(a)).toBe("transient");
  expect(view(cellP)).toMatchObject({ state: "closed", streak: 1, trips: 0, cooldownUntil: 0 }); // D5: no bench
  expect(await prober.tick(a)).toBe("transient");
  expect(view(cellP)).toMatchObject({ state: "open", streak: 2, trips: 1 });
  expect(cellP.cooldownRemainingS(r.rt.now().getTime())).toBe(30); // 15 × 2^(streak − 1) at streak 2
  expect(r.mock.requests.map((q) => q.model)).toEqual(["upstream-openai", "upstream-openai"]);
});

describe("case 34: scheduling and rejected probes", () => {
  test("no probe in the first interval; a lane without a key is never probed", async () => {
    const env = { ...LANE_ENV };
    delete env.LANE_COHERE_KEY; // the cohere lane has no key the gateway could send
    const r = rig((m) => sixProtocolYaml(m, "health: { mode: active, interval_secs: 1 }\n"), env);
    const timers = manualEvery();
    const prober = new HealthProber(r.rt, r.rt.resolver.lanes.values(), timers.every);
    prober.start();
    expect(timers.timers.length).toBe(5); // every lane but cohere's
    for (let i = 0; i < 3; i++) await new Promise((res) => setImmediate(res));
    expect(r.mock.requests.length).toBe(0); // start() probes nothing: the first interval has not passed

    timers.fire(); // the first interval ends
    const want = PROTOS.filter((p) => p !== "cohere").sort();
    while (r.mock.requests.length < want.length) await new Promise((res) => setImmediate(res));
    expect(r.mock.requests.map((q) => q.protocol).sort()).toEqual(want);
    prober.stop();
    expect(timers.timers.every((t) => !t.live)).toBe(true);
  });

  test("a probe answered 400 changes no state and logs a warning", async () => {
    const r = rig((m) => sixProtocolYaml(m, "  p: { members: [ { target: m-openai } ], breaker: { trip: { mode: consecutive, n: 1 } } }\nhealth: { mode: dead, interval_secs: 1 }\n"));
    const ctl = mockControl(r.mock.url);
    // Make A unready so a dead-mode tick probes it: one 500 trips it in p (n = 1).
    await ctl.queue("upstream-openai", { kind: "server_error" }, { kind: "invalid_request" });
    expect((await r.chat("p")).status).toBe(503);
    const a = r.lane("m-openai");
    const before = { cells: a.state.cells.map(view), ok: a.state.ok, err: a.state.err, clientFault: a.state.clientFault };
    expect(view(r.rt.resolver.pools.get("p")!.members[0]!.cell)).toMatchObject({ state: "open", trips: 1 });

    const prober = new HealthProber(r.rt, [], manualEvery().every);
    expect(await prober.tick(a)).toBe("rejected");
    expect({ cells: a.state.cells.map(view), ok: a.state.ok, err: a.state.err, clientFault: a.state.clientFault }).toEqual(before);
    expect(r.warnings.filter((w) => w.msg === "health probe rejected").map((w) => w.fields)).toEqual([{ lane: "m-openai", status: 400, class: "client_error" }]);
  });
});
