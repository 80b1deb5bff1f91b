// Every upstream attempt the mock saw, grouped per chaos request (reliability.md §13.3: "each prompt carries a
// unique id so mock logs can be grouped per request"). The mock keeps only a member's last 1000 requests, so the
// ledger polls each member's log through the control API and keeps what is new (by the mock's `seq`);
// `missing()` then proves nothing was missed by comparing with the member's own request count.
import type { BehaviourKind, MockControl } from "../../src/mock/control.ts";
import { PROMPT_ID } from "./wire.ts";

export interface Attempt {
  readonly seq: number;
  readonly member: string;
  /** Unix ms when the mock received it. */
  readonly at: number;
  readonly stream: boolean;
  /** The behaviour the mock played; "plain" for none. */
  readonly kind: BehaviourKind | "plain";
  /** `reset_after_events` only: content events before the cut. */
  readonly n: number | undefined;
  readonly source: string | null;
}

export class Ledger {
  /**
   * The `seq`s taken per member that may still be in its log. The log is not strictly in `seq` order (the mock
   * numbers a request before reading its body), so "above the last one" would miss some; a `seq` below the
   * lowest one in the current log can never show up again and is dropped.
   */
  private readonly seen = new Map<string, Set<number>>();
  private readonly perRequest = new Map<string, Attempt[]>();
  private readonly collected = new Map<string, number>();
  /** Health probes (no chaos id) per member. */
  readonly probes = new Map<string, number>();
  /** performance.now() when the last complete poll began: every attempt of a request that ended before is held. */
  coveredUntil = 0;
  /** Called after every poll (the phase judge flushes here). */
  onPoll: (() => void) | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private polling: Promise<void> = Promise.resolve();

  constructor(private readonly ctl: MockControl, private readonly members: readonly string[]) {}

  /** Polls every member's log every `ms`; a poll never overlaps the previous one. */
  start(ms: number): void {
    this.timer = setInterval(() => {
      this.polling = this.polling.then(() => this.poll()).catch(() => {});
    }, ms);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.polling;
    await this.poll();
  }

  async poll(): Promise<void> {
    const began = performance.now();
    for (const m of this.members) {
      const log = await this.ctl.log(m);
      let seen = this.seen.get(m);
      if (seen === undefined) this.seen.set(m, seen = new Set());
      let lowest = Infinity;
      for (const r of log.requests) lowest = Math.min(lowest, r.seq);
      for (const s of seen) if (s < lowest) seen.delete(s);
      for (const r of log.requests) {
        if (seen.has(r.seq)) continue;
        seen.add(r.seq);
        this.collected.set(m, (this.collected.get(m) ?? 0) + 1);
        const id = PROMPT_ID.exec(JSON.stringify(r.body ?? ""))?.[1];
        if (id === undefined) {
          this.probes.set(m, (this.probes.get(m) ?? 0) + 1);
          continue;
        }
        const b = r.behaviour;
        const attempt: Attempt = {
          seq: r.seq, member: m, at: r.at, stream: r.stream, kind: b?.kind ?? "plain",
          n: b?.kind === "reset_after_events" ? b.n : undefined, source: r.source,
        };
        const list = this.perRequest.get(id);
        if (list === undefined) this.perRequest.set(id, [attempt]);
        else list.push(attempt);
      }
    }
    this.coveredUntil = Math.max(this.coveredUntil, began);
    this.onPoll?.();
  }

  /** Members whose log outran the polling (the mock saw more than the ledger holds): empty when complete. */
  async missing(): Promise<string[]> {
    const out: string[] = [];
    for (const m of this.members) {
      const total = (await this.ctl.state(m)).requests;
      const have = this.collected.get(m) ?? 0;
      if (total !== have) out.push(`${m}: mock saw ${total}, ledger holds ${have}`);
    }
    return out;
  }

  /** The request's attempts in the order they reached the mock. */
  attempts(id: string): readonly Attempt[] {
    return (this.perRequest.get(id) ?? []).toSorted((a, b) => a.seq - b.seq);
  }

  /** Drops analysed requests, so the harness's own memory stays flat over a long soak. */
  forget(ids: Iterable<string>): void {
    for (const id of ids) this.perRequest.delete(id);
  }
}

/** The attempt died after the gateway could commit: a stream cut after content events (§8.3). */
export function isPostCommitDeath(a: Attempt): boolean {
  return a.stream && a.kind === "reset_after_events" && (a.n ?? 0) > 0;
}
