// Script routing policy (reliability.md §11.4; issue #9): the operator's route() in the QuickJS sandbox, in worker
// threads, orders, restricts, rejects or abstains; a runaway loop, a native loop, a huge allocation, a throw, a
// reach for fetch/require/process, a deep recursion or a bad reply is contained, falls back per on_error and the
// request still succeeds; busy workers are `saturated`; a breach rebuilds the sandbox or replaces the worker; a
// script that does not compile stops startup with the pool and line named.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { scriptDecision, scriptInput, scriptProblems, workersFor } from "../../src/route/script-policy.ts";
import { ScriptInstance, scriptEngine } from "../../src/route/script/sandbox.ts";
import { policyPayload } from "../../src/route/webhook-policy.ts";
import type { Pool } from "../../src/route/lanes.ts";
import { markers, membersYaml } from "../e2e/reliability-kit.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { errorsOf, load } from "../config/helpers.ts";

const SCRIPTS = {
  reverse: "function route(req, c, ctx) { return c.map((m) => m.idx).reverse(); }",
  byModel: "function route(req, c) { return { order: [c.find((m) => m.model === 'C').idx] }; }",
  restrict: "function route() { return { restrict: { models: ['B'] } }; }",
  reject: "function route(req) { return { reject: { status: 429, message: 'slow down, ' + req.pool } }; }",
  abstainNull: "function route() { return null; }",
  abstainEmpty: "function route() { return []; }",
  loop: "function route() { while (true) {} }",
  alloc: "function route() { const a = []; for (;;) a.push(new Array(1 << 20).fill(1.5)); }",
  nativeLoop: "function route() { const a = []; for (;;) a.push(new Array(1 << 20).fill(1.5)); }",
  gib: "function route() { return new Array(1 << 28).fill(1).length; }",
  throws: "function route() { throw new Error('boom'); }",
  escape: "function route() { return [typeof fetch, typeof require, typeof process, typeof Bun, typeof Date, typeof Math.random].join(); }",
  callFetch: "function route() { return fetch('http://127.0.0.1:1/'); }",
  recurse: "function route() { const f = (n) => f(n + 1) + 1; return f(0); }",
  garbage: "function route() { return 'C first please'; }",
} as const;

// `nativeLoop` and `alloc` are the same script under two pools: a second source would share their workers.
const pools = Object.entries(SCRIPTS).map(([name, src]) =>
  `  ${name}: { members: [ { target: A }, { target: B }, { target: C } ], policy: { name: script, script: ${JSON.stringify(name === "nativeLoop" ? `${src} // native` : src)}, timeout_ms: 20, instances: 2 } }`).join("\n");

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (m) => membersYaml(m, { A: "openai", B: "openai", C: "openai" }, pools), mock: { memberTag: true } });
});
afterAll(() => gw.stop());

const pool = (name: string): Pool => gw.rt.resolver.pools.get(name)!;
const decide = (name: keyof typeof SCRIPTS) => scriptDecision(gw.rt, pool(name), pool(name).spec.script!, {
  caller: "openai", body: { model: name, messages: [{ role: "user", content: "secret prompt" }] }, bodyChars: 60, stream: false, deadlineMs: 1000, keyId: undefined,
});
const orderOf = async (name: keyof typeof SCRIPTS) => {
  const d = await decide(name);
  return d.kind === "decide" ? d.order?.map((m) => m.lane.name) : d.kind;
};

describe("decisions", () => {
  test("an index array is the order; a PolicyReply's order too", async () => {
    expect(await orderOf("reverse")).toEqual(["C", "B", "A"]);
    expect(await orderOf("byModel")).toEqual(["C"]);
    expect((await decide("reverse")).outcome).toBe("prefer");
  });

  test("restrict narrows, reject refuses with the clamped status, null and [] abstain", async () => {
    const r = await decide("restrict");
    expect(r.kind === "decide" && pool("restrict").members.filter((m) => r.allowed?.(m)).map((m) => m.lane.name)).toEqual(["B"]);
    const rej = await decide("reject");
    expect(rej.kind === "reject" && rej.error).toEqual({ kind: "rate_limit", message: "slow down, reject" });
    for (const n of ["abstainNull", "abstainEmpty"] as const) expect(await decide(n)).toMatchObject({ kind: "decide", order: undefined, outcome: "abstain" });
  });

  // An allocation ends in the engine's out-of-memory error or, when reaching the heap cap takes longer than the
  // call's wall-clock bound, in a timeout with the worker replaced: either way contained.
  test.each([
    ["loop", ["timeout"]], ["alloc", ["error", "timeout"]], ["nativeLoop", ["error", "timeout"]], ["gib", ["error", "timeout"]], ["throws", ["error"]],
    ["callFetch", ["error"]], ["recurse", ["error"]], ["garbage", ["error"]],
  ] as const)("%s is contained: falls back (on_error: weighted) with outcome %p", async (name, outcomes) => {
    const workers = await workersFor(pool(name).spec.script!, gw.rt.log);
    await workers.settled();
    const first = await decide(name);
    expect(first).toMatchObject({ kind: "decide", order: undefined, allowed: undefined });
    expect(outcomes as readonly string[]).toContain(first.outcome);
    // Rebuilt after the breach (a fresh sandbox, or a fresh worker): the next call is answered the same way.
    await workers.settled();
    expect(outcomes as readonly string[]).toContain((await decide(name)).outcome);
  });

  test("all workers busy: saturated at once, on_error applies", async () => {
    const workers = await workersFor(pool("loop").spec.script!, gw.rt.log);
    await workers.settled();
    const busy = Array.from({ length: pool("loop").spec.script!.instances }, () => decide("loop"));
    expect((await decide("loop")).outcome).toBe("saturated");
    for (const d of await Promise.all(busy)) expect(d.outcome).toBe("timeout");
  });

  test("nothing of the host is in reach: no fetch, require, process, Bun, clock or randomness", async () => {
    expect(await decide("escape")).toMatchObject({ outcome: "error" }); // a string is not a reply…
    const inst = new ScriptInstance(await scriptEngine(), SCRIPTS.escape, () => {});
    inst.setStatics(1, "[]");
    expect(inst.run("[1,[],[],[]]", 50)).toEqual({ ok: true, json: '"undefined,undefined,undefined,undefined,undefined,undefined"' });
    inst.dispose();
  });

  test("the script sees exactly the §11.2 objects a webhook gets, never the prompt", async () => {
    const seen: string[] = []; // one log line each: a line is capped at 1 KiB
    const inst = new ScriptInstance(await scriptEngine(), "function route(r, c, x) { for (const o of [r, ...c, x]) log(JSON.stringify(o)); return null; }", (m) => seen.push(m));
    const info = { caller: "openai", body: { model: "reverse", messages: [{ role: "user", content: "secret prompt" }], max_tokens: 77 }, bodyChars: 60, stream: true, deadlineMs: 900, keyId: "vk_test" } as const;
    const { statics, input } = scriptInput(gw.rt, pool("reverse"), info);
    inst.setStatics(statics.key, statics.json);
    expect(inst.run(input, 50)).toEqual({ ok: true, json: "null" });
    const p = policyPayload(gw.rt, pool("reverse"), info);
    const got = seen.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(got).toEqual([p.request, ...p.candidates, p.context]);
    expect(Object.keys(got[1]!)).toEqual(Object.keys(p.candidates[0]!)); // and in the same key order
    expect(p.request).toMatchObject({ pool: "reverse", ingress_protocol: "openai", message_count: 1, stream: true, max_tokens: 77 });
    expect(p.candidates.map((c) => c["model"])).toEqual(["A", "B", "C"]);
    expect(p.context).toMatchObject({ pool: "reverse", key_id: "vk_test", deadline_ms: 900 });
    expect(seen.join()).not.toContain("secret");
    inst.dispose();
  });

  test("statics are sent once per worker and kept through a sandbox rebuild; a script cannot edit them", async () => {
    const seen: string[] = [];
    const inst = new ScriptInstance(await scriptEngine(), `function route(r, c) {
      log(c.map((m) => m.model + ":" + m.tags.join("+")).join());
      c[0].tags.push("edited");
      if (r.requested_model === "boom") throw new Error("boom");
      return null;
    }`, (m) => seen.push(m));
    inst.setStatics(7, JSON.stringify([[0, "A", "p", "openai", 1, null, null, ["fast"], null, 4]]));
    const call = (model: string) => inst.run(JSON.stringify([7, ["pool", "openai", model, 1, 0, false, 10, null, null, false], [1, 4, null, null, false], ["pool", null, null, null, 5]]), 50);
    expect(call("x").ok).toBe(true);
    expect(call("boom").ok).toBe(false); // a throw rebuilds the sandbox…
    expect(call("x").ok).toBe(true); // …which still knows the set
    expect(seen).toEqual(["A:fast", "A:fast", "A:fast"]);
    inst.setStatics(8, "[]", true); // a reset forgets set 7
    expect(call("x")).toMatchObject({ ok: false, message: expect.stringContaining("unknown candidate set 7") });
    inst.dispose();
  });

  test("a script cannot reach or replace the call wrapper", async () => {
    const inst = new ScriptInstance(await scriptEngine(), `var __busbar_call = () => JSON.stringify([2]);
      function route() { return [typeof globalThis.__busbar_static, typeof __busbar_call]; }`, () => {});
    inst.setStatics(1, "[]");
    expect(inst.run("[1,[],[],[]]", 50)).toEqual({ ok: true, json: '["undefined","function"]' });
    inst.dispose();
  });
});

describe("through the gateway with the OpenAI SDK", () => {
  test("the script's pick serves, marked x-busbar-route-policy: script", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({ model: "byModel", messages: [{ role: "user", content: "hi" }] }).withResponse();
    expect(markers(data.choices[0]!.message.content ?? "")).toEqual(["C"]);
    expect([response.headers.get("x-busbar-route-policy"), response.headers.get("x-busbar-route-target")]).toEqual(["script", "C"]);
  });

  test("runaway, allocating, throwing and escaping scripts: every request succeeds and the gateway keeps serving", async () => {
    const client = new OpenAI({ baseURL: `${gw.url}/v1`, apiKey: "unused", maxRetries: 0 });
    for (const model of ["loop", "alloc", "gib", "throws", "callFetch", "recurse", "garbage", "escape", "loop"]) {
      const r = await client.chat.completions.create({ model, messages: [{ role: "user", content: "hi" }] });
      expect(markers(r.choices[0]!.message.content ?? "")).toHaveLength(1);
    }
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toMatch(/busbar_route_decisions_total\{pool="throws",policy="script",outcome="error"\} [1-9]/);
    expect(metrics).toMatch(/busbar_route_decision_seconds_count\{pool="loop",policy="script"\} [1-9]/);
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });

  test("reject answers in the caller's dialect with no upstream call", async () => {
    const before = gw.mock.requests.length;
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "reject", messages: [] }) });
    expect(res.status).toBe(429);
    expect((await res.json() as { error: { message: string } }).error.message).toBe("slow down, reject");
    expect(gw.mock.requests.length).toBe(before);
  });
});

describe("startup", () => {
  const cfg = (policy: string) => `providers:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  gpt: { provider: openai }\npools:\n  p: { members: [ { target: gpt } ], policy: ${policy} }\n`;

  test("a syntax error or a missing route() names the pool and the line", async () => {
    const broken = load(cfg('{ name: script, script: "function route() {\\n  return [0;\\n}" }'));
    const missing = load(cfg('{ name: script, script: "function rout() { return [] }" }'));
    if (!broken.ok || !missing.ok) throw new Error("the schema should accept these");
    expect(await scriptProblems(broken.config.pools, gw.rt.log)).toEqual([expect.stringMatching(/^pools\.p\.policy\.script: SyntaxError: .*\(line 2\)$/)]);
    expect(await scriptProblems(missing.config.pools, gw.rt.log)).toEqual(["pools.p.policy.script: the script defines no function route(req, candidates, ctx)"]);
  });

  test("exactly one of script and script_file; neither on other policies; an unreadable file", () => {
    expect(errorsOf(load(cfg("{ name: script }")))).toEqual(["config.yaml: pools.p.policy.script: a script policy needs its source: policy.script or policy.script_file"]);
    expect(errorsOf(load(cfg('{ name: script, script: "x", script_file: /a.js }')))).toEqual(["config.yaml: pools.p.policy.script: set policy.script or policy.script_file, not both"]);
    expect(errorsOf(load(cfg('{ name: cheapest, script: "x" }')))).toEqual(["config.yaml: pools.p.policy.script: only a script policy takes script (policy.name is cheapest)"]);
    expect(errorsOf(load(cfg("{ name: script, script_file: /nope.js }")))).toEqual(["config.yaml: pools.p.policy.script_file: cannot read /nope.js"]);
    const fromFile = load(cfg("{ name: script, script_file: /p.js }"), { readFile: () => "function route() { return [0]; }" });
    expect(fromFile.ok && fromFile.config.pools["p"]?.script).toEqual({ source: "function route() { return [0]; }", origin: "/p.js", timeoutMs: 5, instances: expect.any(Number), onError: "weighted", onEmpty: "reject" });
  });
});
