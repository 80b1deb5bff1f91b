// The normalised IR stream → a Responses caller's SSE (protocols.md §9.3 RS, §9.6). Every event carries `type` and
// a gap-free `sequence_number`; `content_part.added` precedes the first text delta (the openai SDK's stream helper
// needs it); the terminal `response.completed` / `response.incomplete` carries the whole accumulated `output`.
// Adjacent text blocks share one message item as content parts, as in the non-streaming body (response.ts).
// Delta frames are built as strings: they are the hot path (PERF-NOTES).
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever, isProtocolName } from "../../ir/protocol.ts";
import type { StopReason } from "../../ir/stop.ts";
import type { BlockDelta, BlockStart, StreamEvent } from "../../ir/stream.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { Usage } from "../../ir/usage.ts";
import type { JsonObject, ResponseContext, StreamWriter } from "../codec.ts";
import { callItem, itemId, messageItem, outputText, type OutputTextOut, reasoningItem } from "./response.ts";
import { writeStop, writeUsage } from "./tables.ts";

type Open =
  | { kind: "text"; id: string; at: string; chunks: string[] }
  | { kind: "thinking"; id: string; oi: number; chunks: string[]; sig: string[]; origin: string | undefined }
  | { kind: "tool"; id: string; oi: number; callId: string; name: string; chunks: string[] }
  | { kind: "skip" };

/** Typed as text (Responses is SSE), so callers and tests need no narrowing. */
export function streamWriter(ctx: ResponseContext, ledger: Ledger): ResponsesStreamWriter {
  return new ResponsesStreamWriter(ctx, ledger);
}

export class ResponsesStreamWriter implements StreamWriter {
  private seq = 0;
  private id = "";
  private created = 0;
  private model = "";
  private ended = false;
  /** Finished output items, in output_index order: the terminal event's `output`. */
  private readonly output: JsonObject[] = [];
  /** The message item still taking text parts (closed when another kind of block starts, or at the end). */
  private msg: { id: string; oi: number; parts: OutputTextOut[] } | undefined;
  private cur: Open | undefined;
  private stopReason: StopReason | undefined;
  private usage: Usage = { input: 0, output: 0 };

  constructor(private readonly ctx: ResponseContext, private readonly ledger: Ledger) {}

  write(ev: StreamEvent): string {
    if (this.ended) return "";
    switch (ev.t) {
      case "message_start":
        return this.begin(ev.model);
      case "block_start":
        return this.begin() + this.blockStart(ev.index, ev.block);
      case "block_delta":
        return this.blockDelta(ev.index, ev.delta);
      case "block_stop":
        return this.blockStop();
      case "message_delta":
        if (ev.stopReason !== undefined) this.stopReason = ev.stopReason;
        if (ev.usage !== undefined) this.usage = ev.usage;
        return this.begin() + this.closeMessage();
      case "message_stop":
        return this.begin() + this.closeMessage() + this.finish();
      case "error":
        return this.fail(ev.kind, ev.message);
      default:
        return assertNever(ev, "stream event");
    }
  }

  /** §9.6: `response.failed` with an empty output and the error, then the stream ends. */
  fail(kind: ErrorKind, message: string): string {
    if (this.ended) return "";
    this.ensureId();
    this.ended = true;
    const code = kind === "rate_limit" || kind === "quota" ? "rate_limit_exceeded" : "server_error";
    return this.frame("response.failed", `,"response":${JSON.stringify(this.envelope("failed", null, [], null, { code, message }))}`);
  }

  private begin(model?: string): string {
    if (this.id !== "") return "";
    this.ensureId(model);
    const r = `,"response":${JSON.stringify(this.envelope("in_progress", null, [], null))}`;
    return this.frame("response.created", r) + this.frame("response.in_progress", r);
  }

  private ensureId(model?: string): void {
    if (this.id !== "") return;
    this.id = `resp_${this.ctx.ids.base62(48)}`;
    this.created = Math.floor(this.ctx.now() / 1000);
    this.model = model ?? this.ctx.model;
  }

  private envelope(status: string, incomplete: unknown, output: JsonObject[], usage: unknown, error: unknown = null): JsonObject {
    return {
      id: this.id, object: "response", created_at: this.created, status, error, incomplete_details: incomplete,
      model: this.model, output, usage,
    };
  }

  private blockStart(index: number, block: BlockStart): string {
    if (block === "text") {
      let head = "";
      if (this.msg === undefined) {
        this.msg = { id: itemId.message(this.ctx.ids), oi: this.output.length, parts: [] };
        head = this.frame("response.output_item.added", `,"output_index":${this.msg.oi},"item":${JSON.stringify(messageItem(this.msg.id, "in_progress", []))}`);
      }
      const at = `,"item_id":"${this.msg.id}","output_index":${this.msg.oi},"content_index":${this.msg.parts.length}`;
      this.cur = { kind: "text", id: this.msg.id, at, chunks: [] };
      return head + this.frame("response.content_part.added", `${at},"part":${JSON.stringify(outputText(""))}`);
    }
    const head = this.closeMessage();
    const oi = this.output.length;
    if (block === "thinking") {
      const id = itemId.reasoning(this.ctx.ids);
      this.cur = { kind: "thinking", id, oi, chunks: [], sig: [], origin: undefined };
      // The SDK appends reasoning_text deltas to content[0], so the added item already holds that part.
      return head + this.frame("response.output_item.added", `,"output_index":${oi},"item":${JSON.stringify(reasoningItem(id, "", undefined))}`);
    }
    if (block === "redacted_thinking") {
      this.ledger.add(`content[${index}]`, "no_target_analog"); // Responses has no redacted reasoning (§6.3)
      this.cur = { kind: "skip" };
      return head;
    }
    const id = itemId.call(this.ctx.ids);
    const { id: callId, name } = block.toolUse;
    this.cur = { kind: "tool", id, oi, callId, name, chunks: [] };
    return head + this.frame("response.output_item.added", `,"output_index":${oi},"item":${JSON.stringify(callItem(id, "in_progress", callId, name, ""))}`);
  }

  private blockDelta(index: number, d: BlockDelta): string {
    const cur = this.cur;
    if (cur === undefined || cur.kind === "skip") return "";
    if ("text" in d) {
      if (cur.kind !== "text" || d.text === "") return "";
      cur.chunks.push(d.text);
      return this.frame("response.output_text.delta", `${cur.at},"delta":${JSON.stringify(d.text)},"logprobs":[]`);
    }
    if ("thinking" in d) {
      if (cur.kind !== "thinking" || d.thinking === "") return "";
      cur.chunks.push(d.thinking);
      return this.frame("response.reasoning_text.delta", `,"item_id":"${cur.id}","output_index":${cur.oi},"content_index":0,"delta":${JSON.stringify(d.thinking)}`);
    }
    if ("partialJson" in d) {
      if (cur.kind !== "tool" || d.partialJson === "") return "";
      cur.chunks.push(d.partialJson);
      return this.frame("response.function_call_arguments.delta", `,"item_id":"${cur.id}","output_index":${cur.oi},"delta":${JSON.stringify(d.partialJson)}`);
    }
    if ("signature" in d) {
      if (cur.kind === "thinking") {
        cur.sig.push(d.signature);
        if ("origin" in d) cur.origin = d.origin;
      }
      return "";
    }
    if ("citation" in d) this.ledger.add(`content[${index}].citations`, "no_target_analog");
    else if ("logprobs" in d) this.ledger.add("logprobs", "no_target_analog");
    else if ("redacted" in d) this.ledger.add(`content[${index}]`, "no_target_analog");
    return "";
  }

  private blockStop(): string {
    const cur = this.cur;
    this.cur = undefined;
    if (cur === undefined || cur.kind === "skip") return "";
    if (cur.kind === "text") {
      const text = cur.chunks.join("");
      this.msg?.parts.push(outputText(text));
      return this.frame("response.output_text.done", `${cur.at},"text":${JSON.stringify(text)},"logprobs":[]`)
        + this.frame("response.content_part.done", `${cur.at},"part":${JSON.stringify(outputText(text))}`);
    }
    if (cur.kind === "thinking") {
      const origin = cur.origin;
      let encrypted: string | undefined;
      if (cur.sig.length > 0) {
        // §10.4: caller-facing signatures are wrapped with their issuer; one without a known issuer cannot be.
        if (origin !== undefined && isProtocolName(origin)) encrypted = wrapSignature({ value: cur.sig.join(""), origin });
        else this.ledger.add(`output[${cur.oi}].encrypted_content`, "no_target_analog");
      }
      return this.done(cur.oi, reasoningItem(cur.id, cur.chunks.join(""), encrypted));
    }
    const args = cur.chunks.join("");
    return this.frame("response.function_call_arguments.done", `,"item_id":"${cur.id}","output_index":${cur.oi},"arguments":${JSON.stringify(args)}`)
      + this.done(cur.oi, callItem(cur.id, "completed", cur.callId, cur.name, args));
  }

  /** Ends the open message item; at the end of a max_tokens / content-filter response it is `incomplete`. */
  private closeMessage(): string {
    const msg = this.msg;
    if (msg === undefined) return "";
    this.msg = undefined;
    const status = this.stopReason !== undefined && writeStop(this.stopReason).status === "incomplete" ? "incomplete" : "completed";
    return this.done(msg.oi, messageItem(msg.id, status, msg.parts));
  }

  private done(oi: number, item: JsonObject): string {
    this.output.push(item);
    return this.frame("response.output_item.done", `,"output_index":${oi},"item":${JSON.stringify(item)}`);
  }

  private finish(): string {
    this.ended = true;
    const { status, incomplete_details } = writeStop(this.stopReason);
    const body = this.envelope(status, incomplete_details, this.output, writeUsage(this.usage));
    return this.frame(status === "incomplete" ? "response.incomplete" : "response.completed", `,"response":${JSON.stringify(body)}`);
  }

  /** `event: <type>` + data whose first two keys are `type` and `sequence_number`; `rest` starts with a comma. */
  private frame(type: string, rest: string): string {
    return `event: ${type}\ndata: {"type":"${type}","sequence_number":${this.seq++}${rest}}\n\n`;
  }
}
