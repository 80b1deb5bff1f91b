// The Gemini caller's stream (protocols.md §9.3 GM, §9.6): SSE frames `data: <GenerateContentResponse>\r\n\r\n`,
// each carrying `responseId` and `modelVersion`. Text is `{text}`, thinking `{text, thought: true}`, a signature
// `{text: "", thought: true, thoughtSignature}` (wrapped, §10.4); a tool call is never incremental: its argument
// fragments are gathered and one complete `functionCall` part is written when the block closes. The last chunk
// carries the finish reason and usage; the stream ends at EOF. A caller that streamed without `alt=sse` needs the
// JSON-array framing, which `sseToJsonArray` (stream.ts) produces from this output.
import type { Citation, Signature } from "../../ir/content.ts";
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { TokenLogprob } from "../../ir/response.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { StreamEvent } from "../../ir/stream.ts";
import type { ResponseContext, StreamWriter } from "../codec.ts";
import { callPart } from "./parts.ts";
import { responseId } from "./response.ts";
import { writeCitation, writeLogprobs, writeStop, writeUsage } from "./tables.ts";
import { errorEnvelope } from "./writer.ts";

const END = "\r\n\r\n";

export class GeminiStreamWriter implements StreamWriter {
  /** `,"modelVersion":…,"responseId":…}` — the tail every chunk shares. */
  private tail = "";
  private kind: "text" | "thinking" | "tool" | "other" | undefined;
  private signature: Signature | undefined;
  private tool: { id: string; name: string; json: string; signature?: Signature } | undefined;
  private readonly citations: Citation[] = [];
  private readonly logprobs: TokenLogprob[] = [];

  constructor(private readonly ctx: ResponseContext, private readonly ledger: Ledger) {}

  write(ev: StreamEvent): string {
    switch (ev.t) {
      case "message_start":
        this.start(ev.model);
        return "";
      case "block_start": {
        const b = ev.block;
        if (b === "text" || b === "thinking") this.kind = b;
        else if (b === "redacted_thinking") {
          this.kind = "other";
          this.ledger.add(`content[${ev.index}]`, "no_target_analog"); // Gemini has no redacted thinking
        } else {
          this.kind = "tool";
          this.tool = { id: b.toolUse.id, name: b.toolUse.name, json: "", ...(b.toolUse.signature !== undefined && { signature: b.toolUse.signature }) };
        }
        return "";
      }
      case "block_delta": {
        const d = ev.delta;
        if ("text" in d) return d.text === "" ? "" : this.chunk(`{"text":${JSON.stringify(d.text)}}`);
        if ("thinking" in d) return d.thinking === "" ? "" : this.chunk(`{"text":${JSON.stringify(d.thinking)},"thought":true}`);
        if ("partialJson" in d) {
          if (this.tool !== undefined) this.tool.json += d.partialJson;
          return "";
        }
        if ("signature" in d) {
          // One signature per block, written at its end: fragments join first.
          this.signature = { value: (this.signature?.value ?? "") + d.signature, origin: this.signature?.origin ?? d.origin };
          return "";
        }
        if ("citation" in d) this.citations.push(d.citation);
        else if ("logprobs" in d) this.logprobs.push(...d.logprobs);
        return ""; // redacted data: its block is already recorded
      }
      case "block_stop":
        return this.blockStop(ev.index);
      case "message_delta": {
        let candidate = `{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"${writeStop(ev.stopReason)}","index":0`;
        if (this.citations.length > 0) candidate += `,"citationMetadata":${JSON.stringify({ citationSources: this.citations.map(writeCitation) })}`;
        if (this.logprobs.length > 0) candidate += `,"logprobsResult":${JSON.stringify(writeLogprobs(this.logprobs))}`;
        const usage = JSON.stringify(writeUsage(ev.usage ?? { input: 0, output: 0 }));
        return `data: {"candidates":[${candidate}}],"usageMetadata":${usage}${this.prefixTail()}${END}`;
      }
      case "message_stop":
        return ""; // Gemini streams end at EOF
      case "error":
        return this.fail(ev.kind, ev.message);
      default:
        return assertNever(ev, "stream event");
    }
  }

  /** §9.6: the google.rpc envelope as one more frame; the stream then ends. */
  fail(kind: ErrorKind, message: string): string {
    return `data: ${JSON.stringify(errorEnvelope(kind, message))}${END}`;
  }

  private blockStop(index: number): string {
    let out = "";
    if (this.kind === "thinking" && this.signature !== undefined) {
      out = this.chunk(`{"text":"","thought":true,"thoughtSignature":${JSON.stringify(wrapSignature(this.signature))}}`);
    } else if (this.kind === "tool" && this.tool !== undefined) {
      const t = this.tool;
      out = this.chunk(JSON.stringify(callPart({ kind: "tool_use", id: t.id, name: t.name, input: this.args(t.json, index), ...(t.signature !== undefined && { signature: t.signature }) })));
    }
    this.kind = undefined;
    this.signature = undefined;
    this.tool = undefined;
    return out;
  }

  /** The gathered argument text as the object Gemini sends; unparseable or non-object text is wrapped, recorded. */
  private args(json: string, index: number): unknown {
    if (json.trim() === "") return {};
    let parsed: unknown;
    try { parsed = JSON.parse(json); } catch { parsed = undefined; }
    if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed;
    this.ledger.add(`content[${index}].input`, "no_target_analog");
    return { input: parsed ?? json };
  }

  private start(model: string | undefined): void {
    this.tail = `,"modelVersion":${JSON.stringify(model ?? this.ctx.model)},"responseId":"${responseId(this.ctx)}"}`;
  }

  private prefixTail(): string {
    if (this.tail === "") this.start(undefined);
    return this.tail;
  }

  /** One chunk carrying one part. */
  private chunk(part: string): string {
    return `data: {"candidates":[{"content":{"parts":[${part}],"role":"model"},"index":0}]${this.prefixTail()}${END}`;
  }
}

export function streamWriter(ctx: ResponseContext, ledger: Ledger): StreamWriter {
  return new GeminiStreamWriter(ctx, ledger);
}
