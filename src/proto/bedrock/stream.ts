// Bedrock ConverseStream upstreams (protocols.md §9.3 BR, §9.4): an incremental reader of event-stream bytes into
// IR events. Text and reasoning blocks start implicitly with their first delta; the stream is complete at
// `metadata` after `messageStop` (or EOF after `messageStop`). The caller-side writer is stream-writer.ts.
import * as v from "valibot";
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { unwrapSignature } from "../../ir/signature.ts";
import type { BlockDelta, BlockStart, StreamEvent } from "../../ir/stream.ts";
import type { StreamReader } from "../codec.ts";
import { type Frame, FrameDecoder } from "./eventstream.ts";
import { isBlockDeltaEvent } from "./hot.ts";
import { clip } from "./reader.ts";
import { kindOfException, readStop, readUsage } from "./tables.ts";
import {
  BlockDeltaEvent, BlockStartEvent, BlockStopEvent, ExceptionPayload, MessageStartEvent, MessageStopEvent, MetadataEvent,
} from "./wire.ts";

// ---- reader ----

type OpenKind = "text" | "thinking" | "redacted_thinking" | "tool";

/**
 * A payload through its schema, or undefined: unparseable or ill-fitting frames are skipped (§9.1). A hand guard
 * (hot.ts), when given, narrows the common shape first and the schema runs only on a miss.
 */
function payload<S extends v.GenericSchema>(schema: S, text: string, guard?: (x: unknown) => x is v.InferOutput<S>): v.InferOutput<S> | undefined {
  let json: unknown;
  try { json = JSON.parse(text); } catch { return undefined; }
  if (guard?.(json)) return json;
  const r = v.safeParse(schema, json);
  return r.success ? r.output : undefined;
}

export function streamReader(ledger: Ledger): StreamReader {
  const frames = new FrameDecoder();
  /** Upstream indices of the blocks started and not yet stopped. */
  const open = new Map<number, OpenKind>();
  let stopped = false;
  let done = false;

  const closeAll = (out: StreamEvent[]) => {
    for (const index of open.keys()) out.push({ t: "block_stop", index });
    open.clear();
  };
  const fail = (out: StreamEvent[], kind: ErrorKind, message: string) => {
    open.clear(); // nothing follows an error (§9.6)
    done = true;
    out.push({ t: "error", kind, message });
  };
  /** Text and reasoning blocks have no start event: the first delta opens them. */
  const ensure = (out: StreamEvent[], index: number, kind: OpenKind, block: BlockStart) => {
    if (open.has(index)) return;
    open.set(index, kind);
    out.push({ t: "block_start", index, block });
  };

  function event(type: string | undefined, text: string, out: StreamEvent[]): void {
    switch (type) {
      case "messageStart":
        if (payload(MessageStartEvent, text)) out.push({ t: "message_start" }); // Converse names no model
        return;
      case "contentBlockStart": {
        const e = payload(BlockStartEvent, text);
        if (e === undefined) return;
        const tool = e.start.toolUse;
        if (tool) {
          open.set(e.contentBlockIndex, "tool");
          out.push({ t: "block_start", index: e.contentBlockIndex, block: { toolUse: { id: tool.toolUseId, name: tool.name } } });
        } else {
          ledger.add(`content[${e.contentBlockIndex}]`, "no_target_analog"); // image and tool-result starts
        }
        return;
      }
      case "contentBlockDelta": {
        const e = payload(BlockDeltaEvent, text, isBlockDeltaEvent);
        if (e !== undefined) delta(e.contentBlockIndex, e.delta, out);
        return;
      }
      case "contentBlockStop": {
        const e = payload(BlockStopEvent, text);
        if (e !== undefined && open.delete(e.contentBlockIndex)) out.push({ t: "block_stop", index: e.contentBlockIndex });
        return;
      }
      case "messageStop": {
        const e = payload(MessageStopEvent, text);
        if (e === undefined) return;
        closeAll(out);
        const stop = readStop(e.stopReason);
        out.push({ t: "message_delta", ...(stop !== undefined && { stopReason: stop }) });
        if (e.additionalModelResponseFields != null) ledger.add("additionalModelResponseFields", "no_target_analog");
        stopped = true;
        return;
      }
      case "metadata": {
        const e = payload(MetadataEvent, text);
        if (e === undefined) return;
        out.push({ t: "message_delta", usage: readUsage(e.usage) });
        if (stopped) {
          out.push({ t: "message_stop" });
          done = true;
        }
        return;
      }
      default:
        return; // event types added later
    }
  }

  function delta(index: number, d: v.InferOutput<typeof BlockDeltaEvent>["delta"], out: StreamEvent[]): void {
    const push = (x: BlockDelta) => out.push({ t: "block_delta", index, delta: x });
    if (typeof d.text === "string") {
      ensure(out, index, "text", "text");
      if (d.text !== "") push({ text: d.text });
    } else if (d.toolUse) {
      // Fragments are forwarded exactly as received (§9.5); an empty one carries nothing.
      if (open.get(index) === "tool" && d.toolUse.input !== "") push({ partialJson: d.toolUse.input });
    } else if (d.reasoningContent) {
      const r = d.reasoningContent;
      if (typeof r.redactedContent === "string") {
        ensure(out, index, "redacted_thinking", "redacted_thinking");
        const sig = unwrapSignature(r.redactedContent, "bedrock");
        push({ redacted: sig.value, origin: sig.origin });
        return;
      }
      ensure(out, index, "thinking", "thinking");
      if (typeof r.text === "string" && r.text !== "") push({ thinking: r.text });
      if (typeof r.signature === "string" && r.signature !== "") {
        const sig = unwrapSignature(r.signature, "bedrock");
        push({ signature: sig.value, origin: sig.origin });
      }
    } else if ("citation" in d) {
      ledger.add(`content[${index}].citations`, "no_target_analog");
    } else {
      ledger.add(`content[${index}]`, "no_target_analog"); // image and tool-result deltas
    }
  }

  function frame(f: Frame, out: StreamEvent[]): void {
    if (done) return;
    const type = f.headers[":message-type"];
    if (type === "event") return event(f.headers[":event-type"], f.payload, out);
    if (type === "exception") {
      // The payload is `{"message"}`; the exception name (PascalCase or lower-camel, maybe `ns#`-prefixed) says the kind.
      const p = payload(ExceptionPayload, f.payload);
      const m = p?.message ?? p?.Message;
      return fail(out, kindOfException(f.headers[":exception-type"]) ?? "server_error", m ? clip(m) : "The upstream stream failed.");
    }
    if (type === "error") {
      const m = f.headers[":error-message"];
      return fail(out, kindOfException(f.headers[":error-code"]) ?? "server_error", m ? clip(m) : "The upstream stream failed.");
    }
  }

  return {
    push(chunk) {
      const out: StreamEvent[] = [];
      if (done) return out;
      const d = frames.push(chunk);
      for (const f of d.frames) frame(f, out);
      if (d.error !== undefined && !done) fail(out, "server_error", `The upstream stream was corrupt: ${d.error}.`);
      return out;
    },
    end() {
      const out: StreamEvent[] = [];
      if (done) return out;
      closeAll(out);
      // EOF right after messageStop is a complete stream; anything else is left for the seam to end (§9.2 rule 8).
      if (stopped) {
        out.push({ t: "message_stop" });
        done = true;
      }
      return out;
    },
  };
}
