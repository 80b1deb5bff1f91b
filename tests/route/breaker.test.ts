// The breaker cell (reliability.md §7, §10 probe rows, §13.2 cases 14–18) with spec README D4 (first cooldown =
// base) and D5 (no soft cooldown: a non-tripping failure benches only for the upstream's Retry-After). The clock is
// a number; nothing sleeps.
import { describe, expect, test } from "bun:test";
import type { TripSpec } from "../../src/config/model.ts";
import { type BreakerSettings, Cell, cooldownSecs, type Jitter, seededJitter, zeroJitter } from "../../src/route/breaker.ts";

const T0 = 1_750_000_000_000;
/** ms since epoch, `secs` after T0. */
const at = (secs: number) => T0 + secs * 1000;

function settings(trip: TripSpec, base = 15, max = 120): BreakerSettings {
  return { baseCooldownSecs: base, maxCooldownSecs: max, trip, hardDownCooldownSecs: 1800, maxHonoredRetryAfterSecs: 86400 };
}
const consecutive = (n: number, base = 15, max = 120) => settings({ mode: "consecutive", n }, base, max);
const errorRateDefaults = settings({ mode: "error_rate", windowS: 30, threshold: 0.5, minRequests: 5 });

/** The observable state of a cell at `now`, for one whole-object comparison. */
function view(c: Cell, now: number) {
  return {
    state: c.state, ready: c.isReady(now), streak: c.streak, cooldownS: c.cooldownRemainingS(now),
    trips: c.trips, probeInFlight: c.probeInFlight,
  };
}
const closedReady = { state: "closed", ready: true, cooldownS: 0, trips: 0, probeInFlight: false } as const;

/** A cell tripped open at T0 (consecutive n=3, 15/120, zero jitter): streak 3, open for 60 s. */
function trippedAtT0(jitter: Jitter = zeroJitter): Cell {
  const c = new Cell(consecutive(3), jitter);
  for (let i = 0; i < 3; i++) c.onTransient(T0, false);
  return c;
}

describe("cooldown (§7)", () => {
  test("with zero jitter the ladder is 15, 30, 60, then 120 s (D4: the first step is base)", () => {
    const s = consecutive(3);
    expect([1, 2, 3, 4, 5, 12, 2000].map((k) => cooldownSecs(k, s, zeroJitter))).toEqual([15, 30, 60, 120, 120, 120, 120]);
  });

  test("Retry-After is a floor, even above max_cooldown_secs, capped at max_honored_retry_after_secs", () => {
    const s = { ...consecutive(3, 15, 30), maxHonoredRetryAfterSecs: 3600 };
    expect([
      cooldownSecs(1, s, zeroJitter, 45),
      cooldownSecs(1, s, zeroJitter, 999_999),
      cooldownSecs(1, s, zeroJitter, 2),
      cooldownSecs(3, s, zeroJitter, 0),
    ]).toEqual([45, 3600, 15, 30]);
  });

  test("jitter is about 10 %, clamped to [target/2, max], and never below 1 s", () => {
    const low: Jitter = (band) => -band;
    const high: Jitter = (band) => band;
    expect([
      cooldownSecs(3, consecutive(3), low), cooldownSecs(3, consecutive(3), high),
      cooldownSecs(4, consecutive(3), high), // at the max, jitter can only take away
      cooldownSecs(1, consecutive(3, 1, 10), low), // 1 − 1 = 0 → 1 s
    ]).toEqual([54, 66, 120, 1]);
  });

  test("case 18: with a seeded source, 1000 cooldowns at streak 3 fall in [54, 66] and are not all equal", () => {
    const jitter = seededJitter(18);
    const cds = Array.from({ length: 1000 }, () => cooldownSecs(3, consecutive(3), jitter));
    expect({ min: Math.min(...cds), max: Math.max(...cds) }).toEqual({ min: 54, max: 66 });
    expect(new Set(cds).size).toBeGreaterThan(1);
    // Same seed, same sequence (I5).
    const again = seededJitter(18);
    expect(Array.from({ length: 1000 }, () => cooldownSecs(3, consecutive(3), again))).toEqual(cds);
  });
});

describe("closed: trips and D5", () => {
  test("case 14 (D5): consecutive n=3, 15/120: failures 1 and 2 leave it Closed and ready; failure 3 opens it for 60 s, trips +1 once", () => {
    const c = new Cell(consecutive(3), zeroJitter);
    const seen = [1, 2, 3].map(() => {
      const r = c.onTransient(T0, false);
      return { ...r, ...view(c, T0) };
    });
    expect(seen).toEqual([
      { tripped: false, ...closedReady, streak: 1 },
      { tripped: false, ...closedReady, streak: 2 },
      { tripped: true, state: "open", ready: false, streak: 3, cooldownS: 60, trips: 1, probeInFlight: false },
    ]);
    // A late failure of a request sent before the trip: streak grows, no second trip, cooldown unchanged.
    expect(c.onTransient(at(1), false)).toEqual({ tripped: false });
    expect(view(c, at(1))).toEqual({ state: "open", ready: false, streak: 4, cooldownS: 59, trips: 1, probeInFlight: false });
    expect([c.isReady(at(60) - 1), c.isReady(at(60))]).toEqual([false, true]);
  });

  test("a success while closed resets the streak, so n failures must be consecutive", () => {
    const c = new Cell(consecutive(3), zeroJitter);
    c.onTransient(T0, false);
    c.onTransient(T0, false);
    c.onSuccess(T0, false);
    c.onTransient(T0, false);
    c.onTransient(T0, false);
    expect(view(c, T0)).toEqual({ ...closedReady, streak: 2 });
  });

  test("case 10 at the cell (D5): a non-tripping failure with Retry-After benches for that long, even above the max; capped", () => {
    const c = new Cell(consecutive(3, 15, 30), zeroJitter);
    expect(c.onTransient(T0, false, 45)).toEqual({ tripped: false });
    expect(view(c, T0)).toEqual({ state: "closed", ready: false, streak: 1, cooldownS: 45, trips: 0, probeInFlight: false });
    expect([c.isReady(at(45) - 1), c.isReady(at(45))]).toEqual([false, true]);

    const capped = new Cell({ ...consecutive(3), maxHonoredRetryAfterSecs: 86400 }, zeroJitter);
    capped.onTransient(T0, false, 999_999);
    expect(capped.cooldownRemainingS(T0)).toBe(86400);

    // A shorter Retry-After never shortens a bench already armed.
    c.onTransient(at(1), false, 5);
    expect(c.cooldownRemainingS(at(1))).toBe(44);
  });

  test("a tripping failure with Retry-After opens for at least that long", () => {
    const c = new Cell(consecutive(1), zeroJitter);
    c.onTransient(T0, false, 300);
    expect(view(c, T0)).toEqual({ state: "open", ready: false, streak: 1, cooldownS: 300, trips: 1, probeInFlight: false });
  });

  test("case 15: error_rate defaults open at the 5th recorded failure out of 5; a 6th late failure is not a new trip", () => {
    const c = new Cell(errorRateDefaults, zeroJitter);
    const tripped = Array.from({ length: 6 }, () => c.onTransient(T0, false).tripped);
    expect(tripped).toEqual([false, false, false, false, true, false]);
    // Streak 5 when it trips: the ladder's 120 s.
    expect(view(c, T0)).toEqual({ state: "open", ready: false, streak: 6, cooldownS: 120, trips: 1, probeInFlight: false });
  });

  test("case 15: a window of 2 ok and 2 err stays Closed and ready; equality trips once min_requests is met", () => {
    const c = new Cell(errorRateDefaults, zeroJitter);
    c.onSuccess(T0, false);
    c.onSuccess(T0, false);
    c.onTransient(T0, false);
    c.onTransient(T0, false);
    expect({ ...view(c, T0), counts: c.recentCounts(T0), rate: c.errorRate(T0) })
      .toEqual({ ...closedReady, streak: 2, counts: { ok: 2, err: 2 }, rate: 0.5 });

    const eq = new Cell(errorRateDefaults, zeroJitter);
    for (let i = 0; i < 3; i++) eq.onSuccess(T0, false);
    // 2 of 5 is below 0.5; 3 of 6 is exactly 0.5, and equality trips.
    expect([1, 2, 3].map(() => eq.onTransient(T0, false).tripped)).toEqual([false, false, true]);
  });

  test("outcomes older than window_s no longer count", () => {
    const c = new Cell(errorRateDefaults, zeroJitter);
    for (let i = 0; i < 4; i++) c.onTransient(T0, false);
    expect(c.onTransient(at(30), false)).toEqual({ tripped: false });
    expect(c.recentCounts(at(30))).toEqual({ ok: 0, err: 1 });
    expect(c.recentCounts(at(30) - 1)).toEqual({ ok: 0, err: 5 });
  });

  test("the window is a ring of the last 1024 outcomes", () => {
    const c = new Cell(errorRateDefaults, zeroJitter);
    for (let i = 0; i < 1500; i++) c.onSuccess(T0, false);
    expect(c.recentCounts(T0)).toEqual({ ok: 1024, err: 0 });
    for (let i = 0; i < 1000; i++) c.onSuccess(T0, false);
    c.onTransient(T0, false);
    expect(c.recentCounts(T0)).toEqual({ ok: 1023, err: 1 });
  });

  test("errorRate is 0 on an empty window; consecutive mode reports over 30 s", () => {
    const c = new Cell(consecutive(9), zeroJitter);
    expect(c.errorRate(T0)).toBe(0);
    c.onSuccess(T0, false);
    c.onSuccess(T0, false);
    c.onSuccess(T0, false);
    c.onTransient(T0, false);
    expect([c.errorRate(T0), c.errorRate(at(30))]).toEqual([0.25, 0]);
  });
});

describe("open → half-open → closed (case 16 at the cell)", () => {
  test("reads never take the probe slot (case 17); only one dispatch probes", () => {
    const c = trippedAtT0();
    const now = at(60);
    for (let i = 0; i < 100; i++) c.isReady(now);
    expect(view(c, now)).toEqual({ state: "open", ready: true, streak: 3, cooldownS: 0, trips: 1, probeInFlight: false });
    const probes = Array.from({ length: 20 }, () => c.dispatch(now).probe);
    expect(probes.filter(Boolean).length).toBe(1);
    expect(probes[0]).toBe(true);
    expect(view(c, now)).toEqual({ state: "half_open", ready: false, streak: 3, cooldownS: 0, trips: 1, probeInFlight: true });
  });

  test("dispatch before the cooldown ends (least_bad) is not a probe", () => {
    const c = trippedAtT0();
    expect(c.dispatch(at(10))).toEqual({ probe: false });
    expect(c.state).toBe("open");
  });

  test("the probe succeeds: Closed, streak, window and cooldown cleared, SWRR weight 0", () => {
    const c = trippedAtT0();
    c.currentWeight = -7;
    const { probe } = c.dispatch(at(60));
    c.onSuccess(at(61), probe);
    expect({ ...view(c, at(61)), currentWeight: c.currentWeight, counts: c.recentCounts(at(61)) })
      .toEqual({ ...closedReady, streak: 0, trips: 1, currentWeight: 0, counts: { ok: 0, err: 0 } });
  });

  test("the probe fails: Open again with the next cooldown step; trips unchanged", () => {
    const c = trippedAtT0();
    const { probe } = c.dispatch(at(60));
    expect(c.onTransient(at(61), probe)).toEqual({ tripped: false });
    expect(view(c, at(61))).toEqual({ state: "open", ready: false, streak: 4, cooldownS: 120, trips: 1, probeInFlight: false });
  });

  test("the probe is abandoned (a 400 relayed): Open, cooldown unchanged, and the next dispatch probes", () => {
    const c = trippedAtT0();
    const { probe } = c.dispatch(at(60));
    c.onAbandon(probe);
    expect(view(c, at(61))).toEqual({ state: "open", ready: true, streak: 3, cooldownS: 0, trips: 1, probeInFlight: false });
    expect(c.dispatch(at(61))).toEqual({ probe: true });
  });

  test("a late outcome while half-open neither closes nor reopens the cell, and abandoning a non-probe does nothing", () => {
    const c = trippedAtT0();
    c.dispatch(at(60));
    c.onSuccess(at(61), false);
    c.onAbandon(false);
    expect(c.onTransient(at(61), false)).toEqual({ tripped: false });
    expect(view(c, at(61))).toEqual({ state: "half_open", ready: false, streak: 4, cooldownS: 0, trips: 1, probeInFlight: true });
  });

  test("a late success while open is recorded but does not close the cell", () => {
    const c = trippedAtT0();
    c.onSuccess(at(1), false);
    expect({ state: c.state, streak: c.streak, counts: c.recentCounts(at(1)) }).toEqual({ state: "open", streak: 3, counts: { ok: 1, err: 3 } });
  });
});

describe("hard down (§6)", () => {
  test("open for hard_down_cooldown_secs with a dead reason; trips +1", () => {
    const c = new Cell(consecutive(3), zeroJitter);
    c.onHardDown(T0, "auth: upstream answered 401");
    expect({ ...view(c, T0), deadReason: c.deadReason })
      .toEqual({ state: "open", ready: false, streak: 0, cooldownS: 1800, trips: 1, probeInFlight: false, deadReason: "auth: upstream answered 401" });
  });

  test("the probe slot is cleared, and that probe's late answer cannot close the cell", () => {
    const c = trippedAtT0();
    const { probe } = c.dispatch(at(60));
    c.onHardDown(at(61), "billing: upstream answered 402");
    expect(c.probeInFlight).toBe(false);
    c.onSuccess(at(62), probe);
    expect(view(c, at(62))).toEqual({ state: "open", ready: false, streak: 3, cooldownS: 1799, trips: 2, probeInFlight: false });
  });
});

describe("health probes (§10)", () => {
  test("a 2xx ends a hard-down early and records the success", () => {
    const c = new Cell(consecutive(3), zeroJitter);
    c.onHardDown(T0, "auth: upstream answered 401");
    c.onHealthSuccess(at(31), at(30));
    expect({ ...view(c, at(31)), deadReason: c.deadReason, counts: c.recentCounts(at(31)) })
      .toEqual({ ...closedReady, streak: 0, trips: 1, deadReason: undefined, counts: { ok: 1, err: 0 } });
  });

  test("unless a stricter cooldown was armed after the probe started", () => {
    const c = new Cell(consecutive(1), zeroJitter);
    c.onTransient(at(30.5), false); // trips while the probe (started at 30 s) is out
    c.onHealthSuccess(at(31), at(30));
    expect(view(c, at(31))).toEqual({ state: "open", ready: false, streak: 1, cooldownS: 15, trips: 1, probeInFlight: false });

    // A Retry-After bench armed after the probe started stands too; one armed before it does not.
    const benched = new Cell(consecutive(3), zeroJitter);
    benched.onTransient(at(30.5), false, 600);
    benched.onHealthSuccess(at(31), at(30));
    expect(benched.cooldownRemainingS(at(31))).toBe(600);
    benched.onHealthSuccess(at(41), at(40));
    expect(view(benched, at(41))).toEqual({ ...closedReady, streak: 0 });
  });

  test("a 2xx also recovers a half-open cell; its organic probe then reports as an ordinary outcome", () => {
    const c = trippedAtT0();
    const { probe } = c.dispatch(at(60));
    c.onHealthSuccess(at(61), at(60));
    expect(c.state).toBe("closed");
    c.onTransient(at(62), probe);
    expect(view(c, at(62))).toEqual({ ...closedReady, streak: 1, trips: 1 });
  });

  test("case 33: with consecutive n=2, two failed probes trip a Closed lane", () => {
    const c = new Cell(consecutive(2), zeroJitter);
    c.onHealthTransient(T0);
    c.onHealthTransient(at(1));
    expect(view(c, at(1))).toEqual({ state: "open", ready: false, streak: 2, cooldownS: 30, trips: 1, probeInFlight: false });
  });

  test("a failed probe escalates an Open lane (not a trip) and honours Retry-After", () => {
    const c = new Cell(consecutive(1), zeroJitter);
    c.onTransient(T0, false);
    c.onHealthTransient(at(10));
    expect(view(c, at(10))).toEqual({ state: "open", ready: false, streak: 2, cooldownS: 30, trips: 1, probeInFlight: false });
    c.onHealthTransient(at(11), 900);
    expect(c.cooldownRemainingS(at(11))).toBe(900);
  });
});
