// Bedrock ConverseStream callers (protocols.md §9.3 BR, §9.4, §9.6): the normalised IR sequence written as the
// binary frames the AWS SDK's ConverseStream deserializer reads — text and reasoning blocks start implicitly,
// `messageStop` then `metadata{usage,metrics}` end the stream, an exception frame fails it.
import type { ErrorKind } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { assertNever, type ProtocolName } from "../../ir/protocol.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { BlockDelta } from "../../ir/stream.ts";
import type { Usage } from "../../ir/usage.ts";
import type { ResponseContext, StreamWriter } from "../codec.ts";
import { eventFrame, exceptionFrame } from "./eventstream.ts";
import { clip } from "./reader.ts";
import { streamExceptionOf, writeStop, writeUsage } from "./tables.ts";

/** String deltas longer than this are sent as several frames, so no frame nears the 16 MiB limit. */
const MAX_DELTA_CHARS = 1 << 20;

function originOf(d: BlockDelta): ProtocolName | undefined {
  return "origin" in d ? d.origin : undefined;
}

function join(parts: (Uint8Array | undefined)[]): Uint8Array | "" {
  const ok = parts.filter((p): p is Uint8Array => p !== undefined);
  if (ok.length === 0) return "";
  return ok.length === 1 ? ok[0]! : Buffer.concat(ok);
}

export function streamWriter(ctx: ResponseContext, ledger: Ledger): StreamWriter {
  const started = ctx.now();
  let signature = "";
  let signatureOrigin: ProtocolName | undefined;
  let redacted = "";
  let redactedOrigin: ProtocolName | undefined;
  let usage: Usage | undefined;

  const frame = (type: string, body: string, index?: number): Uint8Array | undefined => {
    const f = eventFrame(type, body);
    if (f === undefined) ledger.add(index === undefined ? type : `content[${index}]`, "no_target_analog"); // past §9.4 limits
    return f;
  };
  const deltaFrames = (index: number, text: string, wrap: (s: string) => string): Uint8Array | "" => {
    if (text.length <= MAX_DELTA_CHARS) return frame("contentBlockDelta", `{"contentBlockIndex":${index},"delta":${wrap(JSON.stringify(text))}}`, index) ?? "";
    const parts: (Uint8Array | undefined)[] = [];
    let i = 0;
    do {
      let end = Math.min(text.length, i + MAX_DELTA_CHARS);
      const last = text.charCodeAt(end - 1);
      if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--; // keep a surrogate pair whole
      parts.push(frame("contentBlockDelta", `{"contentBlockIndex":${index},"delta":${wrap(JSON.stringify(text.slice(i, end)))}}`, index));
      i = end;
    } while (i < text.length);
    return join(parts);
  };

  function blockDelta(index: number, d: BlockDelta): Uint8Array | "" {
    if ("text" in d) return deltaFrames(index, d.text, (s) => `{"text":${s}}`);
    if ("thinking" in d) return deltaFrames(index, d.thinking, (s) => `{"reasoningContent":{"text":${s}}}`);
    if ("partialJson" in d) return deltaFrames(index, d.partialJson, (s) => `{"toolUse":{"input":${s}}}`);
    if ("signature" in d) {
      // One signature per block, as Bedrock sends it: fragments are joined and written wrapped at the block's end.
      signature += d.signature;
      signatureOrigin ??= originOf(d);
      return "";
    }
    if ("redacted" in d) {
      redacted += d.redacted;
      redactedOrigin ??= originOf(d);
      return "";
    }
    ledger.add("citation" in d ? `content[${index}].citations` : "logprobs", "no_target_analog");
    return "";
  }

  function blockStop(index: number): Uint8Array | "" {
    const parts: (Uint8Array | undefined)[] = [];
    const reasoning = (body: string) => parts.push(frame("contentBlockDelta", `{"contentBlockIndex":${index},"delta":{"reasoningContent":${body}}}`, index));
    if (signature !== "") {
      if (signatureOrigin !== undefined) reasoning(`{"signature":${JSON.stringify(wrapSignature({ value: signature, origin: signatureOrigin }))}}`);
      else ledger.add(`content[${index}].signature`, "no_target_analog"); // issuer unknown: cannot be wrapped (§10.4)
    }
    if (redacted !== "") {
      // Redacted reasoning exists only at AN and BR, so a cross hop to a BR caller means it came from Anthropic.
      reasoning(`{"redactedContent":${JSON.stringify(wrapSignature({ value: redacted, origin: redactedOrigin ?? "anthropic" }))}}`);
    }
    signature = "";
    signatureOrigin = undefined;
    redacted = "";
    redactedOrigin = undefined;
    parts.push(frame("contentBlockStop", `{"contentBlockIndex":${index}}`));
    return join(parts);
  }

  function fail(kind: ErrorKind, message: string): Uint8Array | "" {
    return exceptionFrame(streamExceptionOf(kind), message) ?? exceptionFrame(streamExceptionOf(kind), clip(message)) ?? "";
  }

  return {
    write(ev) {
      switch (ev.t) {
        case "message_start":
          return frame("messageStart", `{"role":"assistant"}`) ?? "";
        case "block_start": {
          const b = ev.block;
          if (typeof b === "string") return ""; // text and reasoning blocks start implicitly (§9.3 BR)
          const start = JSON.stringify({ toolUse: { toolUseId: b.toolUse.id, name: b.toolUse.name } });
          return frame("contentBlockStart", `{"contentBlockIndex":${ev.index},"start":${start}}`, ev.index) ?? "";
        }
        case "block_delta":
          return blockDelta(ev.index, ev.delta);
        case "block_stop":
          return blockStop(ev.index);
        case "message_delta":
          usage = ev.usage;
          return frame("messageStop", `{"stopReason":"${writeStop(ev.stopReason)}"}`) ?? "";
        case "message_stop": {
          const metadata = { usage: writeUsage(usage), metrics: { latencyMs: Math.max(0, ctx.now() - started) } };
          return frame("metadata", JSON.stringify(metadata)) ?? "";
        }
        case "error":
          return fail(ev.kind, ev.message);
        default:
          return assertNever(ev, "stream event");
      }
    },
    fail,
  };
}
