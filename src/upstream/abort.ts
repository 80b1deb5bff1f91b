// Why an attempt's upstream exchange was cut: one AbortController per attempt, fired once with a reason, so a
// failed read or fetch can be told apart (client gone vs deadline vs one of the timers of reliability.md §9).

export type AbortReason =
  /** The client disconnected: nothing is recorded against the lane (§3). */
  | "client"
  /** The request deadline passed: the attempt is abandoned, nothing recorded (§9). */
  | "deadline"
  /** Attempt timeout, TTFT, stall/idle or whole-request timeout: a transient `timeout` (§9, spec README). */
  | "attempt_timeout"
  | "ttft_timeout"
  | "stall_timeout"
  | "request_timeout"
  /** The gateway is done with the upstream (failed over, or the stream ended): not a fault. */
  | "done";

export class AttemptAbort {
  private readonly ac = new AbortController();
  reason: AbortReason | undefined;

  get signal(): AbortSignal {
    return this.ac.signal;
  }

  fire(reason: AbortReason): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.ac.abort();
  }

  /** The attempt's own timers, as opposed to the request ending (client or deadline). */
  get timedOut(): boolean {
    return this.reason === "attempt_timeout" || this.reason === "ttft_timeout" || this.reason === "stall_timeout" || this.reason === "request_timeout";
  }
}

/**
 * Request level: why the request ended (client gone or deadline), passed to the attempt in flight. A plain object,
 * not a second AbortController with a listener per attempt (~1.5 µs a request); a signal exists only for a permit
 * wait, made on first use.
 */
export class RequestEnd {
  reason: "client" | "deadline" | undefined;
  /** performance.now() ms at which the request deadline passes (§9: admission until commit). */
  constructor(readonly deadlineAt: number) {}
  /** The attempt in flight, if any. */
  current: AttemptAbort | undefined;
  private waitCtl: AbortController | undefined;

  fire(reason: "client" | "deadline"): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.current?.fire(reason);
    this.waitCtl?.abort();
  }

  /** Aborts when the request ends: for waits outside an attempt (a saturated member's permit queue). */
  get signal(): AbortSignal {
    if (this.waitCtl === undefined) {
      this.waitCtl = new AbortController();
      if (this.reason !== undefined) this.waitCtl.abort();
    }
    return this.waitCtl.signal;
  }

  /** Hands the request's end to an attempt for its duration. */
  attach(a: AttemptAbort): void {
    this.current = a;
    if (this.reason !== undefined) a.fire(this.reason);
  }
}
