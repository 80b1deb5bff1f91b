// reliability.md §13.2 attribution cases through the gateway and the mock: a cross-protocol 400 keeps the upstream
// message (case 9); Retry-After benches a lane for as long as the upstream asked, capped (case 10, spec README D5);
// overload statuses and 5xx are transient, even one that claims a context error (case 11); a refused gateway key
// opens every cell, a refused caller key is relayed (case 12); error_map and Gemini's API_KEY_INVALID (case 13).
// Injected clock, zero jitter (I5).
import { afterEach, describe, expect, test } from "bun:test";
import { type Behaviour, mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { cell, chat, lane, manualClock, membersYaml, type Proto, servedBy, stats } from "./reliability-kit.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** Pool p = A (weight 100, so it is always tried first while ready) and B. */
async function poolAB(o: { proto?: Proto; pool?: string; provider?: string } = {}) {
  const clock = manualClock();
  const proto = o.proto ?? "openai";
  gw = await startGateway({
    yaml: (m) => {
      const y = membersYaml(m, { A: proto, B: proto }, `  p: { members: [ { target: A, weight: 100 }, { target: B } ]${o.pool ?? ""} }`);
      // error_map sits on the provider both members use.
      return o.provider === undefined ? y : y.replace(`  up-${proto}: { protocol: ${proto},`, `  up-${proto}: { protocol: ${proto}, ${o.provider},`);
    },
    runtime: { jitter: zeroJitter, now: clock.now },
    mock: { memberTag: true },
  });
  return { g: gw, clock, ctl: mockControl(gw.mock.url) };
}

/** Who serves each of `n` requests. */
async function servers(url: string, n: number): Promise<string[]> {
  const out: string[] = [];
  for (let i = 0; i < n; i++) out.push(await servedBy(await chat(url, "p")));
  return out;
}

describe("case 10: Retry-After benches A for as long as it asked, even above max_cooldown_secs", () => {
  test("429 with Retry-After 45 and max_cooldown_secs 30: B serves, A gets nothing for 45 s", async () => {
    const { g, clock, ctl } = await poolAB({ pool: ", breaker: { base_cooldown_secs: 10, max_cooldown_secs: 30 }" });
    await ctl.queue("A", { kind: "rate_limited", retry_after: 45 });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    expect(await cell(g.url, "p", "A")).toMatchObject({ state: "closed", ready: false, cooldown_remaining_s: 45, trips: 0 });
    const benched = await servers(g.url, 1); // at once
    clock.advance(30_000); // past max_cooldown_secs
    benched.push(...await servers(g.url, 1));
    clock.advance(14_999); // 1 ms short of 45 s
    benched.push(...await servers(g.url, 1));
    expect(benched).toEqual(["B", "B", "B"]);
    clock.advance(1); // 45 s after the 429
    expect(await servers(g.url, 2)).toEqual(["A", "A"]);
  });

  const capped: [string, Behaviour, number][] = [
    ["Retry-After 999999 is capped at 86400 s", { kind: "rate_limited", retry_after: 999_999 }, 86_400],
    ["an HTTP-date 90 s ahead benches for 90 s", { kind: "rate_limited", retry_after: new Date(manualClock().ms() + 90_000).toUTCString() }, 90],
    ["`soon` is ignored: no bench at all", { kind: "rate_limited", retry_after: "soon" }, 0],
  ];
  for (const [name, behaviour, secs] of capped) {
    test(name, async () => {
      const { g, clock, ctl } = await poolAB({ pool: ", breaker: { base_cooldown_secs: 10, max_cooldown_secs: 30 }" });
      await ctl.queue("A", behaviour);
      expect(await servedBy(await chat(g.url, "p"))).toBe("B");
      expect((await cell(g.url, "p", "A")).cooldown_remaining_s).toBe(secs);
      if (secs > 0) {
        clock.advance(secs * 1000 - 1);
        expect(await servers(g.url, 1)).toEqual(["B"]);
        clock.advance(1);
      }
      expect(await servers(g.url, 1)).toEqual(["A"]);
    });
  }
});

describe("case 11: overload statuses are transient", () => {
  for (const [kind, status] of [["overloaded", 529], ["unavailable", 503]] as const) {
    test(`A answers ${status}: B serves, reason transient_upstream, A penalised`, async () => {
      const { g, ctl } = await poolAB();
      await ctl.queue("A", { kind });
      expect(await servedBy(await chat(g.url, "p"))).toBe("B");
      const p = (await stats(g.url)).pool_state.p!;
      expect({ attempts: p.attempts, failovers: p.failovers }).toEqual({ attempts: 2, failovers: { transient_upstream: 1 } });
      expect(await lane(g.url, "A")).toMatchObject({ err: 1, client_fault: 0, dead: false });
      expect(await cell(g.url, "p", "A")).toMatchObject({ state: "closed", streak: 1, error_rate: 1 });
    });
  }

  test("a 500 carrying code context_length_exceeded is an outage, not a context error: transient, A penalised", async () => {
    const { g, ctl } = await poolAB({ pool: ", breaker: { trip: { mode: consecutive, n: 1 } }" });
    await ctl.queue("A", { kind: "error", status: 500, code: "context_length_exceeded", message: "This model's maximum context length is 8192 tokens." });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ transient_upstream: 1 });
    expect(await lane(g.url, "A")).toMatchObject({ err: 1, client_fault: 0 });
    expect(await cell(g.url, "p", "A")).toMatchObject({ state: "open", trips: 1 }); // n = 1: penalised means tripped
  });
});

describe("case 13: error_map and key rejection", () => {
  test('error_map "1113": billing turns a 400 with that code into a hard-down; B serves', async () => {
    const { g, ctl } = await poolAB({ provider: 'error_map: { "1113": billing }' });
    await ctl.queue("A", { kind: "billing", code: "1113", status: 400 });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ hard_down: 1 });
    const a = await lane(g.url, "A");
    expect({ dead: a.dead, reason: a.dead_reason?.split(":")[0], cooldown: a.cooldown_remaining_s, client_fault: a.client_fault })
      .toEqual({ dead: true, reason: "billing", cooldown: 1800, client_fault: 0 });
    expect(await servers(g.url, 2)).toEqual(["B", "B"]);
  });

  test("without the mapping the same 400 is the client's: relayed, B not called", async () => {
    const { g, ctl } = await poolAB();
    await ctl.queue("A", { kind: "billing", code: "1113", status: 400 });
    expect((await chat(g.url, "p")).status).toBe(400);
    expect(g.mock.requests.map((r) => r.model)).toEqual(["A"]);
    expect(await lane(g.url, "A")).toMatchObject({ client_fault: 1, err: 0, dead: false });
  });

  test('error_map "model_overloaded": overloaded makes a 400 of that type transient', async () => {
    const { g, ctl } = await poolAB({ provider: 'error_map: { "model_overloaded": overloaded }' });
    await ctl.queue("A", { kind: "error", status: 400, type: "model_overloaded" });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ transient_upstream: 1 });
    expect(await lane(g.url, "A")).toMatchObject({ err: 1, client_fault: 0, dead: false, cooldown_remaining_s: 0 });
    expect(await servers(g.url, 1)).toEqual(["A"]); // D5: no Retry-After, no bench
  });

  test("a Gemini 400 with API_KEY_INVALID is a hard-down; B serves", async () => {
    const { g, ctl } = await poolAB({ proto: "gemini" });
    await ctl.queue("A", { kind: "error", status: 400, code: "API_KEY_INVALID", message: "API key not valid. Please pass a valid API key." });
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ hard_down: 1 });
    const a = await lane(g.url, "A");
    expect({ dead: a.dead, reason: a.dead_reason?.split(":")[0], cooldown: a.cooldown_remaining_s }).toEqual({ dead: true, reason: "auth", cooldown: 1800 });
  });
});

test("case 9, cross-protocol: an Anthropic client gets an OpenAI member's 400 in Anthropic shape, with the upstream message", async () => {
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }"),
    runtime: { jitter: zeroJitter },
    mock: { memberTag: true },
  });
  await mockControl(gw.mock.url).queue("A", { kind: "invalid_request", message: "messages[0].content: unsupported value 'zz'" });
  const res = await fetch(`${gw.url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "p", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });
  expect(res.status).toBe(400);
  expect(await res.json()).toMatchObject({ type: "error", error: { type: "invalid_request_error", message: "messages[0].content: unsupported value 'zz'" } });
  expect(gw.mock.requests.map((r) => r.model)).toEqual(["A"]);
  expect(await lane(gw.url, "A")).toMatchObject({ client_fault: 1, err: 0 });
});

test("case 12, passthrough: the caller's own key refused (401) is relayed verbatim; B is not called; A is unchanged", async () => {
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }", "auth: { mode: passthrough }"),
    runtime: { jitter: zeroJitter },
    mock: { memberTag: true },
  });
  const ctl = mockControl(gw.mock.url);
  const body = JSON.stringify({ model: "A", messages: [{ role: "user", content: "hi" }] });
  // What the upstream itself says, for the byte comparison.
  await ctl.queue("A", { kind: "unauthorized" }, { kind: "unauthorized" });
  const direct = await fetch(`${gw.mock.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
  const expected = { status: direct.status, type: direct.headers.get("content-type"), body: await direct.text() };
  expect(expected.status).toBe(401);

  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer sk-the-callers-own" },
    body: body.replace('"A"', '"p"'),
  });
  expect({ status: res.status, type: res.headers.get("content-type"), body: await res.text() }).toEqual(expected);
  expect(gw.mock.requests.map((r) => r.model)).toEqual(["A", "A"]); // the direct call, then the gateway's only one
  const a = await lane(gw.url, "A");
  expect({ dead: a.dead, err: a.err, client_fault: a.client_fault, cooldown: a.cooldown_remaining_s }).toEqual({ dead: false, err: 0, client_fault: 1, cooldown: 0 });
  expect(await cell(gw.url, "p", "A")).toMatchObject({ state: "closed", trips: 0 });
});

test("case 12: a 401 for the gateway key opens every cell of A (both pools and the direct route) for 1800 s, trips +1 each", async () => {
  const clock = manualClock();
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }\n  q: { members: [ { target: A }, { target: B } ] }"),
    runtime: { jitter: zeroJitter, now: clock.now },
    mock: { memberTag: true },
  });
  await mockControl(gw.mock.url).queue("A", { kind: "unauthorized" });
  expect(await servedBy(await chat(gw.url, "p"))).toBe("B");
  const cells = gw.rt.resolver.lanes.get("A")!.state.cells;
  expect(cells.map((c) => ({ state: c.state, left: c.cooldownRemainingS(clock.ms()), trips: c.trips, reason: c.deadReason?.split(":")[0] })))
    .toEqual(Array(3).fill({ state: "open", left: 1800, trips: 1, reason: "auth" }));
  expect([await servedBy(await chat(gw.url, "q")), await servedBy(await chat(gw.url, "q"))]).toEqual(["B", "B"]);
  expect((await chat(gw.url, "A")).status).toBe(503); // the direct route's cell is Open too
  expect(gw.mock.requests.map((r) => r.model)).toEqual(["A", "B", "B", "B"]);
});
