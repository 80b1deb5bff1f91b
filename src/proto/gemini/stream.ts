// Gemini streams: the JSON-array re-framing of same-protocol hops, and the incremental reader of an upstream
// `alt=sse` stream into IR events (the caller-side writer is stream-writer.ts).
import * as v from "valibot";
import type { Ledger } from "../../ir/ledger.ts";
import type { BlockDelta, StreamEvent } from "../../ir/stream.ts";
import type { Usage } from "../../ir/usage.ts";
import type { StreamReader } from "../codec.ts";
import { type SseEvent, SseDecoder } from "../sse.ts";
import { kindOfStatus } from "../status.ts";
import { argsObject, isObj, readSignature, type WirePart, wirePart } from "./parts.ts";
import { clip } from "./reader.ts";
import { kindOfRpcStatus, readCitations, readLogprobs, readStop, readUsage, syntheticCallId } from "./tables.ts";
import { ErrorBody, Response } from "./wire.ts";

/**
 * Re-frames an upstream `alt=sse` stream as the JSON array a caller gets when it streamed without `alt=sse`
 * (protocols.md §9.3 GM: `[` + chunks joined by `,` + `]`; zero chunks → `[]`). Incremental: each chunk is
 * written as soon as its SSE event completes.
 */
export function sseToJsonArray(): TransformStream<Uint8Array, Uint8Array> {
  const decoder = new SseDecoder();
  const enc = new TextEncoder();
  let first = true;
  const emit = (data: string, ctl: TransformStreamDefaultController<Uint8Array>) => {
    ctl.enqueue(enc.encode(first ? `[${data}` : `,\r\n${data}`));
    first = false;
  };
  return new TransformStream({
    transform(chunk, ctl) {
      for (const ev of decoder.push(chunk)) emit(ev.data, ctl);
    },
    flush(ctl) {
      for (const ev of decoder.flush()) emit(ev.data, ctl);
      ctl.enqueue(enc.encode(first ? "[]" : "]"));
    },
  });
}

// ---- the cross-protocol stream reader (protocols.md §9.2 rule 3, §9.3 GM, §9.5) ----

/**
 * Upstream `alt=sse` chunks → IR events. Every chunk is a whole GenerateContentResponse: text and thought parts
 * extend the open block of their kind (a block ends when another starts); a `functionCall` part is always complete
 * and becomes block_start + one `partialJson` with its whole arguments + block_stop. The stream has no terminator:
 * it ends at EOF, so message_stop is emitted by `end()` once a finish reason arrived; an EOF without one stays
 * incomplete, which the seam ends with the caller's native error (§9.6).
 */
export class GeminiStreamReader implements StreamReader {
  private readonly sse = new SseDecoder();
  private started = false;
  /** An error frame arrived: nothing after it counts. */
  private done = false;
  private finished = false;
  private next = 0;
  private open: { index: number; kind: "text" | "thinking"; signed: boolean } | undefined;
  private calls = 0;
  /** The latest usageMetadata not yet sent in a message_delta (Gemini repeats it; the final one is authoritative). */
  private usage: Usage | undefined;

  constructor(private readonly ledger: Ledger) {}

  push(chunk: Uint8Array): StreamEvent[] {
    return this.frames(this.sse.push(chunk));
  }

  end(): StreamEvent[] {
    const out = this.frames(this.sse.flush());
    if (this.done) return out;
    this.close(out);
    if (this.finished) out.push({ t: "message_stop" });
    else if (this.usage !== undefined) out.push({ t: "message_delta", usage: this.usage }); // for accounting
    this.usage = undefined;
    return out;
  }

  private frames(events: SseEvent[]): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of events) if (!this.done) this.frame(e.data, out);
    return out;
  }

  private frame(data: string, out: StreamEvent[]): void {
    let json: unknown;
    try { json = JSON.parse(data); } catch { return; } // unparseable frame: skipped (the seam logs it)
    if (!isObj(json)) return;
    if (json.error != null) { this.error(json, out); return; }
    const r = v.safeParse(Response, json);
    if (!r.success) return;
    const c = r.output;
    if (!this.started) {
      this.started = true;
      out.push(typeof c.modelVersion === "string" ? { t: "message_start", model: c.modelVersion } : { t: "message_start" });
    }
    const cand = c.candidates?.[0];
    (cand?.content?.parts ?? []).forEach((p, j) => this.part(p, j, out));
    if (cand?.logprobsResult) {
      const lp = readLogprobs(cand.logprobsResult);
      if (lp.length > 0) this.toText(out, "candidates[0].logprobsResult", { logprobs: lp });
    }
    for (const citation of readCitations(cand?.citationMetadata)) this.toText(out, "candidates[0].citationMetadata", { citation });
    if (c.usageMetadata) this.usage = readUsage(c.usageMetadata);
    const stopReason = cand ? readStop(cand.finishReason, this.calls > 0) : c.promptFeedback?.blockReason != null ? "safety" : undefined;
    if (stopReason !== undefined && !this.finished) {
      this.close(out);
      this.finished = true;
      out.push(this.usage !== undefined ? { t: "message_delta", stopReason, usage: this.usage } : { t: "message_delta", stopReason });
      this.usage = undefined;
    } else if (this.finished && this.usage !== undefined) {
      out.push({ t: "message_delta", usage: this.usage }); // usage arriving after the finish reason
      this.usage = undefined;
    }
  }

  private part(raw: unknown, j: number, out: StreamEvent[]): void {
    let p: WirePart;
    try { p = wirePart(raw, `candidates[0].content.parts[${j}]`); } catch { return; } // malformed part: skipped
    switch (p.kind) {
      case "text": {
        if (p.thought) {
          // A signed thinking block is complete: more thought text starts another one.
          if (this.open?.kind !== "thinking" || this.open.signed) this.start("thinking", out);
          this.delta(out, p.text === "" ? undefined : { thinking: p.text });
          if (p.signature !== undefined) this.sign(p.signature, out);
          return;
        }
        // A signature on plain text signs the thinking just before it (or an empty thinking block of its own).
        if (p.signature !== undefined) {
          if (this.open?.kind !== "thinking" || this.open.signed) this.start("thinking", out);
          this.sign(p.signature, out);
        }
        if (p.text === "") return;
        if (this.open?.kind !== "text") this.start("text", out);
        this.delta(out, { text: p.text });
        return;
      }
      case "call": {
        this.close(out);
        const index = this.next++;
        const sig = p.signature !== undefined ? readSignature(p.signature) : undefined;
        const id = p.id ?? syntheticCallId(String(this.calls), p.name, p.signature);
        this.calls++;
        out.push({ t: "block_start", index, block: { toolUse: sig !== undefined ? { id, name: p.name, signature: sig } : { id, name: p.name } } });
        out.push({ t: "block_delta", index, delta: { partialJson: JSON.stringify(argsObject(p.args)) } });
        out.push({ t: "block_stop", index });
        return;
      }
      case "media": case "response": case "other":
        this.ledger.add(`candidates[0].content.parts[${j}]`, "no_target_analog"); // no streamed block for it
        return;
    }
  }

  private start(kind: "text" | "thinking", out: StreamEvent[]): void {
    this.close(out);
    this.open = { index: this.next++, kind, signed: false };
    out.push({ t: "block_start", index: this.open.index, block: kind });
  }

  private delta(out: StreamEvent[], d: BlockDelta | undefined): void {
    if (d !== undefined && this.open !== undefined) out.push({ t: "block_delta", index: this.open.index, delta: d });
  }

  private sign(wire: string, out: StreamEvent[]): void {
    const s = readSignature(wire);
    this.delta(out, { signature: s.value, origin: s.origin });
    if (this.open !== undefined) this.open.signed = true;
  }

  /** Logprobs and citations belong to the text being written; with none open they are recorded. */
  private toText(out: StreamEvent[], at: string, d: BlockDelta): void {
    if (this.open?.kind === "text") this.delta(out, d);
    else this.ledger.add(at, "no_target_analog");
  }

  private close(out: StreamEvent[]): void {
    if (this.open !== undefined) out.push({ t: "block_stop", index: this.open.index });
    this.open = undefined;
  }

  private error(json: object, out: StreamEvent[]): void {
    const r = v.safeParse(ErrorBody, json);
    const e = r.success ? r.output.error : undefined;
    const kind = kindOfRpcStatus(e?.status) ?? (typeof e?.code === "number" && e.code >= 400 ? kindOfStatus(e.code) : "server_error");
    this.close(out);
    out.push({ t: "error", kind, message: typeof e?.message === "string" && e.message !== "" ? clip(e.message) : "The upstream stream failed." });
    this.done = true;
  }
}

export function streamReader(ledger: Ledger): StreamReader {
  return new GeminiStreamReader(ledger);
}
