// reliability.md §13.2 failover cases through the gateway and the mock: at the deadline every upstream socket is
// closed (case 21); an attempt timeout runs to the commit point, streaming or not (case 22); faults before commit
// fail over to one well-formed answer (case 23); cross-protocol failover builds each attempt from the original body
// (case 26); context-length failover (case 27); least_bad (case 28); fallback pools (case 29); exhaustion and
// deadline statuses per caller (spec README D12, D15). Zero jitter, and an injected clock where cooldowns matter (I5).
import { afterEach, describe, expect, test } from "bun:test";
import { type Behaviour, mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { streamEvents } from "../mock/wire-reader.ts";
import { cell, chat, count, fetchGate, lane, manualClock, markers, membersYaml, type Proto, seen, servedBy, stats } from "./reliability-kit.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function start(members: Record<string, Proto | { proto: Proto; extra: string }>, pools: string, o: { clock?: ReturnType<typeof manualClock>; fetch?: ReturnType<typeof fetchGate>["fetch"] } = {}) {
  gw = await startGateway({
    yaml: (m) => membersYaml(m, members, pools),
    runtime: { jitter: zeroJitter, ...(o.clock !== undefined && { now: o.clock.now }), ...(o.fetch !== undefined && { fetch: o.fetch }) },
    mock: { memberTag: true },
  });
  return { g: gw, ctl: mockControl(gw.mock.url) };
}

describe("case 23: a fault before commit, and B serves one well-formed response", () => {
  const cases: [string, Behaviour, boolean, string][] = [
    ["A resets before headers", { kind: "reset_before_headers" }, false, "connect"],
    ["A answers 200 then resets before any content (streaming)", { kind: "reset_after_events", n: 0 }, true, "stream_precommit"],
    ["A opens its stream with overloaded_error (streaming)", { kind: "error_event_first", type: "overloaded" }, true, "transient_upstream"],
    // §8.2: "2xx, then reset, EOF or bad framing" is a network fault before commit.
    ["A answers truncated JSON (non-streaming)", { kind: "truncate_json" }, false, "stream_precommit"],
  ];
  for (const [name, behaviour, stream, reason] of cases) {
    test(`${name}: reason ${reason}`, async () => {
      const { g, ctl } = await start({ A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }");
      await ctl.queue("A", behaviour);
      const res = await chat(g.url, "p", { stream });
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(markers(text)).toEqual(["B"]);
      if (stream) {
        const evs = streamEvents("openai", new TextEncoder().encode(text));
        expect(evs.filter((e) => e.e === "error" || e.e === "malformed")).toEqual([]);
        expect(evs.at(-1)).toEqual({ e: "end" });
      } else {
        expect((JSON.parse(text) as { object: string }).object).toBe("chat.completion");
      }
      expect(seen(g)).toEqual(["A", "B"]);
      const p = (await stats(g.url)).pool_state.p!;
      expect({ attempts: p.attempts, failovers: p.failovers, midstream: p.midstream_failures }).toEqual({ attempts: 2, failovers: { [reason]: 1 }, midstream: 0 });
      expect(await lane(g.url, "A")).toMatchObject({ err: 1, ok: 0 });
    });
  }
});

describe("case 26: cross-protocol failover builds every attempt from the original body", () => {
  test("OpenAI client; A (Anthropic) answers 500; B (OpenAI) receives the client's bytes with only model changed", async () => {
    const gate = fetchGate(() => false, { closed: false });
    const { g, ctl } = await start({ A: "anthropic", B: "openai" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }", { fetch: gate.fetch });
    await ctl.queue("A", { kind: "server_error" });
    const sent = '{"model": "p",\n  "messages": [{"role":"user","content":"h\\u00e9llo ✓"}],  "temperature": 0.70, "x_unknown": {"keep": [1, 2.50]}}';
    const res = await fetch(`${g.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: sent });
    expect(await servedBy(res)).toBe("B");
    const expected = sent.replace('"model": "p"', '"model": "B"');
    expect(gate.bodies.length).toBe(2);
    expect(gate.bodies[0]).toContain('"max_tokens":4096'); // A got a translation…
    expect(gate.bodies[1]).toBe(expected); // …B the original bytes, not A's translation
    const logged = g.mock.requests.at(-1)!;
    expect({ model: logged.model, protocol: logged.protocol, body: logged.body }).toEqual({ model: "B", protocol: "openai", body: JSON.parse(expected) });
  });

  test("reversed: A (OpenAI) answers 500; B (Anthropic) gets max_tokens 4096; the client's OpenAI stream ends in [DONE]", async () => {
    const { g, ctl } = await start({ A: "openai", B: "anthropic" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }");
    await ctl.queue("A", { kind: "server_error" });
    const res = await chat(g.url, "p", { stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toStartWith("text/event-stream");
    const text = await res.text();
    expect(markers(text)).toEqual(["B"]);
    expect(text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    const evs = streamEvents("openai", new TextEncoder().encode(text));
    expect(evs.filter((e) => e.e === "error" || e.e === "malformed")).toEqual([]);
    const b = g.mock.requests.at(-1)!;
    expect({ model: b.model, protocol: b.protocol, max_tokens: (b.body as { max_tokens?: number }).max_tokens }).toEqual({ model: "B", protocol: "anthropic", max_tokens: 4096 });
  });
});

describe("case 27: context-length failover", () => {
  const withMax = (n: number | undefined, target: string, weight = 1) =>
    `{ target: ${target}, weight: ${weight}${n === undefined ? "" : `, context_max: ${n}`} }`;

  test("A (8k) fails on context: B (8k) is never called, C (128k) or D (unset) serves; A is not penalised", async () => {
    const { g, ctl } = await start({ A: "openai", B: "openai", C: "openai", D: "openai" },
      `  p: { members: [ ${withMax(8000, "A", 100)}, ${withMax(8000, "B", 50)}, ${withMax(128000, "C")}, ${withMax(undefined, "D")} ], breaker: { trip: { mode: consecutive, n: 1 } } }`);
    await ctl.queue("A", { kind: "context_length" });
    const by = await servedBy(await chat(g.url, "p"));
    expect(["C", "D"]).toContain(by);
    expect(count(g, "B")).toBe(0);
    expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ context_length: 1 });
    expect(await lane(g.url, "A")).toMatchObject({ err: 0, client_fault: 0 });
    expect(await cell(g.url, "p", "A")).toMatchObject({ state: "closed", ready: true, streak: 0, cooldown_remaining_s: 0, error_rate: 0 });
  });

  test("no larger member: the client gets A's native 400, not a 503", async () => {
    const { g, ctl } = await start({ A: "openai", B: "openai" }, `  p: { members: [ ${withMax(8000, "A", 100)}, ${withMax(8000, "B")} ] }`);
    await ctl.queue("A", { kind: "context_length" });
    const res = await chat(g.url, "p");
    expect(res.status).toBe(400);
    const body = await res.json() as { error: { code: string } };
    expect(body.error.code).toBe("context_length_exceeded");
    expect(seen(g)).toEqual(["A"]);
    expect((await stats(g.url)).pool_state.p!.exhausted).toBe(0);
  });
});

test("case 28: least_bad with A and B Open (10 s and 50 s left): the request goes to A; degraded_dispatch +1", async () => {
  const clock = manualClock();
  // B is listed first, so member order alone would pick it; A's cooldown ends sooner.
  const { g, ctl } = await start({ A: "openai", B: "openai" },
    "  p: { members: [ { target: B }, { target: A } ], breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 1, max_cooldown_secs: 1 }, on_exhausted: { action: least_bad } }",
    { clock });
  await ctl.queue("B", { kind: "rate_limited", retry_after: 50 });
  await ctl.queue("A", { kind: "rate_limited", retry_after: 10 });
  expect((await chat(g.url, "p")).status).toBe(503); // both tripped; none untried is left for least_bad
  expect({ a: (await cell(g.url, "p", "A")).cooldown_remaining_s, b: (await cell(g.url, "p", "B")).cooldown_remaining_s }).toEqual({ a: 10, b: 50 });
  expect((await stats(g.url)).pool_state.p!.degraded_dispatch).toBe(0);

  expect(await servedBy(await chat(g.url, "p"))).toBe("A");
  const p = (await stats(g.url)).pool_state.p!;
  expect({ degraded: p.degraded_dispatch, exhausted: p.exhausted }).toEqual({ degraded: 1, exhausted: 1 });
  expect(seen(g)).toEqual(["B", "A", "A"]);
  // Recorded normally: a success on an Open cell is counted but does not close it (only a probe does).
  expect(await cell(g.url, "p", "A")).toMatchObject({ state: "open", error_rate: 0.5 });
});

test("case 28: least_bad still skips a member pruned by a context error (only the breaker is ignored)", async () => {
  const { g, ctl } = await start({ A: "openai", B: "openai", C: "openai" },
    "  p: { members: [ { target: A, weight: 100, context_max: 8000 }, { target: B, weight: 50, context_max: 8000 }, { target: C } ], on_exhausted: { action: least_bad } }");
  await ctl.queue("A", { kind: "context_length" });
  await ctl.queue("C", { kind: "server_error" });
  const res = await chat(g.url, "p");
  expect(res.status).toBe(503); // C's outage was the last word; B (8k) cannot take what A (8k) could not
  expect(seen(g)).toEqual(["A", "C"]);
  expect((await stats(g.url)).pool_state.p!.degraded_dispatch).toBe(0);
});

describe("case 29: fallback_pool", () => {
  test("all of p Open: q serves and records the outcome in its own cells", async () => {
    const clock = manualClock();
    const { g, ctl } = await start({ A: "openai", B: "openai", C: "openai" }, [
      "  p: { members: [ { target: A }, { target: B } ], breaker: { trip: { mode: consecutive, n: 1 } }, on_exhausted: { action: \"fallback_pool:q\" } }",
      "  q: { members: [ { target: B, weight: 100 }, { target: C } ] }",
    ].join("\n"), { clock });
    await ctl.queue("A", { kind: "server_error" });
    await ctl.queue("B", { kind: "server_error" });
    // p trips both; q then serves, never trying B twice for one request.
    expect(await servedBy(await chat(g.url, "p"))).toBe("C");
    expect(seen(g)).toEqual(["A", "B", "C"]);
    // Both Open in p; B is Closed in q, so q's B serves and q's cell records it.
    expect(await servedBy(await chat(g.url, "p"))).toBe("B");
    const s = (await stats(g.url)).pool_state;
    expect(s.p!.members.map((m) => [m.model, m.state])).toEqual([["A", "open"], ["B", "open"]]);
    expect(s.q!.members.map((m) => [m.model, m.state, m.error_rate])).toEqual([["B", "closed", 0], ["C", "closed", 0]]);
    expect(g.rt.resolver.pools.get("q")!.members[0]!.cell.recentCounts(clock.ms())).toEqual({ ok: 1, err: 0 });
    expect({ p: s.p!.attempts, q: s.q!.attempts }).toEqual({ p: 2, q: 2 });
  });

  test("the deadline carries over: p's 1 s deadline ends the request in q, which has 60 s", async () => {
    const { g, ctl } = await start({ A: "openai", C: "openai" }, [
      "  p: { members: [ { target: A, attempt_timeout_ms: 600 } ], failover: { deadline_secs: 1 }, on_exhausted: { action: \"fallback_pool:q\" } }",
      "  q: { members: [ { target: C } ], failover: { deadline_secs: 60 } }",
    ].join("\n"));
    await ctl.setDefault("A", { kind: "hang_before_headers" });
    await ctl.setDefault("C", { kind: "hang_before_headers" });
    const t0 = performance.now();
    const res = await chat(g.url, "p");
    const took = performance.now() - t0;
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(took).toBeGreaterThan(950);
    expect(took).toBeLessThan(1250);
    expect(seen(g)).toEqual(["A", "C"]);
    await g.mock.idle(); // both hangs ended: the gateway closed both upstream sockets
  });
});

test("case 21: at the deadline every upstream socket is closed", async () => {
  const { g, ctl } = await start({ A: "openai", B: "openai" }, "  p: { members: [ { target: A }, { target: B } ], failover: { deadline_secs: 1 } }");
  await ctl.setDefault("A", { kind: "hang_before_headers" });
  await ctl.setDefault("B", { kind: "hang_before_headers" });
  const res = await chat(g.url, "p");
  expect(res.status).toBe(503);
  const t0 = performance.now();
  await g.mock.idle(); // the one held exchange (no attempt timeout: A has the whole deadline) was dropped
  expect(performance.now() - t0).toBeLessThan(100);
  expect(seen(g)).toEqual(["A"]);
});

test("case 22, streaming: A hangs after its headers, 300 ms attempt timeout; B serves and only B shows", async () => {
  const { g, ctl } = await start({ A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100, attempt_timeout_ms: 300 }, { target: B } ] }");
  await ctl.queue("A", { kind: "hang_after_headers" });
  const t0 = performance.now();
  const res = await chat(g.url, "p", { stream: true });
  const text = await res.text();
  const took = performance.now() - t0;
  expect(res.status).toBe(200);
  expect(markers(text)).toEqual(["B"]);
  expect(streamEvents("openai", new TextEncoder().encode(text)).at(-1)).toEqual({ e: "end" });
  expect(took).toBeLessThan(300 + 200);
  expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ attempt_timeout: 1 });
  await g.mock.idle();
});

test("case 22, non-streaming: A sends 200 headers and then hangs; the 300 ms attempt timeout runs to commit, so B serves", async () => {
  // D2: a non-streaming answer commits only once its body is read whole, so until then a failover is invisible.
  const { g, ctl } = await start({ A: "openai", B: "openai" }, "  p: { members: [ { target: A, weight: 100, attempt_timeout_ms: 300 }, { target: B } ] }");
  await ctl.queue("A", { kind: "hang_after_headers" });
  const t0 = performance.now();
  const res = await chat(g.url, "p");
  const took = performance.now() - t0;
  expect(await servedBy(res)).toBe("B");
  expect(took).toBeLessThan(300 + 200);
  expect((await stats(g.url)).pool_state.p!.failovers).toEqual({ attempt_timeout: 1 });
  await g.mock.idle();
});

describe("D12/D15: exhaustion and deadline answers are 503, or 529 for Anthropic callers", () => {
  const anthropic = (url: string) => fetch(`${url}/v1/messages`, {
    method: "POST",
    headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
    body: JSON.stringify({ model: "p", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }),
  });

  test("exhausted: OpenAI caller 503, Anthropic caller 529 overloaded_error, both with Retry-After", async () => {
    const { g, ctl } = await start({ A: "openai" }, "  p: { members: [ { target: A } ] }");
    await ctl.setDefault("A", { kind: "server_error" });
    const oa = await chat(g.url, "p");
    const an = await anthropic(g.url);
    expect([oa.status, an.status]).toEqual([503, 529]);
    expect(await an.json()).toMatchObject({ type: "error", error: { type: "overloaded_error" } });
    expect([oa, an].map((r) => Number(r.headers.get("retry-after")) >= 1)).toEqual([true, true]);
  });

  test("deadline: Anthropic caller 529 at the deadline", async () => {
    const { g, ctl } = await start({ A: "openai" }, "  p: { members: [ { target: A } ], failover: { deadline_secs: 1 } }");
    await ctl.setDefault("A", { kind: "hang_before_headers" });
    const res = await anthropic(g.url);
    expect(res.status).toBe(529);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    await g.mock.idle();
  });
});
