// Turns a protocol's framed events into a streaming HTTP body, paced by `streamIntervalMs` and,
// under the abort fault, cut off after N events without the terminator.

export interface StreamPacing {
  /** Gap before every event but the first. */
  readonly intervalMs: number;
  /** Send at most this many events, never the last one, then destroy the connection. */
  readonly abortAfterEvents: number | undefined;
  readonly sleep: (ms: number) => Promise<void>;
}

/**
 * Bun resets the socket when a body stream errors, and a reset that lands before the client has read
 * the bytes already written makes it drop them (measured on loopback: with no wait every run lost them,
 * with 1 ms 17 % did, with 5 ms none of 500 and with 10 ms none of 2000), so the cut waits this long.
 */
export const ABORT_GRACE_MS = 20;

export function streamBody(events: Iterable<string | Uint8Array>, pacing: StreamPacing): ReadableStream<Uint8Array> {
  const it = events[Symbol.iterator]();
  const encoder = new TextEncoder();
  let next = it.next();
  let sent = 0;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (next.done) {
        controller.close();
        return;
      }
      const current = next.value;
      next = it.next();
      const limit = pacing.abortAfterEvents;
      // `next.done` means `current` is the terminator: an aborted stream never sends it.
      if (limit !== undefined && (sent >= limit || next.done)) {
        await pacing.sleep(ABORT_GRACE_MS);
        // Erroring with `undefined` makes Bun reset the connection without logging an error.
        controller.error(undefined);
        return;
      }
      if (sent > 0 && pacing.intervalMs > 0) await pacing.sleep(pacing.intervalMs);
      controller.enqueue(typeof current === "string" ? encoder.encode(current) : current);
      sent++;
    },
  });
}
