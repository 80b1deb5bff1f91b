// reliability.md §13.2 selection cases not in failover.test.ts: a lane's breaker cell is per pool (case 3), a
// session pin follows its member through a trip and back (case 5, second half), and a request that finds every
// member busy waits for a permit, up to its deadline (case 6, second half). Injected clock, zero jitter (I5).
import { afterEach, describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { zeroJitter } from "../../src/route/breaker.ts";
import { pinIndex } from "../../src/route/select.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";
import { cell, chat, count, fetchGate, manualClock, membersYaml, servedBy, until } from "./reliability-kit.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

test("case 3: lane L in P1 and P2 (consecutive n=1): one 500 through P1 opens L in P1 only; P2 keeps using L", async () => {
  const clock = manualClock();
  const trip = "breaker: { trip: { mode: consecutive, n: 1 } }";
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { L: "openai", X: "openai", Y: "openai" }, [
      `  P1: { members: [ { target: L, weight: 100 }, { target: X } ], ${trip} }`,
      `  P2: { members: [ { target: L, weight: 100 }, { target: Y } ], ${trip} }`,
    ].join("\n")),
    runtime: { jitter: zeroJitter, now: clock.now },
    mock: { memberTag: true },
  });
  await mockControl(gw.mock.url).queue("L", { kind: "server_error" });

  expect(await servedBy(await chat(gw.url, "P1"))).toBe("X"); // L failed once, X answered
  expect({ p1: (await cell(gw.url, "P1", "L")).state, p2: (await cell(gw.url, "P2", "L")).state }).toEqual({ p1: "open", p2: "closed" });

  const p1: string[] = [];
  const p2: string[] = [];
  for (let i = 0; i < 3; i++) {
    p1.push(await servedBy(await chat(gw.url, "P1")));
    p2.push(await servedBy(await chat(gw.url, "P2")));
  }
  expect({ p1, p2 }).toEqual({ p1: ["X", "X", "X"], p2: ["L", "L", "L"] });
  expect(count(gw, "L")).toBe(4); // the failure plus three P2 requests
});

test("case 5: the pinned member trips, its session goes elsewhere, and comes back once it recovers", async () => {
  const clock = manualClock();
  const names = ["A", "B", "C"];
  const pinned = names[pinIndex("s1", 3)]!;
  gw = await startGateway({
    yaml: (m) => membersYaml(m, { A: "openai", B: "openai", C: "openai" },
      "  p: { members: [ { target: A }, { target: B }, { target: C } ], affinity: { mode: session }, breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 10 } }"),
    runtime: { jitter: zeroJitter, now: clock.now },
    mock: { memberTag: true },
  });
  const session = { headers: { "x-session-id": "s1" } };
  const ctl = mockControl(gw.mock.url);
  const run = async (n: number) => {
    const out: string[] = [];
    for (let i = 0; i < n; i++) out.push(await servedBy(await chat(gw!.url, "p", session)));
    return out;
  };

  expect(new Set(await run(5))).toEqual(new Set([pinned]));

  // The pinned member fails once and trips (n = 1, 10 s): the session is served elsewhere, the client is not told.
  await ctl.queue(pinned, { kind: "server_error" });
  const during = await run(6);
  expect(during.includes(pinned)).toBe(false);
  expect((await cell(gw.url, "p", pinned)).state).toBe("open");
  clock.advance(9_999);
  expect((await run(3)).includes(pinned)).toBe(false);

  // Cooldown over: the next pinned request is the probe, succeeds, and the session is home again.
  clock.advance(1);
  expect(await run(5)).toEqual([pinned, pinned, pinned, pinned, pinned]);
  expect((await cell(gw.url, "p", pinned)).state).toBe("closed");
  expect(count(gw, pinned)).toBe(5 + 1 + 5);
});

describe("case 6: every member busy", () => {
  /** A and B with one permit each; `slow` (60 s deadline) holds them, `p` (1 s deadline) is the pool under test. */
  async function busy() {
    const gate = fetchGate((body) => body.includes('"content":"hold"'));
    gw = await startGateway({
      yaml: (m) => membersYaml(m, { A: { proto: "openai", extra: ", max_concurrent: 1" }, B: { proto: "openai", extra: ", max_concurrent: 1" } }, [
        "  p: { members: [ { target: A }, { target: B } ], failover: { deadline_secs: 1 } }",
        "  slow: { members: [ { target: A }, { target: B } ], failover: { deadline_secs: 60 } }",
      ].join("\n")),
      runtime: { jitter: zeroJitter, fetch: gate.fetch },
      mock: { memberTag: true },
    });
    const g = gw;
    const hold = (model: string) => fetch(`${g.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model, messages: [{ role: "user", content: "hold" }] }),
    });
    const held = [hold("slow"), hold("slow")];
    await until(() => gate.held === 2); // both permits taken
    const waiting = () => [...g.rt.resolver.lanes.values()].reduce((n, l) => n + l.state.permits.waiting, 0);
    return { g, gate, held, waiting };
  }

  test("the request waits and is served when a permit frees", async () => {
    const { g, gate, held, waiting } = await busy();
    const third = chat(g.url, "p");
    await until(() => waiting() === 1);
    expect(g.mock.requests.length).toBe(0);
    gate.release();
    const served = await Promise.all([...held, third].map(async (r) => servedBy(await r)));
    expect(served.slice(0, 2).sort()).toEqual(["A", "B"]);
    expect(["A", "B"]).toContain(served[2]!);
    expect(waiting()).toBe(0);
  });

  test("if no permit frees, it gets the deadline 503 (±250 ms)", async () => {
    const { g, gate, held, waiting } = await busy();
    const t0 = performance.now();
    const res = await chat(g.url, "p");
    const took = performance.now() - t0;
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(took).toBeGreaterThan(750);
    expect(took).toBeLessThan(1250);
    expect(waiting()).toBe(0); // the waiter left the queue
    gate.release();
    await Promise.all(held.map(async (r) => servedBy(await r)));
  });
});
