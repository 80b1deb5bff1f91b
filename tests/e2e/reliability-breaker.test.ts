// reliability.md §13.2 breaker cases through the gateway: error_rate trips on concurrent failures (case 15), an
// expired Open cell lets exactly one request probe (case 16), and reads of /healthz and /stats never take the probe
// slot (case 17). Requests are held at A with a fetch gate (reliability-kit.ts), not with sleeps; the wall clock is
// injected and moved by hand (I5).
import { afterEach, describe, expect, test } from "bun:test";
import { type Behaviour, mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { cell, chat, count, fetchGate, manualClock, membersYaml, servedBy, stats, toMember, until } from "./reliability-kit.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** Pool p = A (weight 100: first while ready) and B; requests to A wait at the gate while it is closed. */
async function gated(pool = "", closed = true) {
  const clock = manualClock();
  const gate = fetchGate(toMember("A"), { closed });
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai" }, `  p: { members: [ { target: A, weight: 100 }, { target: B } ]${pool} }`),
    runtime: { jitter: zeroJitter, now: clock.now, fetch: gate.fetch },
    mock: { memberTag: true },
  });
  return { g: gw, clock, gate, ctl: mockControl(gw.mock.url) };
}
type Gated = Awaited<ReturnType<typeof gated>>;

describe("case 15: error_rate with defaults (30 s, 0.5, min 5)", () => {
  test("6 requests held at A, then all fail: A opens at the 5th recorded failure, once; B serves all 6", async () => {
    const { g, gate, ctl } = await gated();
    await ctl.setDefault("A", { kind: "server_error" });
    const calls = Array.from({ length: 6 }, () => chat(g.url, "p"));
    await until(() => gate.held === 6); // all six chose A while it was Closed and ready
    gate.release();
    expect(await Promise.all(calls.map(async (c) => servedBy(await c)))).toEqual(["B", "B", "B", "B", "B", "B"]);
    // The 6th failure lands on an Open cell: a late outcome, not a second trip.
    expect(await cell(g.url, "p", "A")).toMatchObject({ state: "open", trips: 1, streak: 6, error_rate: 1 });
    expect(count(g, "A")).toBe(6);
  });

  for (const [n, state] of [[4, { state: "closed", ready: true, trips: 0, streak: 4 }], [5, { state: "open", ready: false, trips: 1, streak: 5 }]] as const) {
    test(`${n} held failures: ${state.state} (the 5th recorded failure meets min_requests; D5: no bench before that)`, async () => {
      const { g, gate, ctl } = await gated();
      await ctl.setDefault("A", { kind: "server_error" });
      const calls = Array.from({ length: n }, () => chat(g.url, "p"));
      await until(() => gate.held === n);
      gate.release();
      await Promise.all(calls.map(async (c) => servedBy(await c)));
      expect(await cell(g.url, "p", "A")).toMatchObject(state);
    });
  }

  test("a window of 2 ok and 2 err stays Closed", async () => {
    const { g, ctl } = await gated("", false);
    await ctl.queue("A", { kind: "ok" }, { kind: "ok" }, { kind: "server_error" }, { kind: "server_error" });
    const served: string[] = [];
    for (let i = 0; i < 4; i++) served.push(await servedBy(await chat(g.url, "p")));
    expect(served).toEqual(["A", "A", "B", "B"]);
    expect(await cell(g.url, "p", "A")).toMatchObject({ state: "closed", ready: true, trips: 0, error_rate: 0.5 });
  });
});

/** Trips A (consecutive n=1, base 10 s) with one 500 and lets the cooldown run out: A is expired-Open. */
async function expiredOpen(): Promise<Gated> {
  const t = await gated(", breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 10 }", false);
  await t.ctl.queue("A", { kind: "server_error" });
  expect(await servedBy(await chat(t.g.url, "p"))).toBe("B");
  expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "open", trips: 1, streak: 1, cooldown_remaining_s: 10 });
  t.clock.advance(10_000);
  expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "open", ready: true, cooldown_remaining_s: 0 });
  return t;
}

describe("case 16: A is expired-Open and 20 requests arrive at once", () => {
  /** The 20 requests, with A's one probe held at the gate until the other 19 are answered; then the probe gets `probe`. */
  async function twenty(t: Gated, probe: Behaviour): Promise<Response[]> {
    await t.ctl.queue("A", probe);
    t.gate.close();
    const calls = Array.from({ length: 20 }, () => chat(t.g.url, "p"));
    await until(() => t.gate.held === 1 && count(t.g, "B") === 1 + 19);
    expect(t.g.mock.requests.length).toBe(2 + 19); // the trip, its failover, and 19 at B: the probe is still held
    t.gate.release();
    return Promise.all(calls);
  }

  test("exactly one reaches A; it succeeds: A Closed with SWRR weight 0, and takes traffic again", async () => {
    const t = await expiredOpen();
    const res = await twenty(t, { kind: "ok" });
    expect((await Promise.all(res.map(servedBy))).filter((m) => m === "A")).toEqual(["A"]);
    expect(count(t.g, "A")).toBe(2);
    expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "closed", ready: true, streak: 0, cooldown_remaining_s: 0, trips: 1 });
    expect(t.g.rt.resolver.pools.get("p")!.members[0]!.cell.currentWeight).toBe(0);
    expect(await servedBy(await chat(t.g.url, "p"))).toBe("A");
  });

  test("it fails: A reopens with the next cooldown step (20 s) and trips is unchanged; its client is served by B", async () => {
    const t = await expiredOpen();
    const res = await twenty(t, { kind: "server_error" });
    expect(await Promise.all(res.map(servedBy))).toEqual(Array<string>(20).fill("B"));
    expect(count(t.g, "A")).toBe(2);
    expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "open", ready: false, streak: 2, cooldown_remaining_s: 20, trips: 1 });
  });

  test("it gets a 400: relayed, A back to Open with the cooldown unchanged, and the next request probes", async () => {
    const t = await expiredOpen();
    const res = await twenty(t, { kind: "invalid_request" });
    expect(res.map((r) => r.status).sort()).toEqual([...Array<number>(19).fill(200), 400]);
    await Promise.all(res.map((r) => r.arrayBuffer()));
    expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "open", ready: true, streak: 1, cooldown_remaining_s: 0, trips: 1 });
    expect(await servedBy(await chat(t.g.url, "p"))).toBe("A"); // the next probe, which succeeds
    expect(await cell(t.g.url, "p", "A")).toMatchObject({ state: "closed", streak: 0 });
  });
});

test("case 17: 100 reads each of /healthz and /stats while A is expired-Open take no probe slot", async () => {
  const t = await expiredOpen();
  for (let i = 0; i < 100; i++) {
    expect((await fetch(`${t.g.url}/healthz`)).status).toBe(200);
    await (await fetch(`${t.g.url}/stats`)).arrayBuffer();
  }
  // /metrics is not served by this build yet (platform.md §5.2 lands later); nothing to read there.
  const a = t.g.rt.resolver.pools.get("p")!.members[0]!.cell;
  expect({ state: a.state, probeInFlight: a.probeInFlight }).toEqual({ state: "open", probeInFlight: false });
  expect(count(t.g, "A")).toBe(1);
  expect(await servedBy(await chat(t.g.url, "p"))).toBe("A"); // the slot was free: the next request probes
  expect((await stats(t.g.url)).pool_state.p!.members[0]!.state).toBe("closed");
});
