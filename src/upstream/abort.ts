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

/** A request-level abort (client gone or deadline) is passed down to the attempt; the returned function unlinks it. */
export function linkAbort(parent: { readonly signal: AbortSignal; readonly reason: AbortReason | undefined }, child: AttemptAbort): () => void {
  const onAbort = () => child.fire(parent.reason ?? "client");
  if (parent.signal.aborted) {
    onAbort();
    return () => {};
  }
  parent.signal.addEventListener("abort", onAbort, { once: true });
  return () => parent.signal.removeEventListener("abort", onAbort);
}
