// A streamed 2xx answer, before and after the commit point (reliability.md §8.3, spec README D2, commit window and
// stream deadlines). Before commit the headers and every event are held, so a stream that dies, stalls, or opens
// with an error event fails over invisibly; the commit comes at the first content-bearing event, or when the
// pool's commit window is satisfied (N content events, T ms, or B bytes after the first content, never inside an
// open tool call), or when 64 KiB are held. After commit a failure ends the stream with the caller's own terminal
// error (protocols.md §9.6), never a truncated stream that looks like success.
import type { ErrorKind } from "../ir/errors.ts";
import { Ledger } from "../ir/ledger.ts";
import type { Codec, ResponseContext } from "../proto/codec.ts";
import { sseToJsonArray } from "../proto/gemini/stream.ts";
import type { StreamProgress } from "../proto/progress.ts";
import { type StreamTranslator, StreamWatcher } from "../proto/translate.ts";
import { type TimerHandle, timers } from "../route/timers.ts";
import type { AttemptAbort } from "./abort.ts";

export type Part = string | Uint8Array;

/** Upstream chunks in, caller wire parts out, with what the stream has shown so far. */
export interface StreamPipe {
  readonly progress: StreamProgress;
  push(chunk: Uint8Array): Part[];
  /** Upstream EOF: a stream that never ended properly gets the caller's terminal error. */
  end(): Part[];
  /** Transport failure or stall after commit. */
  fail(kind: ErrorKind, message: string): Part[];
}

const CUT = "The upstream stream ended before it completed.";

/**
 * Same protocol: bytes pass untouched; the lane's reader watches them. An in-band upstream error is relayed as is.
 * `hideUsageChunk` (governed OpenAI streams whose caller did not ask for usage): the one usage-only chunk busbar asked
 * for is cut out of the relayed bytes, every other byte passes as it came.
 */
export function samePipe(codec: Codec, ctx: ResponseContext, hideUsageChunk = false): StreamPipe {
  const watcher = new StreamWatcher(codec, new Ledger());
  const terminal = (kind: ErrorKind, message: string): Part[] =>
    watcher.progress.over ? [] : [codec.streamWriter(ctx, new Ledger()).fail(kind, message)];
  const filter = hideUsageChunk ? new UsageChunkFilter() : undefined;
  return {
    progress: watcher.progress,
    push(chunk) {
      watcher.push(chunk);
      return filter === undefined ? [chunk] : filter.push(chunk);
    },
    end() {
      watcher.end();
      return [...(filter?.end() ?? []), ...terminal("server_error", CUT)];
    },
    fail: terminal,
  };
}

/**
 * Drops the Chat Completions usage-only chunk (`"choices":[]` with `"usage"`) from an SSE byte stream, correct at
 * any split point: complete events pass on at once, a partial one waits for its blank line.
 */
const USAGE_ONLY = /"choices"\s*:\s*\[\s*\]/;

export class UsageChunkFilter {
  private pending = "";
  private readonly decoder = new TextDecoder();

  push(chunk: Uint8Array): Part[] {
    this.pending += this.decoder.decode(chunk, { stream: true });
    // Events end at a blank line (LF or CRLF, SSE §9.2); everything up to the last one is complete.
    const events = this.pending.split(/(?<=\r?\n\r?\n)/);
    const last = events.at(-1) ?? "";
    const complete = /\r?\n\r?\n$/.test(last) ? events : events.slice(0, -1);
    this.pending = complete === events ? "" : last;
    const kept = complete.filter((ev) => !UsageChunkFilter.usageOnly(ev)).join("");
    return kept === "" ? [] : [kept];
  }

  end(): Part[] {
    const rest = this.pending + this.decoder.decode();
    this.pending = "";
    return rest === "" || UsageChunkFilter.usageOnly(rest) ? [] : [rest];
  }

  static usageOnly(event: string): boolean {
    return event.trimStart().startsWith("data:") && USAGE_ONLY.test(event) && event.includes('"usage"');
  }
}

export function crossPipe(t: StreamTranslator): StreamPipe {
  return { progress: t.progress, push: (c) => t.push(c), end: () => t.end(), fail: (k, m) => t.fail(k, m) };
}

export interface CommitWindow {
  readonly tokens: number | undefined;
  readonly ms: number | undefined;
  readonly bytes: number | undefined;
}

export interface StreamTimers {
  /** performance.now() when the attempt was dispatched. */
  readonly dispatchedAt: number;
  /** performance.now() of the request deadline (§9: until commit). */
  readonly deadlineAt: number;
  /** Until commit (§9 attempt timeout); undefined = none. */
  readonly attemptTimeoutMs: number | undefined;
  /** Dispatch to first content event (spec README ttft_timeout_ms). */
  readonly ttftMs: number;
  /** Longest gap between upstream chunks: min(stall_timeout_ms, upstream_stream_idle_timeout). */
  readonly gapMs: number;
}

export interface StreamInput {
  readonly upstream: ReadableStream<Uint8Array>;
  readonly pipe: StreamPipe;
  readonly abort: AttemptAbort;
  readonly timers: StreamTimers;
  readonly window: CommitWindow | undefined;
  /** Response headers for the caller, used at commit. */
  readonly status: number;
  readonly headers: Headers | Record<string, string>;
  readonly geminiJsonArray: boolean;
  /** The stream committed (first byte to the client is about to go). */
  onCommit(): void;
  /** The request deadline passed while holding: ends the request (the attempt's abort fires with "deadline"). */
  onDeadline(): void;
  /** A failure after commit: the lane's cell records a transient (§8.3). */
  onMidstreamFailure(): void;
  /** Delivery over, however it ended: the permit goes back. */
  release(): void;
}

export type StreamResult =
  | { readonly kind: "committed"; readonly res: Response }
  /** Before commit: fail over. `kind` is the in-band error's, or undefined for a transport failure or cut. */
  | { readonly kind: "failed"; readonly why: "network" | "timeout" | "error_event"; readonly errorKind?: ErrorKind; readonly message?: string }
  /** The request ended (client gone, deadline) while holding: the caller decides. */
  | { readonly kind: "aborted" };

/** Held before the first content event; beyond it the stream commits anyway (§8.3). */
const PREAMBLE_MAX = 65_536;
/** Held inside a commit window at most (prebuffer_bytes ≤ 1 MiB, §2), plus the preamble allowance. */
const WINDOW_MAX = 1_048_576 + PREAMBLE_MAX;

const utf8 = new TextEncoder();
const bytesOf = (p: Part) => (typeof p === "string" ? p.length : p.byteLength);

const readerOf = (s: ReadableStream<Uint8Array>) => s.getReader();
type Reader = ReturnType<typeof readerOf>;
type Read = Awaited<ReturnType<Reader["read"]>>;

/** Resolves with the read, or "wake" at `at` (performance.now ms). The timer is cleared either way. */
async function readUntil(pending: Promise<Read>, at: number | undefined): Promise<Read | "wake"> {
  if (at === undefined) return pending;
  let timer: TimerHandle | undefined;
  const wake = new Promise<"wake">((resolve) => { timer = timers.schedule(at - performance.now(), () => resolve("wake")); });
  try {
    return await Promise.race([pending, wake]);
  } finally {
    timer?.cancel();
  }
}

export async function holdUntilCommit(s: StreamInput): Promise<StreamResult> {
  const reader = readerOf(s.upstream);
  const { progress } = s.pipe;
  const held: Part[] = [];
  let heldBytes = 0;
  let firstContentAt: number | undefined;
  let bytesAfterContent = 0;
  let lastChunkAt = performance.now();
  const t = s.timers;
  const attemptEnd = t.attemptTimeoutMs === undefined ? Infinity : t.dispatchedAt + t.attemptTimeoutMs;
  const ttftEnd = t.dispatchedAt + t.ttftMs;

  const fail = (why: "network" | "timeout"): StreamResult => {
    s.abort.fire("done");
    reader.cancel().catch(() => {});
    return { kind: "failed", why };
  };

  const windowMet = (now: number): boolean => {
    const w = s.window;
    if (firstContentAt === undefined) return false;
    if (w === undefined) return true;
    if (progress.toolOpen) return false;
    return (w.tokens !== undefined && progress.contentEvents >= w.tokens)
      || (w.ms !== undefined && now - firstContentAt >= w.ms)
      || (w.bytes !== undefined && bytesAfterContent >= w.bytes)
      || (w.tokens === undefined && w.ms === undefined && w.bytes === undefined);
  };

  let pending: Promise<Read> | undefined;
  for (;;) {
    const now = performance.now();
    if (progress.over || windowMet(now) || heldBytes >= (s.window === undefined ? PREAMBLE_MAX : WINDOW_MAX)) break;
    // The next time something must happen without upstream bytes: a timeout, or the window's T ms.
    let wakeAt = Math.min(attemptEnd, lastChunkAt + t.gapMs, t.deadlineAt);
    if (firstContentAt === undefined) wakeAt = Math.min(wakeAt, ttftEnd);
    else if (s.window?.ms !== undefined) wakeAt = Math.min(wakeAt, firstContentAt + s.window.ms);
    pending ??= reader.read();
    let r: Read | "wake";
    try {
      r = await readUntil(pending, wakeAt);
    } catch {
      if (s.abort.reason === "client" || s.abort.reason === "deadline") return { kind: "aborted" };
      return fail(s.abort.timedOut ? "timeout" : "network");
    }
    if (r === "wake") {
      const at = performance.now();
      if (firstContentAt !== undefined && s.window?.ms !== undefined && at - firstContentAt >= s.window.ms) break; // window satisfied
      if (at >= t.deadlineAt) {
        s.onDeadline();
        pending.catch(() => {});
        reader.cancel().catch(() => {});
        return { kind: "aborted" };
      }
      if (at >= attemptEnd) s.abort.fire("attempt_timeout");
      else if (firstContentAt === undefined && at >= ttftEnd) s.abort.fire("ttft_timeout");
      else if (at - lastChunkAt >= t.gapMs) s.abort.fire("stall_timeout");
      else continue; // woke early (timer granularity): wait again
      pending.catch(() => {});
      reader.cancel().catch(() => {});
      return { kind: "failed", why: "timeout" };
    }
    pending = undefined;
    if (r.done) {
      held.push(...s.pipe.end());
      if (progress.error !== undefined) return { kind: "failed", why: "error_event", errorKind: progress.error.kind, message: progress.error.message };
      if (!progress.stopped) return fail("network"); // EOF before the stream ended: "200 then dies"
      return commit(s, reader, held, undefined, true);
    }
    lastChunkAt = performance.now();
    const parts = s.pipe.push(r.value);
    if (progress.error !== undefined) {
      s.abort.fire("done");
      reader.cancel().catch(() => {});
      return { kind: "failed", why: "error_event", errorKind: progress.error.kind, message: progress.error.message };
    }
    for (const p of parts) {
      held.push(p);
      const n = bytesOf(p);
      heldBytes += n;
      if (firstContentAt !== undefined) bytesAfterContent += n;
    }
    if (firstContentAt === undefined && progress.contentEvents > 0) firstContentAt = lastChunkAt;
  }
  return commit(s, reader, held, pending, progress.over);
}

/** Headers, the held parts, then the rest of the upstream, each failure after this point ending natively. */
function commit(s: StreamInput, reader: Reader, held: Part[], carried: Promise<Read> | undefined, ended: boolean): StreamResult {
  s.onCommit();
  let released = false;
  const release = () => {
    if (released) return;
    released = true;
    s.release();
  };
  const enqueue = (ctl: ReadableStreamDefaultController<Uint8Array>, parts: Part[]) => {
    for (const p of parts) ctl.enqueue(typeof p === "string" ? utf8.encode(p) : p);
  };
  const midstream = (ctl: ReadableStreamDefaultController<Uint8Array>, parts: Part[]) => {
    enqueue(ctl, parts);
    if (parts.length > 0 || s.pipe.progress.error !== undefined) s.onMidstreamFailure();
    ctl.close();
    s.abort.fire("done");
    release();
  };
  let pending = carried;
  // The gap timer runs only while a read from the upstream is pending, so a slow client that stops pulling is never
  // blamed on the upstream; firing aborts the exchange so the read fails.
  let gapTimer: TimerHandle | undefined;
  const armGap = () => {
    gapTimer = timers.schedule(s.timers.gapMs, () => s.abort.fire("stall_timeout"));
  };
  const stopGap = () => gapTimer?.cancel();

  let out = new ReadableStream<Uint8Array>({
    start(ctl) {
      enqueue(ctl, held);
      if (ended) {
        if (s.pipe.progress.error !== undefined) s.onMidstreamFailure();
        ctl.close();
        s.abort.fire("done");
        release();
      }
    },
    async pull(ctl) {
      for (;;) {
        armGap();
        let r: Read;
        try {
          r = await (pending ?? reader.read());
        } catch {
          stopGap();
          if (s.abort.reason === "client") {
            release();
            return;
          }
          midstream(ctl, s.pipe.fail(s.abort.timedOut ? "timeout" : "server_error", s.abort.timedOut
            ? "The upstream stream stalled."
            : "The upstream connection failed mid-stream."));
          return;
        }
        pending = undefined;
        stopGap();
        if (r.done) {
          const parts = s.pipe.end();
          // What end() returns is not the verdict: a Gemini stream's terminator is EOF itself, so a translated one
          // gets the caller's normal closing events (message_stop, [DONE]) only now. Cut = no stop, or an error.
          const { stopped, error } = s.pipe.progress;
          if (!stopped || error !== undefined) midstream(ctl, parts);
          else {
            enqueue(ctl, parts);
            ctl.close();
            release();
          }
          return;
        }
        const parts = s.pipe.push(r.value);
        if (s.pipe.progress.error !== undefined) {
          reader.cancel().catch(() => {});
          midstream(ctl, parts);
          return;
        }
        if (parts.length > 0) {
          enqueue(ctl, parts);
          return;
        }
      }
    },
    cancel(reason) {
      stopGap();
      s.abort.fire("client");
      release();
      return reader.cancel(reason).catch(() => {});
    },
  });
  if (s.geminiJsonArray) out = out.pipeThrough(sseToJsonArray());
  return { kind: "committed", res: new Response(out, { status: s.status, headers: s.headers }) };
}
