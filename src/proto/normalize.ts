// Turns a reader's events (upstream order, interleaved blocks, split stop/usage) into the sequence every stream
// writer can rely on (protocols.md §9.2): one message_start first (rule 1); dense block indices by first
// appearance (rule 2); at most one open block, later blocks queued and released in order (rule 4); stop reason
// and usage merged into one message_delta (rule 5), with input usage from message_start filled in (rule 6);
// nothing after message_stop or an error (rule 7).
import { assertNever } from "../ir/protocol.ts";
import type { StopReason } from "../ir/stop.ts";
import type { StreamEvent } from "../ir/stream.ts";
import type { Usage } from "../ir/usage.ts";

export class StreamNormalizer {
  private started = false;
  private finished = false;
  private readonly dense = new Map<number, number>();
  private next = 0;
  private open: number | undefined;
  /** Blocks waiting for the open one to close: their buffered events, in dense order. */
  private readonly waiting: { index: number; events: StreamEvent[]; stopped: boolean }[] = [];
  private startUsage: Usage | undefined;
  private stopReason: StopReason | undefined;
  private stopSequence: string | undefined;
  private usage: Partial<Usage> | undefined;

  /** True once message_stop or an error went out: the stream ended properly. */
  get complete(): boolean {
    return this.finished;
  }

  push(ev: StreamEvent): StreamEvent[] {
    if (this.finished) return [];
    const out: StreamEvent[] = [];
    switch (ev.t) {
      case "message_start":
        if (!this.started) {
          this.started = true;
          this.startUsage = ev.usage;
          out.push(ev);
        }
        return out;
      case "block_start": {
        this.ensureStarted(out);
        const index = this.next++;
        this.dense.set(ev.index, index);
        const start: StreamEvent = { t: "block_start", index, block: ev.block };
        if (this.open === undefined && this.waiting.length === 0) {
          this.open = index;
          out.push(start);
        } else {
          this.waiting.push({ index, events: [start], stopped: false });
        }
        return out;
      }
      case "block_delta":
      case "block_stop": {
        const index = this.dense.get(ev.index);
        if (index === undefined) return out; // a delta for a block never started: nothing to attach it to
        const mapped: StreamEvent = ev.t === "block_delta" ? { t: "block_delta", index, delta: ev.delta } : { t: "block_stop", index };
        if (index === this.open) {
          out.push(mapped);
          if (ev.t === "block_stop") {
            this.open = undefined;
            this.release(out);
          }
        } else {
          const w = this.waiting.find((x) => x.index === index);
          if (w !== undefined && !w.stopped) {
            w.events.push(mapped);
            if (ev.t === "block_stop") w.stopped = true;
          }
        }
        return out;
      }
      case "message_delta":
        this.ensureStarted(out);
        if (ev.stopReason !== undefined) this.stopReason = ev.stopReason;
        if (ev.stopSequence !== undefined) this.stopSequence = ev.stopSequence;
        if (ev.usage !== undefined) this.usage = { ...this.usage, ...definedOnly(ev.usage) };
        return out;
      case "message_stop":
        this.ensureStarted(out);
        this.closeAll(out);
        out.push(this.finalDelta(), { t: "message_stop" });
        this.finished = true;
        return out;
      case "error":
        out.push(ev);
        this.finished = true;
        return out;
      default:
        return assertNever(ev, "stream event");
    }
  }

  /** The usage seen so far, merged as the final message_delta would carry it (for accounting). */
  usageSoFar(): Usage {
    return mergeUsage(this.startUsage, this.usage);
  }

  private ensureStarted(out: StreamEvent[]): void {
    if (!this.started) {
      this.started = true;
      out.push({ t: "message_start" });
    }
  }

  /** The open block closed: release queued blocks in order until one is still open upstream. */
  private release(out: StreamEvent[]): void {
    while (this.open === undefined && this.waiting.length > 0) {
      const w = this.waiting.shift()!;
      out.push(...w.events);
      if (!w.stopped) this.open = w.index;
    }
  }

  /** A terminal event with blocks still open: close them so the caller's grammar stays valid. */
  private closeAll(out: StreamEvent[]): void {
    for (;;) {
      if (this.open !== undefined) {
        out.push({ t: "block_stop", index: this.open });
        this.open = undefined;
      }
      if (this.waiting.length === 0) return;
      this.release(out);
    }
  }

  private finalDelta(): StreamEvent {
    const usage = mergeUsage(this.startUsage, this.usage);
    return {
      t: "message_delta",
      ...(this.stopReason !== undefined && { stopReason: this.stopReason }),
      ...(this.stopSequence !== undefined && { stopSequence: this.stopSequence }),
      usage,
    };
  }
}

function definedOnly(u: Usage): Partial<Usage> {
  const out: Partial<Usage> = {};
  for (const k of ["input", "output", "cacheRead", "cacheWrite", "reasoning"] as const) {
    if (u[k] !== undefined) out[k] = u[k];
  }
  return out;
}

/** Final usage: the terminal delta's values, with input/cache figures from message_start where it lacks them. */
function mergeUsage(start: Usage | undefined, last: Partial<Usage> | undefined): Usage {
  const s = start ?? { input: 0, output: 0 };
  const l = last ?? {};
  const merged: Usage = {
    input: l.input !== undefined && l.input > 0 ? l.input : s.input,
    output: l.output ?? s.output,
  };
  const cacheRead = l.cacheRead ?? s.cacheRead;
  const cacheWrite = l.cacheWrite ?? s.cacheWrite;
  const reasoning = l.reasoning ?? s.reasoning;
  if (cacheRead !== undefined) merged.cacheRead = cacheRead;
  if (cacheWrite !== undefined) merged.cacheWrite = cacheWrite;
  if (reasoning !== undefined) merged.reasoning = reasoning;
  return merged;
}
