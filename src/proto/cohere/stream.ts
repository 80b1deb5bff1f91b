// Cohere v2 chat streams (protocols.md §9.3 CO, §9.5, §9.6). Every frame is `event: <type>` + `data: <json>` and
// the payload repeats its `type`; cohere-ai v8's parser reads only the `data:` lines (core/stream/Stream.ts,
// `iterDataMessages`) and the live API sends no `[DONE]`: `message-end` is the terminator.
// - Reader: content blocks (`content-*`, text or thinking) and tool calls (`tool-call-*`) are counted from 0
//   separately upstream, so each gets its own reader index. `tool-plan-delta`s open a leading text block that ends
//   when another block starts. `citation-*` is recorded and skipped, `debug` skipped. A `message-end` reporting
//   ERROR or TIMEOUT (or carrying `delta.error`) is an upstream error (§9.6), never a stop that looks like success.
// - Writer: the §9.3 sequence, content and tool-call indices counted separately, usage on `message-end`. Text is
//   written as content, never as `tool-plan-delta` (unlike the non-stream writer, it cannot know whether a tool call
//   follows without holding the text back). Thinking only on pools that opt in (D11), as `{type:"thinking"}`.
import * as v from "valibot";
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { BlockDelta, BlockStart, StreamEvent } from "../../ir/stream.ts";
import type { ResponseContext, StreamReader, StreamWriter } from "../codec.ts";
import { SseDecoder } from "../sse.ts";
import { failureKind, readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import { dig, isObj, strOf, Usage } from "./wire.ts";

// ---- reader ----

export class CohereStreamReader implements StreamReader {
  private readonly sse = new SseDecoder();
  private started = false;
  /** `message-end` arrived: nothing after it counts. */
  private done = false;
  private next = 0;
  /** Open blocks: upstream content index → reader index, upstream tool-call index → reader index. */
  private readonly content = new Map<number, number>();
  private readonly tools = new Map<number, number>();
  /** The open tool-plan text block. */
  private plan: number | undefined;

  constructor(private readonly ledger: Ledger) {}

  push(chunk: Uint8Array): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of this.sse.push(chunk)) if (!this.done) this.frame(e.event, e.data, out);
    return out;
  }

  end(): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of this.sse.flush()) if (!this.done) this.frame(e.event, e.data, out);
    if (!this.done) this.closeAll(out); // EOF without message-end: the seam ends the caller's stream with an error
    return out;
  }

  private frame(name: string | undefined, data: string, out: StreamEvent[]): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return; // unparseable frame: skipped (the seam logs it)
    }
    if (!isObj(json)) return;
    const index = typeof json.index === "number" ? json.index : 0;
    const message = dig(json, "delta", "message");
    switch (strOf(json.type) ?? name) {
      case "message-start":
        this.start(out);
        return;
      case "content-start": {
        this.start(out);
        this.endPlan(out);
        this.stop(this.content, index, out); // a repeated start: the old block ends
        const c = dig(message, "content");
        const thinking = dig(c, "type") === "thinking";
        const i = this.open(this.content, index, thinking ? "thinking" : "text", out);
        const first = strOf(dig(c, thinking ? "thinking" : "text"));
        if (first) out.push({ t: "block_delta", index: i, delta: thinking ? { thinking: first } : { text: first } });
        return;
      }
      case "content-delta": {
        const i = this.content.get(index);
        if (json.logprobs != null) this.ledger.add("logprobs", "no_target_analog");
        if (i === undefined) return;
        const c = dig(message, "content");
        const t = strOf(dig(c, "text"));
        const th = strOf(dig(c, "thinking"));
        if (t) out.push({ t: "block_delta", index: i, delta: { text: t } });
        if (th) out.push({ t: "block_delta", index: i, delta: { thinking: th } });
        return;
      }
      case "content-end":
        this.stop(this.content, index, out);
        return;
      case "tool-plan-delta": {
        const t = strOf(dig(message, "tool_plan"));
        if (!t) return;
        this.start(out);
        if (this.plan === undefined) {
          this.plan = this.next++;
          out.push({ t: "block_start", index: this.plan, block: "text" });
        }
        out.push({ t: "block_delta", index: this.plan, delta: { text: t } });
        return;
      }
      case "tool-call-start": {
        this.start(out);
        this.endPlan(out);
        this.stop(this.tools, index, out);
        const call = dig(message, "tool_calls");
        const id = strOf(dig(call, "id")) ?? `call_${index}`;
        const i = this.open(this.tools, index, { toolUse: { id, name: strOf(dig(call, "function", "name")) ?? "" } }, out);
        // Fragments are forwarded exactly as received (§9.5); the live API opens with `arguments: ""`.
        const args = strOf(dig(call, "function", "arguments"));
        if (args) out.push({ t: "block_delta", index: i, delta: { partialJson: args } });
        return;
      }
      case "tool-call-delta": {
        const i = this.tools.get(index);
        const args = strOf(dig(message, "tool_calls", "function", "arguments"));
        if (i !== undefined && args) out.push({ t: "block_delta", index: i, delta: { partialJson: args } });
        return;
      }
      case "tool-call-end":
        this.stop(this.tools, index, out);
        return;
      case "citation-start":
        this.ledger.add("message.citations", "no_target_analog"); // §7.3: Cohere-only
        return;
      case "message-end":
        this.messageEnd(dig(json, "delta"), out);
        return;
      default:
        return; // citation-end, debug, and event types added later
    }
  }

  private messageEnd(delta: unknown, out: StreamEvent[]): void {
    this.start(out);
    this.closeAll(out);
    this.done = true;
    const reason = strOf(dig(delta, "finish_reason"));
    const error = strOf(dig(delta, "error"));
    if (reason === "ERROR" || reason === "TIMEOUT" || (error !== undefined && error !== "")) {
      out.push({ t: "error", kind: failureKind(reason), message: error ? error.slice(0, 500) : "The upstream generation failed." });
      return;
    }
    const u = v.safeParse(Usage, dig(delta, "usage"));
    const stopReason = readStop(reason);
    out.push({
      t: "message_delta",
      ...(stopReason !== undefined && { stopReason }),
      ...(u.success && u.output !== undefined && { usage: readUsage(u.output) }),
    });
    out.push({ t: "message_stop" });
  }

  private start(out: StreamEvent[]): void {
    if (this.started) return;
    this.started = true;
    out.push({ t: "message_start" });
  }

  private open(map: Map<number, number>, upstream: number, block: BlockStart, out: StreamEvent[]): number {
    const i = this.next++;
    map.set(upstream, i);
    out.push({ t: "block_start", index: i, block });
    return i;
  }

  private stop(map: Map<number, number>, upstream: number, out: StreamEvent[]): void {
    const i = map.get(upstream);
    if (i === undefined) return;
    map.delete(upstream);
    out.push({ t: "block_stop", index: i });
  }

  private endPlan(out: StreamEvent[]): void {
    if (this.plan === undefined) return;
    out.push({ t: "block_stop", index: this.plan });
    this.plan = undefined;
  }

  private closeAll(out: StreamEvent[]): void {
    this.endPlan(out);
    for (const i of this.content.values()) out.push({ t: "block_stop", index: i });
    for (const i of this.tools.values()) out.push({ t: "block_stop", index: i });
    this.content.clear();
    this.tools.clear();
  }
}

// ---- writer ----

const frame = (type: string, data: string): string => `event: ${type}\ndata: ${data}\n\n`;

export class CohereStreamWriter implements StreamWriter {
  private contentCount = 0;
  private toolCount = 0;
  /** The open block: its wire kind and index ("drop": a block the caller does not receive). */
  private kind: "content" | "tool" | "drop" = "drop";
  private wire = 0;

  constructor(private readonly ctx: ResponseContext, private readonly ledger: Ledger) {}

  write(ev: StreamEvent): string {
    switch (ev.t) {
      case "message_start":
        return frame("message-start", `{"id":${JSON.stringify(this.ctx.ids.uuid())},"type":"message-start","delta":{"message":{"role":"assistant"}}}`);
      case "block_start":
        return this.blockStart(ev.index, ev.block);
      case "block_delta":
        return this.blockDelta(ev.index, ev.delta);
      case "block_stop":
        return this.blockStop();
      case "message_delta":
        return frame("message-end", `{"type":"message-end","delta":{"finish_reason":"${writeStop(ev.stopReason)}","usage":${JSON.stringify(writeUsage(ev.usage))}}}`);
      case "message_stop":
        return ""; // message-end was the terminator
      case "error":
        return this.fail(ev.kind, ev.message);
      default:
        return assertNever(ev, "stream event");
    }
  }

  /**
   * §9.6 CO: `message-end` with finish_reason ERROR and the message in `delta.error` (ChatMessageEndEventDelta),
   * after closing the block the failure interrupted, so the caller's grammar stays whole.
   */
  fail(_kind: ErrorKind, message: string): string {
    return `${this.blockStop()}${frame("message-end", `{"type":"message-end","delta":{"finish_reason":"ERROR","error":${JSON.stringify(message)}}}`)}`;
  }

  private blockStop(): string {
    const kind = this.kind;
    this.kind = "drop";
    if (kind === "content") return frame("content-end", `{"type":"content-end","index":${this.wire}}`);
    if (kind === "tool") return frame("tool-call-end", `{"type":"tool-call-end","index":${this.wire}}`);
    return "";
  }

  private blockStart(index: number, block: BlockStart): string {
    if (typeof block === "object") {
      this.kind = "tool";
      this.wire = this.toolCount++;
      const call = JSON.stringify({ id: block.toolUse.id, type: "function", function: { name: block.toolUse.name, arguments: "" } });
      return frame("tool-call-start", `{"type":"tool-call-start","index":${this.wire},"delta":{"message":{"tool_calls":${call}}}}`);
    }
    if (block === "text" || (block === "thinking" && this.ctx.reasoningContent)) {
      this.kind = "content";
      this.wire = this.contentCount++;
      const content = block === "text" ? `{"type":"text","text":""}` : `{"type":"thinking","thinking":""}`;
      return frame("content-start", `{"type":"content-start","index":${this.wire},"delta":{"message":{"content":${content}}}}`);
    }
    this.kind = "drop"; // thinking without the opt-in, redacted thinking (§6.3: Cohere has none)
    this.ledger.add(`content[${index}]`, "no_target_analog");
    return "";
  }

  private blockDelta(index: number, d: BlockDelta): string {
    if (this.kind === "drop") return "";
    if ("text" in d) return d.text === "" ? "" : this.contentDelta(`{"text":${JSON.stringify(d.text)}}`);
    if ("thinking" in d) return d.thinking === "" ? "" : this.contentDelta(`{"thinking":${JSON.stringify(d.thinking)}}`);
    if ("partialJson" in d) {
      if (d.partialJson === "") return "";
      return frame("tool-call-delta", `{"type":"tool-call-delta","index":${this.wire},"delta":{"message":{"tool_calls":{"function":{"arguments":${JSON.stringify(d.partialJson)}}}}}}`);
    }
    if ("signature" in d) this.ledger.add(`content[${index}].signature`, "no_target_analog");
    else if ("citation" in d) this.ledger.add(`content[${index}].citations`, "no_target_analog");
    else if ("logprobs" in d) this.ledger.add("logprobs", "no_target_analog");
    else this.ledger.add(`content[${index}]`, "no_target_analog");
    return "";
  }

  private contentDelta(content: string): string {
    return frame("content-delta", `{"type":"content-delta","index":${this.wire},"delta":{"message":{"content":${content}}}}`);
  }
}
