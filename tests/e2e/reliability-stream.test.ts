// reliability.md §13.2 streaming cases, read off the raw wire: after commit a member's death ends the stream with
// the caller's own terminal error (protocols.md §9.6) and nothing fails over (case 24, every caller protocol); a
// prebuffer window wider than the death makes it invisible (case 25); a client that leaves mid-stream, or while its
// probe is held, closes the upstream socket, frees the permit and the probe slot, and records nothing (case 31).
// And the converse of case 24: a stream that ends properly, for every caller × member pair, is one success.
import { afterEach, describe, expect, test } from "bun:test";
import { type Behaviour, mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { request, streamEvents } from "../mock/wire-reader.ts";
import { cell, chat, count, lane, manualClock, markers, membersYaml, PROTOS, type Proto, servedBy, stats, until } from "./reliability-kit.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** Pool p = A (weight 100: always first) and B, both speaking `proto`; A's first request gets `fault`. */
async function start(proto: Proto, fault: Behaviour, pool = "") {
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: { proto, extra: ", max_concurrent: 4" }, B: proto }, `  p: { members: [ { target: A, weight: 100 }, { target: B } ]${pool} }`),
    runtime: { jitter: zeroJitter },
    mock: { memberTag: true },
  });
  await mockControl(gw.mock.url).queue("A", fault);
  return gw;
}

async function streamAs(g: TestGateway, proto: Proto): Promise<Uint8Array> {
  const { path, body } = request(proto, "p", true);
  const res = await fetch(`${g.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  expect(res.status).toBe(200);
  return res.bytes();
}

/**
 * The stream as event kinds, ending in its terminal. The shared reader knows each protocol's events; for Responses
 * only a final `response.failed` with status "failed" counts as the terminal error (protocols.md §9.6).
 */
function shape(proto: Proto, bytes: Uint8Array): string[] {
  const kinds: string[] = streamEvents(proto, bytes).map((e) => e.e);
  if (proto !== "responses") return kinds;
  const frames = [...new TextDecoder().decode(bytes).matchAll(/^event: (\S+)\ndata: (.*)$/gm)];
  const out: string[] = kinds.filter((k) => k !== "error");
  const last = frames.at(-1);
  if (last?.[1] === "response.failed") {
    const r = (JSON.parse(last[2]!) as { response: { status: string; error: { code: string } | null } }).response;
    if (r.status === "failed" && r.error !== null) out.push("error");
  }
  return out;
}

/** §9.6: OpenAI callers get an error frame then [DONE]; every other protocol ends on its error. */
const terminal = (proto: Proto) => (proto === "openai" ? ["error", "end"] : ["error"]);

describe("case 24: A dies after 3 content events; the caller gets them, then its own terminal error", () => {
  for (const proto of PROTOS) {
    test(`${proto} caller`, async () => {
      const g = await start(proto, { kind: "reset_after_events", n: 3 });
      const bytes = await streamAs(g, proto);
      expect(shape(proto, bytes)).toEqual(["text", "text", "text", ...terminal(proto)]);
      expect(markers(new TextDecoder().decode(bytes))).toEqual(["A"]);
      expect(count(g, "B")).toBe(0);
      expect(await lane(g.url, "A")).toMatchObject({ ok: 1, err: 1, inflight: 0, free_slots: 4 });
      expect(await cell(g.url, "p", "A")).toMatchObject({ streak: 1, error_rate: 0.5 }); // commit recorded ok, the death one transient
      const p = (await stats(g.url)).pool_state.p!;
      expect({ midstream: p.midstream_failures, failovers: p.failovers, attempts: p.attempts }).toEqual({ midstream: 1, failovers: {}, attempts: 1 });
    });
  }
});

describe("case 25: prebuffer_ms", () => {
  /** Two content events 100 ms apart, then a reset 100 ms later: A dies 200 ms after its first content. */
  const dies: Behaviour = { kind: "reset_after_events", n: 2, event_delay_ms: 100 };

  test("500 ms: A dies 200 ms after its first content event, inside the window; B serves the whole stream", async () => {
    const g = await start("openai", dies, ", failover: { prebuffer_ms: 500 }");
    const bytes = await streamAs(g, "openai");
    const kinds = shape("openai", bytes);
    expect(kinds.filter((k) => k === "error")).toEqual([]);
    expect(kinds.at(-1)).toBe("end");
    expect(markers(new TextDecoder().decode(bytes))).toEqual(["B"]);
    expect(g.mock.requests.map((r) => r.model)).toEqual(["A", "B"]);
    const p = (await stats(g.url)).pool_state.p!;
    expect({ midstream: p.midstream_failures, failovers: p.failovers }).toEqual({ midstream: 0, failovers: { stream_precommit: 1 } });
  });

  test("0 ms (the default): as case 24, two events then the terminal error; B gets nothing", async () => {
    const g = await start("openai", dies, ", failover: { prebuffer_ms: 0 }");
    const bytes = await streamAs(g, "openai");
    expect(shape("openai", bytes)).toEqual(["text", "text", "error", "end"]);
    expect(count(g, "B")).toBe(0);
    expect((await stats(g.url)).pool_state.p!.midstream_failures).toBe(1);
  });
});

test("case 31: the client leaves mid-stream: the upstream socket closes within 100 ms, the permit is freed, nothing is recorded", async () => {
  const g = await start("openai", { kind: "stream_stall", n: 2 });
  const ac = new AbortController();
  const res = await chat(g.url, "p", { stream: true, signal: ac.signal });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  const first = await reader.read(); // committed: content is flowing
  expect(markers(new TextDecoder().decode(first.value))).toEqual(["A"]);
  await g.mock.waiting(1); // A now stalls with its socket open
  expect((await lane(g.url, "A")).inflight).toBe(1);

  const t0 = performance.now();
  ac.abort();
  await g.mock.idle();
  expect(performance.now() - t0).toBeLessThan(100);

  expect(await lane(g.url, "A")).toMatchObject({ inflight: 0, free_slots: 4, err: 0, client_fault: 0 });
  expect(await cell(g.url, "p", "A")).toMatchObject({ state: "closed", ready: true, streak: 0, error_rate: 0 });
  const p = (await stats(g.url)).pool_state.p!;
  expect({ midstream: p.midstream_failures, failovers: p.failovers }).toEqual({ midstream: 0, failovers: {} });
  expect(count(g, "B")).toBe(0);
});

test("case 31, before commit: a client that leaves while its probe is held frees the permit and the probe slot", async () => {
  const clock = manualClock();
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: { proto: "openai", extra: ", max_concurrent: 4" }, B: "openai" },
      "  p: { members: [ { target: A, weight: 100 }, { target: B } ], breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 10 } }"),
    runtime: { jitter: zeroJitter, now: clock.now },
    mock: { memberTag: true },
  });
  const g = gw;
  const ctl = mockControl(g.mock.url);
  await ctl.queue("A", { kind: "server_error" }, { kind: "hang_before_headers" });
  expect((await chat(g.url, "p")).status).toBe(200); // A trips (n = 1); B serves
  clock.advance(10_000); // A is expired-Open: the next request is its probe

  const ac = new AbortController();
  const probe = chat(g.url, "p", { stream: true, signal: ac.signal }).catch((e: unknown) => e);
  await g.mock.waiting(1);
  const a = g.rt.resolver.pools.get("p")!.members[0]!.cell;
  expect(a.state).toBe("half_open");
  const t0 = performance.now();
  ac.abort();
  expect(await probe).toBeInstanceOf(Error);
  await g.mock.idle();
  expect(performance.now() - t0).toBeLessThan(100);
  await until(() => a.state !== "half_open");

  expect({ state: a.state, streak: a.streak, trips: a.trips, ready: a.isReady(clock.ms()) }).toEqual({ state: "open", streak: 1, trips: 1, ready: true });
  expect(await lane(g.url, "A")).toMatchObject({ inflight: 0, free_slots: 4, err: 1, ok: 0 });
  expect(count(g, "B")).toBe(1); // the abandoned request did not fail over
  expect(await servedBy(await chat(g.url, "p"))).toBe("A"); // the slot is free: the next request probes, and closes it
  expect(a.state).toBe("closed");
});

test("a healthy stream is one success for every caller × member pair: no midstream failure, nothing against the lane", async () => {
  const members = Object.fromEntries(PROTOS.map((p) => [`M-${p}`, p])) as Record<string, Proto>;
  gw = await startGateway({
    yaml: (m) => membersYaml(m, members, PROTOS.map((p) => `  p-${p}: { members: [ { target: M-${p} } ] }`).join("\n")),
    runtime: { jitter: zeroJitter },
    mock: { memberTag: true },
  });
  const g = gw;
  const endings: string[] = [];
  for (const member of PROTOS) {
    for (const caller of PROTOS) {
      const { path, body } = request(caller, `p-${member}`, true);
      const res = await fetch(`${g.url}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
      const kinds = shape(caller, await res.bytes());
      endings.push(`${caller}<-${member}: ${res.status} ${kinds.includes("error") ? "error" : kinds.at(-1)}`);
    }
  }
  expect(endings).toEqual(PROTOS.flatMap((m) => PROTOS.map((c) => `${c}<-${m}: 200 end`)));
  const s = await stats(g.url);
  expect(s.lanes.map((l) => [l.model, l.ok, l.err])).toEqual(PROTOS.map((p) => [`M-${p}`, 6, 0]));
  expect(Object.values(s.pool_state).map((p) => p.midstream_failures)).toEqual(PROTOS.map(() => 0));
});

test("a Gemini stream that ends cleanly without its finish chunk is a cut: OpenAI caller gets the terminal error; midstream +1", async () => {
  const g = await start("gemini", { kind: "missing_terminator" });
  const bytes = await streamAs(g, "openai");
  const kinds = shape("openai", bytes);
  expect(kinds.slice(-2)).toEqual(["error", "end"]);
  expect(kinds.includes("stop")).toBe(false);
  expect(count(g, "B")).toBe(0);
  expect((await stats(g.url)).pool_state.p!.midstream_failures).toBe(1);
  expect(await lane(g.url, "A")).toMatchObject({ ok: 1, err: 1 });
});
