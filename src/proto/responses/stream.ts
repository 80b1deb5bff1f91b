// A Responses upstream stream → IR stream events (protocols.md §9.3 RS, §9.5). Typed SSE events: a message's
// content parts, function calls and reasoning items each become one IR block; `response.completed` /
// `response.incomplete` carry stop and usage; `response.failed` and `error` are IR errors. Correct at any split
// point (the SseDecoder holds partial frames and partial UTF-8). The writer is in stream-writer.ts.
import * as v from "valibot";
import type { Ledger } from "../../ir/ledger.ts";
import type { ProtocolName } from "../../ir/protocol.ts";
import type { BlockDelta, BlockStart, StreamEvent } from "../../ir/stream.ts";
import { unwrapSignature } from "../../ir/signature.ts";
import type { StreamReader } from "../codec.ts";
import { type SseEvent, SseDecoder } from "../sse.ts";
import { clip, kindOfCode } from "./errors.ts";
import { readReasoning } from "./reader.ts";
import { readStop, readUsage } from "./tables.ts";
import { FunctionCallItem, OutputMessage, OutputTextPart, ReasoningItem, RefusalPart, Response, typeOf } from "./wire.ts";

export { streamWriter } from "./stream-writer.ts";

const num = v.optional(v.number());
const text = v.optional(v.string());
/** The fields of every event busbar reads (others are stripped, not copied); each handler checks what its type needs. */
const Event = v.object({
  type: text,
  output_index: num,
  content_index: num,
  summary_index: num,
  delta: text,
  arguments: text,
  // Error fields are read loosely (failure) so that an odd shape still ends the stream as an error.
  code: v.nullish(v.unknown()),
  message: v.nullish(v.unknown()),
  error: v.nullish(v.unknown()),
  item: v.optional(v.unknown()),
  part: v.optional(v.object({ type: v.string() })),
  response: v.optional(v.object({ ...Response.entries, error: v.nullish(v.unknown()) })),
});
type Event = v.InferOutput<typeof Event>;

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null && !Array.isArray(x);
const optional = (x: unknown, type: "string" | "number") => x === undefined || typeof x === type;

/**
 * An event as `Event` accepts it, checked by hand for the frames without a `response` (every delta): a schema run
 * per frame was a quarter of a translated stream's cost. Anything else goes through the schema; the handlers read
 * only `Event`'s fields, so the unstripped object reads the same.
 */
function isEvent(x: unknown): x is Event {
  if (!isObj(x) || x.response !== undefined) return false;
  const part = x.part;
  return optional(x.type, "string") && optional(x.output_index, "number") && optional(x.content_index, "number")
    && optional(x.summary_index, "number") && optional(x.delta, "string") && optional(x.arguments, "string")
    && (part === undefined || (isObj(part) && typeof part.type === "string"));
}

/** `output_item.added` for a call: arguments are usually "" and may be absent. */
const AddedCall = v.object({ ...FunctionCallItem.entries, arguments: text });

/** A signature delta tagged with its issuer, so the caller-side writer can wrap it (§10.4). */
export function signatureDelta(value: string, origin: ProtocolName): BlockDelta {
  return { signature: value, origin };
}

/** `code` and `message` of an error object, whatever else it holds. */
function failure(x: unknown): { code: unknown; message: string | undefined } {
  if (typeof x !== "object" || x === null) return { code: undefined, message: undefined };
  const code = "code" in x ? x.code : undefined;
  const message = "message" in x && typeof x.message === "string" ? x.message : undefined;
  return { code: code ?? undefined, message };
}

export function streamReader(ledger: Ledger): StreamReader {
  return new ResponsesStreamReader(ledger);
}

class ResponsesStreamReader implements StreamReader {
  private readonly sse = new SseDecoder();
  private next = 0;
  private started = false;
  private finished = false;
  /** Open IR blocks: `<output_index>` for call and reasoning items, `<output_index>:<content_index>` for text parts. */
  private readonly open = new Map<string, number>();
  /** Blocks that received argument text, so a `.done` event repeats nothing. */
  private readonly argsSent = new Set<number>();
  /** Output indices of messages whose parts were streamed, so `output_item.done` repeats nothing. */
  private readonly streamedMessages = new Set<number>();
  private readonly lastSummary = new Map<number, number>();
  private sawCall = false;
  private sawRefusal = false;

  constructor(private readonly ledger: Ledger) {}

  push(chunk: Uint8Array): StreamEvent[] {
    return this.handle(this.sse.push(chunk));
  }

  end(): StreamEvent[] {
    const out = this.handle(this.sse.flush());
    this.closeAll(out); // EOF without a terminal event: the seam ends the caller's stream with its native error
    return out;
  }

  private handle(frames: SseEvent[]): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const f of frames) {
      if (this.finished) break;
      let json: unknown;
      try {
        json = JSON.parse(f.data);
      } catch {
        continue; // unparseable frame: skipped (the seam logs it)
      }
      if (isEvent(json)) {
        this.event(json.type ?? f.event ?? "", json, out);
        continue;
      }
      const parsed = v.safeParse(Event, json);
      if (parsed.success) this.event(parsed.output.type ?? f.event ?? "", parsed.output, out);
    }
    return out;
  }

  private event(type: string, e: Event, out: StreamEvent[]): void {
    const oi = e.output_index ?? 0;
    switch (type) {
      case "response.created": case "response.in_progress": case "response.queued":
        if (!this.started) {
          this.started = true;
          const model = e.response?.model;
          out.push(typeof model === "string" ? { t: "message_start", model } : { t: "message_start" });
        }
        return;
      case "response.output_item.added":
        return this.itemAdded(oi, e, out);
      case "response.content_part.added":
        if (e.part?.type === "output_text" || e.part?.type === "refusal") {
          if (e.part.type === "refusal") this.sawRefusal = true;
          this.textBlock(oi, e.content_index ?? 0, out);
        }
        return;
      case "response.refusal.delta":
        this.sawRefusal = true;
        return this.delta(this.textBlock(oi, e.content_index ?? 0, out), e.delta, "text", out);
      case "response.output_text.delta":
        return this.delta(this.textBlock(oi, e.content_index ?? 0, out), e.delta, "text", out);
      case "response.content_part.done":
        return this.stop(`${oi}:${e.content_index ?? 0}`, out);
      case "response.function_call_arguments.delta":
      case "response.function_call_arguments.done": {
        const index = this.open.get(`${oi}`);
        if (index === undefined) return;
        const fragment = type === "response.function_call_arguments.delta" ? e.delta : this.argsSent.has(index) ? undefined : e.arguments;
        if (fragment) this.argsSent.add(index);
        return this.delta(index, fragment, "partialJson", out);
      }
      case "response.reasoning_text.delta":
        return this.delta(this.itemBlock(oi, "thinking", out), e.delta, "thinking", out);
      case "response.reasoning_summary_text.delta": {
        const index = this.itemBlock(oi, "thinking", out);
        const si = e.summary_index ?? 0;
        const prev = this.lastSummary.get(index);
        this.lastSummary.set(index, si);
        if (prev !== undefined && prev !== si) this.delta(index, "\n\n", "thinking", out); // summary parts are paragraphs
        return this.delta(index, e.delta, "thinking", out);
      }
      case "response.output_item.done":
        return this.itemDone(oi, e, out);
      case "response.completed": case "response.incomplete": {
        this.closeAll(out);
        const r = e.response;
        const status = r?.status ?? (type === "response.completed" ? "completed" : "incomplete");
        const sawCall = this.sawCall || (r?.output ?? []).some((i) => typeOf(i) === "function_call");
        out.push(
          { t: "message_delta", stopReason: readStop(status, r?.incomplete_details?.reason, sawCall, this.sawRefusal), usage: readUsage(r?.usage) },
          { t: "message_stop" },
        );
        this.finished = true;
        return;
      }
      case "response.failed": {
        this.closeAll(out);
        const err = failure(e.response?.error);
        out.push({ t: "error", kind: kindOfCode(err.code), message: clip(err.message ?? "The upstream response failed.") });
        this.finished = true;
        return;
      }
      case "error": {
        // The documented event is flat (`code`, `message`); some servers nest an OpenAI envelope under `error`.
        this.closeAll(out);
        const flat = failure(e);
        const nested = failure(e.error);
        out.push({ t: "error", kind: kindOfCode(flat.code ?? nested.code), message: clip(flat.message ?? nested.message ?? "The upstream stream failed.") });
        this.finished = true;
        return;
      }
      default:
        return; // output_text.done, annotations, hosted-tool progress: nothing new for the IR
    }
  }

  private itemAdded(oi: number, e: Event, out: StreamEvent[]): void {
    switch (typeOf(e.item)) {
      case "function_call": {
        const c = v.safeParse(AddedCall, e.item);
        if (!c.success) return;
        this.sawCall = true;
        const index = this.itemBlock(oi, { toolUse: { id: c.output.call_id, name: c.output.name } }, out);
        if (c.output.arguments) {
          this.argsSent.add(index);
          this.delta(index, c.output.arguments, "partialJson", out);
        }
        return;
      }
      case "reasoning":
        this.itemBlock(oi, "thinking", out);
        return;
      case "message":
        return; // its parts open the blocks
      default:
        this.ledger.add(`output[${oi}]`, "no_target_analog"); // hosted-tool calls reach Responses callers only
    }
  }

  /** The finished item: what the deltas did not carry (a signature, text never streamed), then its blocks end. */
  private itemDone(oi: number, e: Event, out: StreamEvent[]): void {
    const item = e.item;
    const type = typeOf(item);
    if (type === "reasoning") {
      const r = v.safeParse(ReasoningItem, item);
      if (r.success) {
        const fresh = !this.open.has(`${oi}`);
        const block = readReasoning(r.output);
        if (block?.kind === "thinking") {
          const index = this.itemBlock(oi, "thinking", out);
          if (fresh && block.text !== "") this.delta(index, block.text, "thinking", out);
          if (r.output.encrypted_content) {
            const sig = unwrapSignature(r.output.encrypted_content, "responses");
            out.push({ t: "block_delta", index, delta: signatureDelta(sig.value, sig.origin) });
          }
        }
      }
    } else if (type === "function_call") {
      const c = v.safeParse(FunctionCallItem, item);
      if (c.success) {
        this.sawCall = true;
        const index = this.itemBlock(oi, { toolUse: { id: c.output.call_id, name: c.output.name } }, out);
        if (!this.argsSent.has(index) && c.output.arguments) this.delta(index, c.output.arguments, "partialJson", out);
      }
    } else if (type === "message" && !this.streamedMessages.has(oi)) {
      const m = v.safeParse(OutputMessage, item);
      if (m.success) {
        m.output.content.forEach((p, ci) => {
          const textPart = v.safeParse(OutputTextPart, p);
          const refusal = v.safeParse(RefusalPart, p);
          if (refusal.success) this.sawRefusal = true;
          const t = textPart.success ? textPart.output.text : refusal.success ? refusal.output.refusal : undefined;
          if (t !== undefined) {
            this.delta(this.textBlock(oi, ci, out), t, "text", out);
            this.stop(`${oi}:${ci}`, out);
          }
        });
      }
    }
    this.stop(`${oi}`, out);
    const prefix = `${oi}:`;
    for (const key of [...this.open.keys()]) if (key.startsWith(prefix)) this.stop(key, out);
  }

  private textBlock(oi: number, ci: number, out: StreamEvent[]): number {
    this.streamedMessages.add(oi);
    return this.startOnce(`${oi}:${ci}`, "text", out);
  }

  private itemBlock(oi: number, block: BlockStart, out: StreamEvent[]): number {
    return this.startOnce(`${oi}`, block, out);
  }

  private startOnce(key: string, block: BlockStart, out: StreamEvent[]): number {
    const have = this.open.get(key);
    if (have !== undefined) return have;
    const index = this.next++;
    this.open.set(key, index);
    out.push({ t: "block_start", index, block });
    return index;
  }

  private delta(index: number, value: string | undefined, kind: "text" | "thinking" | "partialJson", out: StreamEvent[]): void {
    if (value === undefined || value === "") return;
    const delta: BlockDelta = kind === "text" ? { text: value } : kind === "thinking" ? { thinking: value } : { partialJson: value };
    out.push({ t: "block_delta", index, delta });
  }

  private stop(key: string, out: StreamEvent[]): void {
    const index = this.open.get(key);
    if (index === undefined) return;
    this.open.delete(key);
    out.push({ t: "block_stop", index });
  }

  private closeAll(out: StreamEvent[]): void {
    for (const index of this.open.values()) out.push({ t: "block_stop", index });
    this.open.clear();
  }
}
