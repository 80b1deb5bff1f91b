// reliability.md §13.2 through the real gateway and the mock upstream: selection, attribution, failover and
// exhaustion (cases 1–2, 4, 7–9, 12, 19–20, 27), with an injected clock and zero jitter (I5). Faults are pinned per
// member in the upstream model name (`@status=500`), so each member is told apart by the model the mock saw.
import { afterEach, describe, expect, test } from "bun:test";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

/** A wall clock the test moves by hand. */
function manualClock(start = Date.parse("2026-11-22T00:00:00Z")) {
  let t = start;
  return { now: () => new Date(t), advance: (ms: number) => { t += ms; } };
}

/** One openai provider on the mock; `members` maps a model name to its upstream model (with any fault suffix). */
function yaml(mock: string, models: Record<string, string>, pools: string): string {
  return [
    "providers:",
    `  up: { protocol: openai, base_url: "${mock}", auth: none, allow_private_network: true }`,
    "models:",
    ...Object.entries(models).map(([name, upstream]) => `  ${name}: { provider: up, upstream_model: "${upstream}" }`),
    "pools:",
    pools,
  ].join("\n");
}

async function chat(url: string, model: string, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

/** Upstream models the mock saw, in order. */
function seen(g: TestGateway): string[] {
  return g.mock.requests.map((r) => r.model ?? "");
}

async function stats(url: string): Promise<any> {
  return (await fetch(`${url}/stats`)).json();
}

describe("selection", () => {
  test("case 1: weights 5/1/1 give a a b a c a a, and 700 requests split 500/100/100", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a", b: "up-b", c: "up-c" }, "  p: { members: [ { target: a, weight: 5 }, { target: b }, { target: c } ] }"),
      runtime: { jitter: zeroJitter },
    });
    for (let i = 0; i < 7; i++) expect((await chat(gw.url, "p")).status).toBe(200);
    expect(seen(gw)).toEqual(["up-a", "up-a", "up-b", "up-a", "up-c", "up-a", "up-a"]);
    for (let i = 0; i < 693; i++) await (await chat(gw.url, "p")).arrayBuffer();
    const counts = Object.fromEntries(["up-a", "up-b", "up-c"].map((m) => [m, seen(gw!).filter((x) => x === m).length]));
    expect(counts).toEqual({ "up-a": 500, "up-b": 100, "up-c": 100 });
  });

  test("case 4: an excluded member is never picked by the pool, but its direct route still reaches it", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a", b: "up-b", c: "up-c" }, "  p: { members: [ { target: a }, { target: b }, { target: c } ], failover: { exclusions: [b] } }"),
      runtime: { jitter: zeroJitter },
    });
    for (let i = 0; i < 6; i++) await (await chat(gw.url, "p")).arrayBuffer();
    expect(seen(gw).includes("up-b")).toBe(false);
    expect((await chat(gw.url, "b")).status).toBe(200);
    expect(seen(gw).at(-1)).toBe("up-b");
  });

  test("case 7: max_requests 3 — after three successes A gets no more traffic; a 500 does not spend budget", async () => {
    gw = await startGateway({
      yaml: (m) => `${yaml(m, { a: "up-a", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }")}\n`
        .replace("  a: { provider: up,", "  a: { provider: up, max_requests: 3,"),
      runtime: { jitter: zeroJitter },
    });
    for (let i = 0; i < 10; i++) await (await chat(gw.url, "p")).arrayBuffer();
    expect(seen(gw).filter((m) => m === "up-a").length).toBe(3);
    expect(seen(gw).filter((m) => m === "up-b").length).toBe(7);
  });

  test("ordered policy: the first usable member takes every request; the next is the fallback", async () => {
    const clock = manualClock();
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@status=500", b: "up-b", c: "up-c" }, "  p: { members: [ { target: a }, { target: b }, { target: c } ], policy: { name: ordered }, breaker: { trip: { mode: consecutive, n: 1 } } }"),
      runtime: { jitter: zeroJitter, now: clock.now },
    });
    for (let i = 0; i < 4; i++) expect((await chat(gw.url, "p")).status).toBe(200);
    // A fails once and trips (n = 1); B then serves everything, C never.
    expect(seen(gw)).toEqual(["up-a@status=500", "up-b", "up-b", "up-b", "up-b"]);
  });
});

describe("attribution", () => {
  test("case 8: a direct route whose upstream returns 500 answers 503 with Retry-After, after exactly one upstream call", async () => {
    gw = await startGateway({ yaml: (m) => yaml(m, { a: "up-a@status=500" }, "  p: { members: [ { target: a } ] }"), runtime: { jitter: zeroJitter } });
    const res = await chat(gw.url, "a");
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(seen(gw)).toEqual(["up-a@status=500"]);
  });

  test("case 9: a 400 is relayed byte for byte; B is not called; the lane is not penalised", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@status=400", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }"),
      runtime: { jitter: zeroJitter },
    });
    const direct = await fetch(`${gw.mock.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "up-a@status=400", messages: [{ role: "user", content: "hi" }] }),
    });
    const expected = await direct.text();
    const res = await chat(gw.url, "p");
    expect(res.status).toBe(400);
    expect(await res.text()).toBe(expected);
    expect(seen(gw).filter((m) => m === "up-b")).toEqual([]);
    const lane = (await stats(gw.url)).lanes.find((l: any) => l.model === "a");
    expect({ client_fault: lane.client_fault, err: lane.err, cooldown: lane.cooldown_remaining_s }).toEqual({ client_fault: 1, err: 0, cooldown: 0 });
  });

  test("case 12: a 401 for the gateway key fails over; A is hard-down for 1800 s in every cell", async () => {
    const clock = manualClock();
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@status=401", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }"),
      runtime: { jitter: zeroJitter, now: clock.now },
    });
    const res = await chat(gw.url, "p");
    expect(res.status).toBe(200);
    expect(seen(gw)).toEqual(["up-a@status=401", "up-b"]);
    const lane = (await stats(gw.url)).lanes.find((l: any) => l.model === "a");
    expect(lane.dead).toBe(true);
    expect(lane.dead_reason).toStartWith("auth");
    expect(lane.cooldown_remaining_s).toBe(1800);
  });
});

describe("failover", () => {
  test("case 19: A returns 500, B 200 — the client gets B's body only; attempts 2, failovers 1", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@status=500", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }"),
      runtime: { jitter: zeroJitter },
    });
    const res = await chat(gw.url, "p");
    expect(res.status).toBe(200);
    const body = await res.json() as { model: string };
    expect(body.model).toBe("up-b");
    const p = (await stats(gw.url)).pool_state.p;
    expect({ attempts: p.attempts, failovers: p.failovers }).toEqual({ attempts: 2, failovers: { transient_upstream: 1 } });
  });

  test("case 20: five members all 500 with cap 3 — exactly 4 attempts, then 503 with Retry-After", async () => {
    const models = Object.fromEntries(["a", "b", "c", "d", "e"].map((n) => [n, `up-${n}@status=500`]));
    gw = await startGateway({
      yaml: (m) => yaml(m, models, "  p: { members: [ { target: a }, { target: b }, { target: c }, { target: d }, { target: e } ], failover: { cap: 3 } }"),
      runtime: { jitter: zeroJitter },
    });
    const res = await chat(gw.url, "p");
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(seen(gw).length).toBe(4);
  });

  test("case 2: an Open member gets no traffic; the others alternate", async () => {
    const clock = manualClock();
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a", b: "up-b@status=500", c: "up-c" }, "  p: { members: [ { target: a }, { target: b }, { target: c } ], breaker: { trip: { mode: consecutive, n: 1 } } }"),
      runtime: { jitter: zeroJitter, now: clock.now },
    });
    for (let i = 0; i < 7; i++) expect((await chat(gw.url, "p")).status).toBe(200);
    const afterTrip = seen(gw).slice(3);
    expect(afterTrip.includes("up-b@status=500")).toBe(false);
    expect(seen(gw).filter((m) => m.startsWith("up-b")).length).toBe(1);
  });
});

describe("affinity, saturation and deadlines", () => {
  test("case 5: a session header pins members[fnv1a64(key) mod n]; without an affinity block it does nothing", async () => {
    const clock = manualClock();
    const { pinIndex } = await import("../../src/route/select.ts");
    const names = ["a", "b", "c"];
    const pinned = names[pinIndex("s1", 3)]!;
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a", b: "up-b", c: "up-c" },
        "  p: { members: [ { target: a }, { target: b }, { target: c } ], affinity: { mode: session }, breaker: { trip: { mode: consecutive, n: 1 }, base_cooldown_secs: 10 } }\n  q: { members: [ { target: a }, { target: b }, { target: c } ] }"),
      runtime: { jitter: zeroJitter, now: clock.now },
    });
    for (let i = 0; i < 20; i++) await (await chat(gw.url, "p", { "x-session-id": "s1" })).arrayBuffer();
    expect(new Set(seen(gw))).toEqual(new Set([`up-${pinned}`]));
    // Without an affinity block the header does nothing: q rotates.
    for (let i = 0; i < 3; i++) await (await chat(gw.url, "q", { "x-session-id": "s1" })).arrayBuffer();
    expect(new Set(seen(gw).slice(20)).size).toBe(3);
  });

  test("case 6: a busy member (max_concurrent 1) is skipped for a free sibling", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@delay-ms=400", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }")
        .replace("  a: { provider: up,", "  a: { provider: up, max_concurrent: 1,"),
      runtime: { jitter: zeroJitter },
    });
    const slow = chat(gw.url, "p");
    // Wait until A holds its only permit (the mock has seen it), then a second request must go to B.
    while (!seen(gw).includes("up-a@delay-ms=400")) await new Promise((r) => setImmediate(r));
    const fast = await chat(gw.url, "p");
    expect(((await fast.json()) as { model: string }).model).toBe("up-b");
    expect((await slow).status).toBe(200);
  });

  test("case 21: every member hangs and there is no attempt timeout — 503 at the deadline", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@delay-ms=30000", b: "up-b@delay-ms=30000" }, "  p: { members: [ { target: a }, { target: b } ], failover: { deadline_secs: 1 } }"),
      runtime: { jitter: zeroJitter },
    });
    const t0 = performance.now();
    const res = await chat(gw.url, "p");
    const took = performance.now() - t0;
    expect(res.status).toBe(503);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(took).toBeGreaterThan(950);
    expect(took).toBeLessThan(1250);
  });

  test("case 22: attempt_timeout_ms 200 and A hangs before headers — B serves within the timeout plus B", async () => {
    gw = await startGateway({
      yaml: (m) => yaml(m, { a: "up-a@delay-ms=30000", b: "up-b" }, "  p: { members: [ { target: a, weight: 100, attempt_timeout_ms: 200 }, { target: b } ] }"),
      runtime: { jitter: zeroJitter },
    });
    const t0 = performance.now();
    const res = await chat(gw.url, "p");
    const took = performance.now() - t0;
    expect(res.status).toBe(200);
    expect(((await res.json()) as { model: string }).model).toBe("up-b");
    expect(took).toBeLessThan(200 + 100 + 100);
    const p = (await stats(gw.url)).pool_state.p;
    expect(p.failovers).toEqual({ attempt_timeout: 1 });
  });
});

test("/stats reports a lane's worst cell: a pool cell's failure streak shows even when no cell is cooling down", async () => {
  gw = await startGateway({
    yaml: (m) => yaml(m, { a: "up-a@status=500", b: "up-b" }, "  p: { members: [ { target: a, weight: 100 }, { target: b } ] }"),
    runtime: { jitter: zeroJitter },
  });
  expect((await chat(gw.url, "p")).status).toBe(200);
  const lane = (await stats(gw.url)).lanes.find((l: any) => l.model === "a");
  expect({ streak: lane.streak, err: lane.err, cooldown: lane.cooldown_remaining_s }).toEqual({ streak: 1, err: 1, cooldown: 0 });
});
