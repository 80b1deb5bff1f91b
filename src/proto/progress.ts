// What a stream has shown so far, read off the normalised IR events (protocols.md §9.2): enough for the commit
// point of reliability.md §8.3 (first content-bearing event), the commit window's token count and tool hold
// (spec README), and telling a stream that ended properly from one that was cut.
import type { ErrorKind } from "../ir/errors.ts";
import { assertNever } from "../ir/protocol.ts";
import type { StreamEvent } from "../ir/stream.ts";
import type { Usage } from "../ir/usage.ts";

function maxUsage(a: Usage, b: Usage): Usage {
  const opt = (x: number | undefined, y: number | undefined): number | undefined =>
    x === undefined ? y : y === undefined ? x : Math.max(x, y);
  const out: Usage = { input: Math.max(a.input, b.input), output: Math.max(a.output, b.output) };
  const cacheRead = opt(a.cacheRead, b.cacheRead);
  const cacheWrite = opt(a.cacheWrite, b.cacheWrite);
  const reasoning = opt(a.reasoning, b.reasoning);
  if (cacheRead !== undefined) out.cacheRead = cacheRead;
  if (cacheWrite !== undefined) out.cacheWrite = cacheWrite;
  if (reasoning !== undefined) out.reasoning = reasoning;
  return out;
}

export class StreamProgress {
  /** Content-bearing events seen: text, thinking, redacted thinking, tool-argument deltas, and the stop. */
  contentEvents = 0;
  /** Tool-use blocks started and not yet stopped (their argument deltas are held inside a commit window). */
  private readonly openTools = new Set<number>();
  /** An in-band error event (the stream is over). */
  error: { readonly kind: ErrorKind; readonly message: string } | undefined;
  /** message_stop seen. */
  stopped = false;
  /**
   * Token usage reported so far (protocols.md §5.3), for spend (platform.md §3.3). Every protocol reports running
   * totals (Anthropic's message_start then message_delta, Gemini's per-chunk usageMetadata, OpenAI's last chunk),
   * so each field keeps the largest value seen.
   */
  usage: Usage | undefined;

  get toolOpen(): boolean {
    return this.openTools.size > 0;
  }

  /** Ended one way or the other: a proper stop or an in-band error. */
  get over(): boolean {
    return this.stopped || this.error !== undefined;
  }

  observe(ev: StreamEvent): void {
    switch (ev.t) {
      case "message_start":
      case "message_delta":
        if (ev.usage !== undefined) this.usage = this.usage === undefined ? { ...ev.usage } : maxUsage(this.usage, ev.usage);
        return;
      case "block_start":
        if (typeof ev.block === "object") this.openTools.add(ev.index);
        return;
      case "block_delta": {
        const d = ev.delta;
        if ("text" in d || "thinking" in d || "partialJson" in d || "redacted" in d) this.contentEvents++;
        return;
      }
      case "block_stop":
        this.openTools.delete(ev.index);
        return;
      case "message_stop":
        this.stopped = true;
        this.contentEvents++;
        return;
      case "error":
        this.error = { kind: ev.kind, message: ev.message };
        return;
      default:
        return assertNever(ev, "stream event");
    }
  }
}
