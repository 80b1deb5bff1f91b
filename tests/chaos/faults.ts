// What each member does in each phase of reliability.md §13.3, set through the mock's control API (seeded mixes
// and defaults), and the record of when each member was faulted, from which the §13.3 healthy-member rule is read.
import type { Behaviour, MixEntry, MockControl } from "../../src/mock/control.ts";
import type { FetchFn } from "../../src/runtime.ts";
import { mulberry32 } from "../../src/ir/seeded.ts";

/** Reply pacing for every success (mix `ok` entries; plain replies use the same numbers as the mock's options). */
export const PACING = { firstDelayMs: 30, eventDelayMs: 15, events: 8 } as const;

const OK: Behaviour = { kind: "ok", first_event_delay_ms: PACING.firstDelayMs, event_delay_ms: PACING.eventDelayMs };

/**
 * Phase 1 for A and B, in requests per thousand: 30 % faults from the §13.3 list (401 at 1 %), plus the separate
 * 1 % `reset_after_events{2}`. The mix is per member, so that 1 % also hits non-streaming requests, where the
 * mock sends half the body and resets: one more pre-commit fault on a member that is faulty anyway.
 */
export const ANCHOR_MIX: readonly MixEntry[] = [
  { weight: 690, behaviour: OK },
  ...[1, 2, 3, 4, 5].map((s): MixEntry => ({ weight: 8, behaviour: { kind: "rate_limited", retry_after: s } })), // 40
  { weight: 35, behaviour: { kind: "server_error" } },
  { weight: 35, behaviour: { kind: "unavailable" } },
  { weight: 35, behaviour: { kind: "overloaded" } },
  { weight: 10, behaviour: { kind: "unauthorized" } },
  { weight: 25, behaviour: { kind: "reset_before_headers" } },
  { weight: 25, behaviour: { kind: "hang_before_headers" } },
  { weight: 25, behaviour: { kind: "hang_after_headers" } },
  { weight: 25, behaviour: { kind: "reset_after_events", n: 0 } }, // 200, then a reset before any content
  { weight: 25, behaviour: { kind: "error_event_first" } },
  { weight: 20, behaviour: { kind: "truncate_json" } },
  { weight: 10, behaviour: { kind: "reset_after_events", n: 2, event_delay_ms: PACING.eventDelayMs } }, // post-commit on streams
];

/** Phase 2, a member "fully down": nothing succeeds, every way of failing before headers; no Retry-After. */
export const DOWN_MIX: readonly MixEntry[] = [
  { weight: 2, behaviour: { kind: "reset_before_headers" } },
  { weight: 1, behaviour: { kind: "server_error" } },
  { weight: 1, behaviour: { kind: "unavailable" } },
  { weight: 1, behaviour: { kind: "overloaded" } },
  { weight: 1, behaviour: { kind: "hang_before_headers" } },
];

/** Phase 3: every member resets. */
export const OUTAGE: Behaviour = { kind: "reset_before_headers" };

/** The header the mock reads a fault script from; it applies only while the member has no queue, mix or default. */
const SCRIPT_HEADER = "x-mock-fault";

/**
 * §13.3 phase 1: "1 % of streams on any member get reset_after_events{2}". A and B draw it from their mix; C must
 * see no other fault, and a per-member mix cannot tell streams from non-streams, so for C the gateway's egress
 * fetch (RuntimeOptions.fetch) adds the mock's fault-script header to a seeded 1 % of C's stream requests.
 */
export class StreamCutter {
  private on = false;
  private readonly next: () => number;
  injected = 0;

  constructor(seed: number, private readonly pathPart: string, private readonly rate: number) {
    this.next = mulberry32(seed);
  }

  enable(on: boolean): void {
    this.on = on;
  }

  wrap(inner: FetchFn): FetchFn {
    return (url, init) => {
      if (!this.on || !url.pathname.includes(this.pathPart)) return inner(url, init);
      if (this.next() >= this.rate) return inner(url, init);
      this.injected++;
      const headers = new Headers(init.headers);
      headers.set(SCRIPT_HEADER, "reset_after_events:2");
      return inner(url, { ...init, headers });
    };
  }
}

/**
 * When each member was faulted (before commit), and the §13.3 rule read from it: "a member counts as healthy once
 * it has been fault-free for longer than max_cooldown_secs + interval_secs". Times are performance.now() ms.
 */
export class FaultBook {
  private readonly spans = new Map<string, { from: number; to: number | undefined }[]>();

  constructor(private readonly ctl: MockControl, readonly members: readonly string[], private readonly healthyAfterMs: number) {
    for (const m of members) this.spans.set(m, []);
  }

  private open(m: string): void {
    const s = this.spans.get(m)!;
    if (s.at(-1)?.to === undefined && s.length > 0) return;
    s.push({ from: performance.now(), to: undefined });
  }

  private close(m: string): void {
    const last = this.spans.get(m)!.at(-1);
    if (last !== undefined && last.to === undefined) last.to = performance.now();
  }

  async mix(m: string, seed: number, entries: readonly MixEntry[]): Promise<void> {
    this.open(m); // counted as faulted from just before the mock applies it
    await this.ctl.clearDefault(m);
    await this.ctl.mix(m, seed, entries);
  }

  async always(m: string, b: Behaviour): Promise<void> {
    this.open(m);
    await this.ctl.clearMix(m);
    await this.ctl.setDefault(m, b);
  }

  async heal(m: string): Promise<void> {
    await this.ctl.clearMix(m);
    await this.ctl.clearDefault(m);
    this.close(m); // and healthy only from just after
  }

  healthy(m: string, t: number): boolean {
    for (const s of this.spans.get(m)!) {
      if (s.from <= t && (s.to === undefined || t < s.to + this.healthyAfterMs)) return false;
    }
    return true;
  }

  /** At least one member is healthy at `t` (the §13.3 condition for "no client-visible failures"). */
  anyHealthy(t: number): boolean {
    return this.members.some((m) => this.healthy(m, t));
  }
}
