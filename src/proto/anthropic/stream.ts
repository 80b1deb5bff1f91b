// Anthropic Messages streams (protocols.md §9.3 AN): an incremental reader of upstream SSE into IR events, and a
// writer of the normalised IR sequence as the exact event grammar the Anthropic SDK's MessageStream accumulates.
import * as v from "valibot";
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever, type ProtocolName } from "../../ir/protocol.ts";
import { unwrapSignature, wrapSignature } from "../../ir/signature.ts";
import type { BlockDelta, StreamEvent } from "../../ir/stream.ts";
import type { ResponseContext, StreamReader, StreamWriter } from "../codec.ts";
import { SseDecoder } from "../sse.ts";
import { readCitation, writeResponseCitation } from "./blocks.ts";
import { isBlockDeltaFrame, isFrame } from "./hot.ts";
import { messageId } from "./response.ts";
import { kindOfErrorType, readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import {
  BlockDeltaFrame, BlockStartFrame, BlockStopFrame, ErrorBody, Frame, MessageDeltaFrame, MessageStartFrame,
  RedactedThinkingBlock, TextBlock, ThinkingBlock, ToolUseBlock,
} from "./wire.ts";
import { errorType } from "./writer.ts";

/** The issuer of a signature or redacted delta (protocols.md §10.4), so the caller-side writer can wrap it. */
function originOf(d: BlockDelta): ProtocolName | undefined {
  return "origin" in d ? d.origin : undefined;
}

// ---- reader ----

/** A schema's output, or undefined: a frame that does not fit is skipped (§9.1). */
function parsed<S extends v.GenericSchema>(schema: S, x: unknown): v.InferOutput<S> | undefined {
  const r = v.safeParse(schema, x);
  return r.success ? r.output : undefined;
}

export function streamReader(ledger: Ledger): StreamReader {
  const sse = new SseDecoder();
  /** Upstream indices of the blocks started and not yet stopped (AN indices are unique within a stream). */
  const open = new Set<number>();
  const closeAll = (out: StreamEvent[]) => {
    for (const index of open) out.push({ t: "block_stop", index });
    open.clear();
  };

  function frame(name: string | undefined, data: string, out: StreamEvent[]): void {
    let json: unknown;
    try { json = JSON.parse(data); } catch { return; } // unparseable frame: skipped (§9.1)
    const f = isFrame(json) ? json : parsed(Frame, json);
    if (f === undefined) return;
    switch (f.type ?? name) {
      case "message_start": {
        const m = v.safeParse(MessageStartFrame, json);
        if (!m.success) return;
        const { model, usage } = m.output.message;
        out.push({ t: "message_start", ...(typeof model === "string" && { model }), usage: readUsage(usage) });
        return;
      }
      case "content_block_start": {
        const s = v.safeParse(BlockStartFrame, json);
        if (s.success) blockStart(s.output.index, s.output.content_block, out);
        return;
      }
      case "content_block_delta": {
        const d = isBlockDeltaFrame(json) ? json : parsed(BlockDeltaFrame, json);
        if (d === undefined || !open.has(d.index)) return;
        const delta = readDelta(d.delta);
        if (delta !== undefined) out.push({ t: "block_delta", index: d.index, delta });
        return;
      }
      case "content_block_stop": {
        const s = v.safeParse(BlockStopFrame, json);
        if (s.success && open.delete(s.output.index)) out.push({ t: "block_stop", index: s.output.index });
        return;
      }
      case "message_delta": {
        const d = v.safeParse(MessageDeltaFrame, json);
        if (!d.success) return;
        closeAll(out);
        const stop = readStop(d.output.delta?.stop_reason);
        const seq = d.output.delta?.stop_sequence;
        out.push({
          t: "message_delta",
          ...(stop !== undefined && { stopReason: stop }),
          ...(typeof seq === "string" && { stopSequence: seq }),
          ...(d.output.usage && { usage: readUsage(d.output.usage) }),
        });
        return;
      }
      case "message_stop":
        closeAll(out);
        out.push({ t: "message_stop" });
        return;
      case "error": {
        const e = v.safeParse(ErrorBody, json);
        const err = e.success ? e.output.error : undefined;
        open.clear(); // the stream is over: nothing follows an error (§9.6)
        out.push({
          t: "error",
          kind: kindOfErrorType(err?.type) ?? "server_error",
          message: typeof err?.message === "string" && err.message !== "" ? err.message.slice(0, 500) : "The upstream stream failed.",
        });
        return;
      }
      default:
        return; // ping, and event types added later
    }
  }

  function blockStart(index: number, raw: v.InferOutput<typeof BlockStartFrame>["content_block"], out: StreamEvent[]): void {
    const delta = (d: BlockDelta) => out.push({ t: "block_delta", index, delta: d });
    switch (raw.type) {
      case "text": {
        const b = v.safeParse(TextBlock, raw);
        if (!b.success) return;
        open.add(index);
        out.push({ t: "block_start", index, block: "text" });
        if (b.output.text !== "") delta({ text: b.output.text });
        return;
      }
      case "thinking": {
        const b = v.safeParse(ThinkingBlock, raw);
        if (!b.success) return;
        open.add(index);
        out.push({ t: "block_start", index, block: "thinking" });
        if (b.output.thinking !== "") delta({ thinking: b.output.thinking });
        if (typeof b.output.signature === "string" && b.output.signature !== "") delta(signatureDelta(b.output.signature));
        return;
      }
      case "redacted_thinking": {
        const b = v.safeParse(RedactedThinkingBlock, raw);
        if (!b.success) return;
        open.add(index);
        out.push({ t: "block_start", index, block: "redacted_thinking" });
        const sig = unwrapSignature(b.output.data, "anthropic");
        const d: BlockDelta = { redacted: sig.value, origin: sig.origin };
        delta(d);
        return;
      }
      case "tool_use": {
        const b = v.safeParse(ToolUseBlock, raw);
        if (!b.success) return;
        open.add(index);
        out.push({ t: "block_start", index, block: { toolUse: { id: b.output.id, name: b.output.name } } });
        // The live API opens with `input: {}` and streams the arguments; a relay that sends them whole is kept.
        const input = b.output.input;
        if (typeof input === "object" && input !== null && Object.keys(input).length > 0) delta({ partialJson: JSON.stringify(input) });
        return;
      }
      default:
        ledger.add(`content[${index}]`, "no_target_analog"); // server tool blocks: Anthropic only
    }
  }

  return {
    push(chunk) {
      const out: StreamEvent[] = [];
      for (const ev of sse.push(chunk)) frame(ev.event, ev.data, out);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      for (const ev of sse.flush()) frame(ev.event, ev.data, out);
      closeAll(out);
      return out;
    },
  };
}

function signatureDelta(wire: string): BlockDelta {
  const sig = unwrapSignature(wire, "anthropic");
  return { signature: sig.value, origin: sig.origin };
}

function readDelta(d: v.InferOutput<typeof BlockDeltaFrame>["delta"]): BlockDelta | undefined {
  switch (d.type) {
    case "text_delta": return typeof d.text === "string" ? { text: d.text } : undefined;
    case "thinking_delta": return typeof d.thinking === "string" ? { thinking: d.thinking } : undefined;
    case "signature_delta": return typeof d.signature === "string" && d.signature !== "" ? signatureDelta(d.signature) : undefined;
    // Fragments are forwarded exactly as received (§9.5); an empty one carries nothing.
    case "input_json_delta": return typeof d.partial_json === "string" && d.partial_json !== "" ? { partialJson: d.partial_json } : undefined;
    case "citations_delta": return d.citation ? { citation: readCitation(d.citation) } : undefined;
    default: return undefined;
  }
}

// ---- writer ----

const frame = (type: string, data: string) => `event: ${type}\ndata: ${data}\n\n`;

export function streamWriter(ctx: ResponseContext, ledger: Ledger): StreamWriter {
  /** The open block's kind, and what it buffers until it closes (§9.2 rule 4: one open block at a time). */
  let kind: "text" | "thinking" | "redacted_thinking" | "tool_use" | undefined;
  let signature = "";
  let signatureOrigin: ProtocolName | undefined;
  let redacted = "";
  let redactedOrigin: ProtocolName | undefined;

  const delta = (index: number, body: string) =>
    frame("content_block_delta", `{"type":"content_block_delta","index":${index},"delta":${body}}`);

  function fail(k: ErrorKind, message: string): string {
    return frame("error", JSON.stringify({ type: "error", error: { type: errorType(k), message } }));
  }

  function blockStop(index: number): string {
    let out = "";
    if (kind === "thinking" && signature !== "") {
      // One signature per block: the SDK replaces (never appends) on signature_delta, so fragments are joined.
      if (signatureOrigin !== undefined) {
        out += delta(index, `{"type":"signature_delta","signature":${JSON.stringify(wrapSignature({ value: signature, origin: signatureOrigin }))}}`);
      } else {
        ledger.add(`content[${index}].signature`, "no_target_analog"); // issuer unknown: cannot be wrapped (§10.4)
      }
    }
    if (kind === "redacted_thinking") {
      // Redacted thinking exists only at AN and BR, and a cross hop to an AN caller means it came from BR.
      const data = wrapSignature({ value: redacted, origin: redactedOrigin ?? "bedrock" });
      out += frame("content_block_start", JSON.stringify({ type: "content_block_start", index, content_block: { type: "redacted_thinking", data } }));
    }
    kind = undefined;
    signature = "";
    signatureOrigin = undefined;
    redacted = "";
    redactedOrigin = undefined;
    return out + frame("content_block_stop", `{"type":"content_block_stop","index":${index}}`);
  }

  function blockDelta(index: number, d: BlockDelta): string {
    if ("text" in d) return delta(index, `{"type":"text_delta","text":${JSON.stringify(d.text)}}`);
    if ("thinking" in d) return delta(index, `{"type":"thinking_delta","thinking":${JSON.stringify(d.thinking)}}`);
    if ("partialJson" in d) return delta(index, `{"type":"input_json_delta","partial_json":${JSON.stringify(d.partialJson)}}`);
    if ("citation" in d) return delta(index, JSON.stringify({ type: "citations_delta", citation: writeResponseCitation(d.citation) }));
    if ("signature" in d) {
      signature += d.signature;
      signatureOrigin ??= originOf(d);
      return "";
    }
    if ("redacted" in d) {
      redacted += d.redacted;
      redactedOrigin ??= originOf(d);
      return "";
    }
    ledger.add("logprobs", "no_target_analog");
    return "";
  }

  return {
    write(ev) {
      switch (ev.t) {
        case "message_start":
          return frame("message_start", JSON.stringify({
            type: "message_start",
            message: {
              id: messageId(ctx), type: "message", role: "assistant", model: ev.model ?? ctx.model, content: [],
              stop_reason: null, stop_sequence: null, usage: writeUsage(ev.usage),
            },
          }));
        case "block_start": {
          const b = ev.block;
          const i = ev.index;
          if (b === "text") {
            kind = "text";
            return frame("content_block_start", `{"type":"content_block_start","index":${i},"content_block":{"type":"text","text":""}}`);
          }
          if (b === "thinking") {
            kind = "thinking";
            return frame("content_block_start", `{"type":"content_block_start","index":${i},"content_block":{"type":"thinking","thinking":"","signature":""}}`);
          }
          if (b === "redacted_thinking") {
            kind = "redacted_thinking"; // written whole at its stop: the data arrives as deltas
            return "";
          }
          kind = "tool_use";
          return frame("content_block_start", JSON.stringify({
            type: "content_block_start", index: i, content_block: { type: "tool_use", id: b.toolUse.id, name: b.toolUse.name, input: {} },
          }));
        }
        case "block_delta":
          return blockDelta(ev.index, ev.delta);
        case "block_stop":
          return blockStop(ev.index);
        case "message_delta": {
          const stop = writeStop(ev.stopReason);
          const seq = stop === "stop_sequence" && ev.stopSequence !== undefined ? ev.stopSequence : null;
          return frame("message_delta", JSON.stringify({
            type: "message_delta", delta: { stop_reason: stop, stop_sequence: seq }, usage: writeUsage(ev.usage),
          }));
        }
        case "message_stop":
          return frame("message_stop", `{"type":"message_stop"}`);
        case "error":
          return fail(ev.kind, ev.message);
        default:
          return assertNever(ev, "stream event");
      }
    },
    fail,
  };
}
