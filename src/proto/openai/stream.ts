// Chat Completions streams (protocols.md §9.2, §9.3, §9.5, §9.6). The reader turns flat `chat.completion.chunk`
// frames into IR block events: a text/thinking block ends when another block starts, tool blocks (interleaved by
// `tool_calls[].index`) end at the finish chunk. The writer emits exactly the §9.3 OA sequence.
import * as v from "valibot";
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { StreamEvent } from "../../ir/stream.ts";
import type { ResponseContext, StreamReader, StreamWriter } from "../codec.ts";
import { type SseEvent, SseDecoder } from "../sse.ts";
import { type ChunkToolCall, chunkView, isObj } from "./hot.ts";
import { mintCompletionId } from "./response.ts";
import { kindOfError, readLogprobs, readStop, readUsage, writeLogprobs, writeStop, writeUsage } from "./tables.ts";
import { ErrorBody, Logprobs, Usage } from "./wire.ts";
import { streamErrorJson } from "./writer.ts";

export class OpenAiStreamReader implements StreamReader {
  private readonly sse = new SseDecoder();
  private started = false;
  /** `[DONE]` or an error frame arrived: nothing after it counts. */
  private done = false;
  private next = 0;
  private text: number | undefined;
  private thinking: number | undefined;
  /** §9.2 rule 2: reasoning opens a thinking block only before any text or tool call. */
  private thinkingAllowed = true;
  private refused = false;
  /** Open tool blocks: OA `tool_calls[].index` → reader block index, in the order they opened. */
  private readonly tools = new Map<number, number>();

  constructor(private readonly ledger: Ledger) {}

  push(chunk: Uint8Array): StreamEvent[] {
    return this.frames(this.sse.push(chunk));
  }

  end(): StreamEvent[] {
    const out = this.frames(this.sse.flush());
    if (!this.done) this.closeAll(out); // EOF without [DONE]: the seam ends the caller's stream with an error
    return out;
  }

  private frames(events: SseEvent[]): StreamEvent[] {
    const out: StreamEvent[] = [];
    for (const e of events) {
      if (this.done) break;
      this.frame(e.data, out);
    }
    return out;
  }

  private frame(data: string, out: StreamEvent[]): void {
    if (data === "[DONE]") {
      this.closeAll(out);
      out.push({ t: "message_stop" });
      this.done = true;
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return; // unparseable frame: skipped (the seam logs it)
    }
    if (!isObj(json)) return;
    if (json.error != null) {
      this.error(json, out);
      return;
    }
    const c = chunkView(json);
    if (!this.started) {
      this.started = true;
      out.push(c.model !== undefined ? { t: "message_start", model: c.model } : { t: "message_start" });
    }
    if (c.reasoning) this.reasoning(c.reasoning, out);
    if (c.content) this.textDelta(c.content, out);
    if (c.refusal) { this.refused = true; this.textDelta(c.refusal, out); }
    for (const tc of c.toolCalls) this.tool(tc, out);
    if (c.logprobs !== undefined) this.logprobs(c.logprobs, out);
    const usage = c.usage !== undefined ? v.safeParse(Usage, c.usage) : undefined;
    if (c.finishReason) {
      this.closeAll(out);
      const stopReason = readStop(c.finishReason, this.refused);
      // Usage may ride on the finish chunk (some servers) as well as on the trailing `choices: []` chunk.
      out.push(usage?.success ? { t: "message_delta", stopReason, usage: readUsage(usage.output) } : { t: "message_delta", stopReason });
    } else if (usage?.success) {
      out.push({ t: "message_delta", usage: readUsage(usage.output) });
    }
  }

  private logprobs(raw: unknown, out: StreamEvent[]): void {
    const lp = v.safeParse(Logprobs, raw);
    const content = lp.success ? lp.output?.content : undefined;
    if (!content || content.length === 0) return;
    if (this.text !== undefined) out.push({ t: "block_delta", index: this.text, delta: { logprobs: readLogprobs(content) } });
    else this.ledger.add("choices[0].logprobs", "no_target_analog");
  }

  private reasoning(t: string, out: StreamEvent[]): void {
    if (!this.thinkingAllowed) { this.ledger.add("choices[0].delta.reasoning_content", "no_target_analog"); return; }
    if (this.thinking === undefined) {
      this.thinking = this.next++;
      out.push({ t: "block_start", index: this.thinking, block: "thinking" });
    }
    out.push({ t: "block_delta", index: this.thinking, delta: { thinking: t } });
  }

  private textDelta(t: string, out: StreamEvent[]): void {
    this.endThinking(out);
    if (this.text === undefined) {
      this.text = this.next++;
      out.push({ t: "block_start", index: this.text, block: "text" });
    }
    out.push({ t: "block_delta", index: this.text, delta: { text: t } });
  }

  private tool(tc: ChunkToolCall, out: StreamEvent[]): void {
    let index = this.tools.get(tc.index);
    if (index === undefined) {
      this.endThinking(out);
      if (this.text !== undefined) { out.push({ t: "block_stop", index: this.text }); this.text = undefined; }
      index = this.next++;
      this.tools.set(tc.index, index);
      const toolUse = { id: tc.id ?? `call_${tc.index}`, name: tc.name ?? "" };
      out.push({ t: "block_start", index, block: { toolUse } });
    }
    const args = tc.arguments;
    if (args) out.push({ t: "block_delta", index, delta: { partialJson: args } });
  }

  private endThinking(out: StreamEvent[]): void {
    this.thinkingAllowed = false;
    if (this.thinking !== undefined) { out.push({ t: "block_stop", index: this.thinking }); this.thinking = undefined; }
  }

  private closeAll(out: StreamEvent[]): void {
    this.endThinking(out);
    if (this.text !== undefined) { out.push({ t: "block_stop", index: this.text }); this.text = undefined; }
    for (const index of this.tools.values()) out.push({ t: "block_stop", index });
    this.tools.clear();
  }

  private error(json: object, out: StreamEvent[]): void {
    const r = v.safeParse(ErrorBody, json);
    const e = r.success ? r.output.error : undefined;
    let message = "The upstream stream failed.";
    let kind: ErrorKind = "server_error";
    if (typeof e === "string") message = e;
    else if (e) {
      if (e.message) message = e.message;
      kind = kindOfError(undefined, e.type ?? undefined, e.code ?? undefined);
    }
    this.closeAll(out);
    out.push({ t: "error", kind, message });
    this.done = true;
  }
}

const DONE = "data: [DONE]\n\n";

export class OpenAiStreamWriter implements StreamWriter {
  /** `data: {"id":…,"object":"chat.completion.chunk","created":…,"model":…,"choices":` — shared by every chunk. */
  private head = "";
  private tools = 0;
  /** Block index → `tool_calls[].index`. */
  private readonly toolIndex = new Map<number, number>();

  constructor(private readonly ctx: ResponseContext, private readonly ledger: Ledger) {}

  write(ev: StreamEvent): string {
    switch (ev.t) {
      case "message_start":
        this.start(ev.model);
        return this.delta(`{"role":"assistant","content":""}`);
      case "block_start": {
        const b = ev.block;
        if (typeof b === "object") {
          const k = this.tools++;
          this.toolIndex.set(ev.index, k);
          return this.delta(`{"tool_calls":[{"index":${k},"id":${JSON.stringify(b.toolUse.id)},"type":"function","function":{"name":${JSON.stringify(b.toolUse.name)},"arguments":""}}]}`);
        }
        if (b === "redacted_thinking" || (b === "thinking" && !this.ctx.reasoningContent)) this.ledger.add(`content[${ev.index}]`, "no_target_analog");
        return "";
      }
      case "block_delta": {
        const d = ev.delta;
        if ("text" in d) return d.text === "" ? "" : this.delta(`{"content":${JSON.stringify(d.text)}}`);
        if ("partialJson" in d) {
          const k = this.toolIndex.get(ev.index);
          if (k === undefined || d.partialJson === "") return "";
          return this.delta(`{"tool_calls":[{"index":${k},"function":{"arguments":${JSON.stringify(d.partialJson)}}}]}`);
        }
        if ("thinking" in d) {
          // D11: reasoning reaches OpenAI callers only on pools that opt in (block_start recorded the drop).
          return this.ctx.reasoningContent && d.thinking !== "" ? this.delta(`{"reasoning_content":${JSON.stringify(d.thinking)}}`) : "";
        }
        if ("logprobs" in d) {
          return `${this.prefix()}[{"index":0,"delta":{},"logprobs":{"content":${JSON.stringify(writeLogprobs(d.logprobs))},"refusal":null},"finish_reason":null}]}\n\n`;
        }
        if ("signature" in d) {
          // Written thinking loses its signature (`reasoning_content` has no field for it); dropped thinking is
          // already recorded whole.
          if (this.ctx.reasoningContent) this.ledger.add(`content[${ev.index}].signature`, "no_target_analog");
        } else if ("citation" in d) this.ledger.add(`content[${ev.index}].citations`, "no_target_analog");
        else this.ledger.add(`content[${ev.index}]`, "no_target_analog"); // redacted data
        return "";
      }
      case "block_stop":
        return "";
      case "message_delta": {
        const finish = `${this.prefix()}[{"index":0,"delta":{},"finish_reason":"${writeStop(ev.stopReason)}"}]}\n\n`;
        // §9.5: the usage-only chunk only for callers that set include_usage.
        if (!this.ctx.includeUsage) return finish;
        return `${finish}${this.prefix()}[],"usage":${JSON.stringify(writeUsage(ev.usage ?? { input: 0, output: 0 }))}}\n\n`;
      }
      case "message_stop":
        return DONE;
      case "error":
        return this.fail(ev.kind, ev.message);
      default:
        return assertNever(ev, "stream event");
    }
  }

  fail(kind: ErrorKind, message: string): string {
    return `data: ${streamErrorJson(kind, message)}\n\n${DONE}`;
  }

  private start(model: string | undefined): void {
    const created = Math.floor(this.ctx.now() / 1000);
    this.head = `data: {"id":"${mintCompletionId(this.ctx)}","object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(model ?? this.ctx.model)},"choices":`;
  }

  private prefix(): string {
    if (this.head === "") this.start(undefined);
    return this.head;
  }

  private delta(delta: string): string {
    return `${this.prefix()}[{"index":0,"delta":${delta},"finish_reason":null}]}\n\n`;
  }
}
