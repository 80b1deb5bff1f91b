// A response body played as a timeline: frames paced by the behaviour's delays, and at most one strike
// (reset, stall, in-band error, malformed frame, truncation) at a point counted in content frames.
// Every wait ends when the client goes away, and a stall ends at the hang cap, so nothing outlives its
// request.
import { assertNever } from "../ir/protocol.ts";
import type { Sent, StreamFaults } from "./inband.ts";
import type { Frame, Wire } from "./protocol.ts";
import { ABORT_GRACE_MS } from "./stream.ts";

export type Strike =
  /** The connection is destroyed (TCP reset); the headers go first if nothing was sent yet. */
  | { readonly kind: "reset" }
  /** Nothing more is sent; the connection stays open until the client leaves or the cap passes. */
  | { readonly kind: "stall" }
  /** The protocol's in-band error, then a clean end. */
  | { readonly kind: "error"; readonly type: string | undefined; readonly message: string | undefined }
  /** One unparsable frame, then the rest of the stream as usual. */
  | { readonly kind: "malformed" }
  /** The first half of the frame at the strike point, then a clean end. */
  | { readonly kind: "truncate" }
  /** A clean end, with nothing more. */
  | { readonly kind: "end" };

export interface Timeline {
  readonly frames: Iterable<Frame>;
  /** `after`: strike right after this many content frames (0: right before the first); "first": before any frame. */
  readonly strike?: { readonly after: number | "first"; readonly what: Strike };
  /** Before the first frame. */
  readonly firstDelayMs: number;
  /** Before every later frame, and before the strike. */
  readonly gapMs: number;
  /** Before the first content frame, with the headers committed first (slow first token). */
  readonly contentDelayMs: number;
  readonly faults: Pick<StreamFaults, "keepAlive" | "error" | "malformed">;
}

/**
 * The server's pending waits (delays, hangs, stalls), so a test can wait for requests to be held
 * (`MockUpstream.waiting`) and see that every one ended with its client (`MockUpstream.idle`).
 */
export class Waits {
  private active = 0;
  private watchers: { readonly done: (n: number) => boolean; readonly resolve: () => void }[] = [];

  get pending(): number {
    return this.active;
  }

  enter(): void {
    this.active++;
    this.notify();
  }

  leave(): void {
    this.active--;
    this.notify();
  }

  private notify(): void {
    const n = this.active;
    const ready = this.watchers.filter((w) => w.done(n));
    if (ready.length === 0) return;
    this.watchers = this.watchers.filter((w) => !w.done(n));
    for (const w of ready) w.resolve();
  }

  private until(done: (n: number) => boolean): Promise<void> {
    if (done(this.active)) return Promise.resolve();
    return new Promise((resolve) => this.watchers.push({ done, resolve }));
  }

  idle(): Promise<void> {
    return this.until((n) => n === 0);
  }

  atLeast(count: number): Promise<void> {
    return this.until((n) => n >= count);
  }
}

/** Resolves true after `ms`, or false as soon as `signal` aborts; the timer never outlives the signal. */
export function pause(ms: number, signal: AbortSignal, waits?: Waits): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  waits?.enter();
  return new Promise((resolve) => {
    const done = (elapsed: boolean) => {
      waits?.leave();
      resolve(elapsed);
    };
    const onAbort = () => {
      clearTimeout(timer);
      done(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      done(true);
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

/** The frame index the strike lands before: right after the n-th content frame, or after the last if fewer. */
export function strikeIndex(frames: readonly Frame[], after: number | "first"): number {
  if (after === "first") return 0;
  const content: number[] = [];
  frames.forEach((f, i) => {
    if (f.content) content.push(i);
  });
  if (content.length === 0) return frames.length;
  if (after === 0) return content[0] ?? 0;
  return (content[Math.min(after, content.length) - 1] ?? 0) + 1;
}

type Step = { readonly t: "send"; readonly wire: Wire } | { readonly t: "reset" } | { readonly t: "stall" };

const encoder = new TextEncoder();
const bytes = (w: Wire): Uint8Array => (typeof w === "string" ? encoder.encode(w) : w);

export function firstHalf(w: Wire): Uint8Array {
  const b = bytes(w);
  return b.subarray(0, Math.max(1, Math.floor(b.length / 2)));
}

async function* steps(t: Timeline, signal: AbortSignal, waits: Waits | undefined): AsyncGenerator<Step, void> {
  const wait = (ms: number) => pause(ms, signal, waits);
  // Materialised so the strike point can count content frames ahead of time.
  const frames = [...t.frames];
  let strike = t.strike;
  const at = strike === undefined ? -1 : strikeIndex(frames, strike.after);
  const sent: { frames: number; content: number } = { frames: 0, content: 0 };
  const gap = () => (sent.frames === 0 ? t.firstDelayMs : t.gapMs);
  const snapshot = (): Sent => ({ ...sent });
  for (let i = 0; ; ) {
    if (strike !== undefined && i === at) {
      if (!(await wait(gap()))) return;
      const what = strike.what;
      switch (what.kind) {
        case "reset":
          yield { t: "reset" };
          return;
        case "stall":
          yield { t: "stall" };
          return;
        case "error":
          for (const wire of t.faults.error(what.type, what.message, snapshot())) yield { t: "send", wire };
          return;
        case "end":
          return;
        case "truncate": {
          const f = frames[i];
          if (f !== undefined) yield { t: "send", wire: firstHalf(f.wire) };
          return;
        }
        case "malformed":
          yield { t: "send", wire: t.faults.malformed(snapshot()) };
          sent.frames++;
          strike = undefined;
          continue;
        default:
          assertNever(what, "strike");
      }
    }
    const f = frames[i];
    if (f === undefined) return;
    if (f.content && sent.content === 0 && t.contentDelayMs > 0) {
      // The first token is late, but the headers are not: commit them before the wait.
      if (sent.frames === 0) yield { t: "send", wire: t.faults.keepAlive };
      if (!(await wait(t.contentDelayMs))) return;
    } else if (!(await wait(gap()))) {
      return;
    }
    yield { t: "send", wire: f.wire };
    sent.frames++;
    if (f.content) sent.content++;
    i++;
  }
}

/**
 * The timeline as a response body. `signal` is the request's (aborted when the client disconnects);
 * a stall that outlasts `capMs` ends in a reset.
 */
export function timelineBody(t: Timeline, signal: AbortSignal, capMs: number, waits?: Waits): ReadableStream<Uint8Array> {
  const local = new AbortController();
  const stop = () => local.abort();
  if (signal.aborted) local.abort();
  else signal.addEventListener("abort", stop, { once: true });
  const it = steps(t, local.signal, waits);
  let wrote = false;
  let pending: Step | undefined;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const step = pending ?? (await it.next()).value;
      pending = undefined;
      if (step === undefined) {
        signal.removeEventListener("abort", stop);
        controller.close();
        return;
      }
      if (step.t !== "send" && !wrote) {
        // Bun sends the headers with the first body byte: a reset or stall must not look like "no response".
        controller.enqueue(bytes(t.faults.keepAlive));
        wrote = true;
        pending = step;
        return;
      }
      switch (step.t) {
        case "send":
          controller.enqueue(bytes(step.wire));
          wrote = true;
          return;
        case "reset":
          // Let the bytes already written reach the client before the reset (stream.ts ABORT_GRACE_MS).
          await pause(ABORT_GRACE_MS, local.signal, waits);
          signal.removeEventListener("abort", stop);
          // Erroring with `undefined` makes Bun reset the connection without logging an error.
          controller.error(undefined);
          return;
        case "stall":
          if (await pause(capMs, local.signal, waits)) controller.error(undefined);
          signal.removeEventListener("abort", stop);
          return;
        default:
          assertNever(step, "step");
      }
    },
    cancel() {
      local.abort();
      signal.removeEventListener("abort", stop);
      void it.return(undefined);
    },
  });
}
