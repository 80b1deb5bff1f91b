// The breaker cell of one (pool, lane): closed → open → half-open → closed (reliability.md §7, with spec README D4
// and D5). Pure: the clock is a number passed in (ms since epoch) and the jitter is injected (I5), so every
// transition is testable without timers. Reads (`isReady`, `errorRate`, …) never change state (I3); `dispatch` is the
// one step that takes the probe slot, and only the member actually dispatched calls it.
import type { BreakerSpec } from "../config/model.ts";
import { assertNever } from "../ir/protocol.ts";
import { mulberry32 } from "../ir/seeded.ts";

export interface BreakerSettings extends BreakerSpec {
  /** `limits.hard_down_cooldown_secs` (reliability.md §2). */
  readonly hardDownCooldownSecs: number;
  /** `limits.max_honored_retry_after_secs`: the cap on any Retry-After the cell obeys. */
  readonly maxHonoredRetryAfterSecs: number;
}

/** A uniform integer in [−band, +band]. Injected so tests are deterministic (I5). */
export type Jitter = (band: number) => number;

export const zeroJitter: Jitter = () => 0;

export const randomJitter: Jitter = (band) => Math.floor(Math.random() * (2 * band + 1)) - band;

/** A reproducible jitter source (mulberry32): the same seed gives the same sequence. */
export function seededJitter(seed: number): Jitter {
  const next = mulberry32(seed);
  return (band) => Math.floor(next() * (2 * band + 1)) - band;
}

/**
 * The cooldown, in seconds, that a failure arms at this streak (already incremented), per §7: doubling from
 * `base_cooldown_secs` (D4: the first step is base itself), capped at `max_cooldown_secs`, jittered by about 10 %
 * so lanes that trip together do not probe together. A Retry-After (capped at `max_honored_retry_after_secs`) is a
 * floor, even above the max. Never below 1 s.
 */
export function cooldownSecs(streak: number, s: BreakerSettings, jitter: Jitter, retryAfterSec?: number): number {
  const target = Math.min(s.baseCooldownSecs * 2 ** (Math.max(1, streak) - 1), s.maxCooldownSecs);
  const band = Math.max(1, Math.floor(target / 10));
  let cd = Math.min(Math.max(target + jitter(band), Math.floor(target / 2)), s.maxCooldownSecs);
  if (retryAfterSec !== undefined) cd = Math.max(cd, Math.min(retryAfterSec, s.maxHonoredRetryAfterSecs));
  return Math.max(cd, 1);
}

/** D5: a failure that does not trip benches the lane only for the upstream's own Retry-After, capped. */
function retryAfterBenchSecs(retryAfterSec: number, s: BreakerSettings): number {
  return Math.min(retryAfterSec, s.maxHonoredRetryAfterSecs);
}

/** §7: the outcome window is a ring of the last 1024 outcomes. */
const WINDOW_CAPACITY = 1024;
/** The window `errorRate` reports over when the trip mode has none (`consecutive`): the `window_s` default. */
const STATS_WINDOW_S = 30;

class OutcomeRing {
  private readonly at = new Float64Array(WINDOW_CAPACITY);
  private readonly err = new Uint8Array(WINDOW_CAPACITY);
  private next = 0;
  private size = 0;

  record(now: number, err: boolean): void {
    this.at[this.next] = now;
    this.err[this.next] = err ? 1 : 0;
    this.next = (this.next + 1) % WINDOW_CAPACITY;
    if (this.size < WINDOW_CAPACITY) this.size++;
  }

  clear(): void {
    this.next = 0;
    this.size = 0;
  }

  /** Outcomes newer than `windowMs` before `now`. Scans the whole ring: a wall clock can step back. */
  counts(now: number, windowMs: number): { ok: number; err: number } {
    let ok = 0;
    let err = 0;
    for (let i = 0; i < this.size; i++) {
      if (now - this.at[i]! >= windowMs) continue;
      if (this.err[i] === 1) err++;
      else ok++;
    }
    return { ok, err };
  }
}

export type CellState = "closed" | "open" | "half_open";

export class Cell {
  #state: CellState = "closed";
  #streak = 0;
  #cooldownUntil = 0;
  /** When `cooldownUntil` was last raised: a health probe started before it cannot undo it (§7, last row). */
  #armedAt = Number.NEGATIVE_INFINITY;
  #trips = 0;
  #deadReason: string | undefined;
  readonly #window = new OutcomeRing();
  /** Smooth weighted round-robin state (route/swrr.ts); 0 again when the cell recovers. */
  currentWeight = 0;

  constructor(readonly settings: BreakerSettings, private readonly jitter: Jitter = randomJitter) {}

  get state(): CellState {
    return this.#state;
  }

  /** Consecutive transient failures; 0 after a success while closed or a recovery. */
  get streak(): number {
    return this.#streak;
  }

  /** ms since epoch; the cell admits no request before it. */
  get cooldownUntil(): number {
    return this.#cooldownUntil;
  }

  /** Half-open means exactly one request, the probe, is out. */
  get probeInFlight(): boolean {
    return this.#state === "half_open";
  }

  /** Times the cell went open: trips and hard-downs, not failed probes. */
  get trips(): number {
    return this.#trips;
  }

  /** Why the lane was last marked hard down; cleared on recovery. */
  get deadReason(): string | undefined {
    return this.#deadReason;
  }

  /** Admits a request now. Read-only: an expired open cell is ready, and becomes half-open only on `dispatch`. */
  isReady(now: number): boolean {
    return this.#state !== "half_open" && now >= this.#cooldownUntil;
  }

  /** The member is dispatched: an open cell whose cooldown has passed goes half-open and this request is its probe. */
  dispatch(now: number): { probe: boolean } {
    if (this.#state !== "open" || now < this.#cooldownUntil) return { probe: false };
    this.#state = "half_open";
    return { probe: true };
  }

  onSuccess(now: number, probe: boolean): void {
    if (this.#holdsProbe(probe)) {
      this.#recover();
      return;
    }
    switch (this.#state) {
      case "closed":
        this.#streak = 0;
        this.#window.record(now, false);
        return;
      case "open":
      case "half_open":
        // A late outcome of a request sent before the trip: counted, but only a probe closes the cell.
        this.#window.record(now, false);
        return;
      default:
        assertNever(this.#state, "cell state");
    }
  }

  onTransient(now: number, probe: boolean, retryAfterSec?: number): { tripped: boolean } {
    if (this.#holdsProbe(probe)) {
      // The probe failed: open again with the next cooldown step. Not a new trip.
      this.#streak++;
      this.#state = "open";
      this.#arm(now, cooldownSecs(this.#streak, this.settings, this.jitter, retryAfterSec));
      return { tripped: false };
    }
    switch (this.#state) {
      case "closed": {
        this.#streak++;
        this.#window.record(now, true);
        if (this.#tripsNow(now)) {
          this.#state = "open";
          this.#arm(now, cooldownSecs(this.#streak, this.settings, this.jitter, retryAfterSec));
          this.#trips++;
          return { tripped: true };
        }
        // D5: no soft cooldown. The request fails over; the lane is benched only if the upstream asked for it.
        if (retryAfterSec !== undefined) this.#arm(now, retryAfterBenchSecs(retryAfterSec, this.settings));
        return { tripped: false };
      }
      case "open":
      case "half_open":
        // A late outcome of a request sent before the trip: the streak grows, so the next probe failure escalates
        // from here; a Retry-After is always honoured (§6).
        this.#streak++;
        if (retryAfterSec !== undefined) this.#arm(now, retryAfterBenchSecs(retryAfterSec, this.settings));
        return { tripped: false };
      default:
        return assertNever(this.#state, "cell state");
    }
  }

  /** §6 hard down (the lane's key or billing was refused): open for `hard_down_cooldown_secs`; any probe is forgotten. */
  onHardDown(now: number, reason: string): void {
    this.#state = "open";
    this.#arm(now, this.settings.hardDownCooldownSecs);
    this.#trips++;
    this.#deadReason = reason;
  }

  /**
   * The probe ended with no verdict on the lane (client fault, context length, passthrough auth, disconnect, no
   * permit before the deadline): open again with the cooldown unchanged (already passed), so the next request probes.
   */
  onAbandon(probe: boolean): void {
    if (this.#holdsProbe(probe)) this.#state = "open";
  }

  /**
   * §10 health probe answered 2xx: recover, unless a stricter cooldown was armed after the probe started (a trip or
   * Retry-After newer than the probe's evidence), then record the success.
   */
  onHealthSuccess(now: number, probeStartedAt: number): void {
    const unready = this.#state !== "closed" || now < this.#cooldownUntil;
    const stricterSince = this.#armedAt > probeStartedAt && this.#cooldownUntil > now;
    if (unready && !stricterSince) this.#recover();
    this.onSuccess(now, false);
  }

  /** §10 health probe failed transiently: trips a closed cell as a request failure would; escalates an open one. */
  onHealthTransient(now: number, retryAfterSec?: number): void {
    switch (this.#state) {
      case "closed":
        this.onTransient(now, false, retryAfterSec);
        return;
      case "open":
      case "half_open":
        this.#streak++;
        this.#arm(now, cooldownSecs(this.#streak, this.settings, this.jitter, retryAfterSec));
        return;
      default:
        assertNever(this.#state, "cell state");
    }
  }

  /** err / (ok + err) over the trip window (`window_s`; 30 s in consecutive mode); 0 when empty. */
  errorRate(now: number): number {
    const { ok, err } = this.recentCounts(now);
    return ok + err === 0 ? 0 : err / (ok + err);
  }

  recentCounts(now: number): { ok: number; err: number } {
    const trip = this.settings.trip;
    return this.#window.counts(now, (trip.mode === "error_rate" ? trip.windowS : STATS_WINDOW_S) * 1000);
  }

  /** Whole seconds until the cell admits requests again; 0 when it does. */
  cooldownRemainingS(now: number): number {
    return Math.max(0, Math.ceil((this.#cooldownUntil - now) / 1000));
  }

  /** The outcome is the probe this cell is waiting for (not a stale one after a hard-down or a health recovery). */
  #holdsProbe(probe: boolean): boolean {
    return probe && this.#state === "half_open";
  }

  /** §7 trip policy, checked after the failure is counted. Equality trips. */
  #tripsNow(now: number): boolean {
    const trip = this.settings.trip;
    switch (trip.mode) {
      case "consecutive":
        return this.#streak >= trip.n;
      case "error_rate": {
        const { ok, err } = this.#window.counts(now, trip.windowS * 1000);
        const count = ok + err;
        return count >= trip.minRequests && err / count >= trip.threshold;
      }
      default:
        return assertNever(trip, "trip mode");
    }
  }

  /** Raises the cooldown to now + secs; never shortens one already armed. */
  #arm(now: number, secs: number): void {
    const until = now + secs * 1000;
    if (secs <= 0 || until <= this.#cooldownUntil) return;
    this.#cooldownUntil = until;
    this.#armedAt = now;
  }

  /** §7 probe success: closed, with streak, window, cooldown and SWRR weight cleared. */
  #recover(): void {
    this.#state = "closed";
    this.#streak = 0;
    this.#window.clear();
    this.#cooldownUntil = 0;
    this.#armedAt = Number.NEGATIVE_INFINITY;
    this.#deadReason = undefined;
    this.currentWeight = 0;
  }
}
