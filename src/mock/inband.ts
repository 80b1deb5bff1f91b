// What a faulty stream sends besides its normal events, in each protocol's own framing: the in-band
// error a vendor sends after a 200 (protocols.md §9.6), an unparsable frame, and the bytes that commit
// the response headers without carrying output.
import { assertNever, type ProtocolName } from "../ir/protocol.ts";
import { defaultMessage, isErrorKind, nativeErrorType, type ErrorKind } from "./errors.ts";
import { eventFrameEncoder } from "./eventstream.ts";
import type { MockProtocolName, Wire } from "./protocol.ts";
import { sseData, sseDataCrlf, sseEvent } from "./sse.ts";

/** How far a stream got before the fault: frames of any kind, and content frames among them. */
export interface Sent {
  readonly frames: number;
  readonly content: number;
}

export interface StreamFaults {
  /**
   * Bytes that carry no output but make Bun send the response headers, which it holds until the first
   * body byte (oven-sh/bun#33660): an SSE comment, JSON whitespace, or Bedrock's `messageStart`.
   */
  readonly keepAlive: Wire;
  /** The in-band error, plus whatever then ends the stream cleanly (Gemini's `]`). */
  error(type: string | undefined, message: string | undefined, sent: Sent): Wire[];
  /** One frame no reader can parse. */
  malformed(sent: Sent): Wire;
}

/** The HTTP status a kind stands for, where a vendor's in-band error carries one (Gemini's `code`). */
const KIND_STATUS: Readonly<Record<ErrorKind, number>> = {
  invalid_request: 400, authentication: 401, permission: 403, not_found: 404, too_large: 413,
  rate_limit: 429, server_error: 500, overloaded: 503, timeout: 504,
};

/** Responses' stream `error.code` vocabulary (platform.openai.com, ResponseErrorEvent). */
function responsesCode(kind: ErrorKind): string {
  if (kind === "rate_limit") return "rate_limit_exceeded";
  if (kind === "invalid_request" || kind === "too_large") return "invalid_prompt";
  return "server_error";
}

/** `type` as an error kind (rendered natively) or, when it is not one, a native type used verbatim. */
function resolve(type: string | undefined): { readonly kind: ErrorKind; readonly verbatim: string | undefined } {
  if (type === undefined) return { kind: "overloaded", verbatim: undefined };
  return isErrorKind(type) ? { kind: type, verbatim: undefined } : { kind: "server_error", verbatim: type };
}

/**
 * A non-streaming request that draws an in-band error gets the HTTP error it stands for: the kind's status
 * (Anthropic's overload is 529), or 500 carrying a verbatim native type.
 */
export function inbandAsStatus(protocol: MockProtocolName, type: string | undefined): { readonly status: number; readonly type: string | undefined } {
  const { kind, verbatim } = resolve(type);
  if (verbatim !== undefined) return { status: 500, type: verbatim };
  return { status: protocol === "anthropic" && kind === "overloaded" ? 529 : KIND_STATUS[kind], type: undefined };
}

const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

const SSE_KEEP_ALIVE = ": keep-alive\n\n";

export function streamFaults(protocol: ProtocolName, contentType: string): StreamFaults {
  switch (protocol) {
    case "openai":
      return {
        keepAlive: SSE_KEEP_ALIVE,
        error: (type, message) => {
          const { kind, verbatim } = resolve(type);
          return [sseData({ error: { message: message ?? defaultMessage(kind), type: verbatim ?? nativeErrorType(protocol, kind), param: null, code: null } })];
        },
        malformed: () => 'data: {"id":"chatcmpl-broken","choices":[{"delta":{"content":"cut\n\n',
      };
    case "responses":
      return {
        keepAlive: SSE_KEEP_ALIVE,
        error: (type, message, sent) => {
          const { kind, verbatim } = resolve(type);
          const code = verbatim ?? responsesCode(kind);
          return [sseEvent("error", { type: "error", code, message: message ?? defaultMessage(kind), param: null, sequence_number: sent.frames })];
        },
        malformed: () => 'event: response.output_text.delta\ndata: {"type":"response.output_text.delta","delta":"cut\n\n',
      };
    case "anthropic":
      return {
        keepAlive: SSE_KEEP_ALIVE,
        // The live API's mid-stream overload: `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`.
        error: (type, message) => {
          const { kind, verbatim } = resolve(type);
          const fallback = kind === "overloaded" ? "Overloaded" : defaultMessage(kind);
          return [sseEvent("error", { type: "error", error: { type: verbatim ?? nativeErrorType(protocol, kind), message: message ?? fallback } })];
        },
        malformed: () => 'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"cut\n\n',
      };
    case "gemini": {
      // Without `alt=sse` the stream is one JSON array: an error is one more element, then the array closes.
      const array = !contentType.startsWith("text/event-stream");
      const element = (sent: Sent, json: string) => `${sent.content === 0 ? "[" : ",\r\n"}${json}`;
      return {
        keepAlive: array ? " " : SSE_KEEP_ALIVE,
        error: (type, message, sent) => {
          const { kind, verbatim } = resolve(type);
          const err = { error: { code: KIND_STATUS[kind], message: message ?? defaultMessage(kind), status: verbatim ?? nativeErrorType(protocol, kind) } };
          return array ? [element(sent, JSON.stringify(err)), "]"] : [sseDataCrlf(err)];
        },
        malformed: (sent) => (array ? element(sent, '{"candidates":[{"content":{"parts":[{"text":"cut') : 'data: {"candidates":[{"content":{"parts":[{"text":"cut\r\n\r\n'),
      };
    }
    case "bedrock": {
      const frames = eventFrameEncoder();
      return {
        keepAlive: frames.event("messageStart", { role: "assistant" }),
        error: (type, message) => {
          const { kind, verbatim } = resolve(type);
          return [frames.exception(lowerFirst(verbatim ?? nativeErrorType(protocol, kind)), { message: message ?? defaultMessage(kind) })];
        },
        // A well-formed frame with its message CRC flipped: the decoder must refuse it.
        malformed: () => {
          const frame = frames.event("contentBlockDelta", { contentBlockIndex: 0, delta: { text: "cut" } });
          const last = frame.length - 1;
          frame[last] = (frame[last] ?? 0) ^ 0xff;
          return frame;
        },
      };
    }
    case "cohere":
      return {
        keepAlive: SSE_KEEP_ALIVE,
        // Cohere v2 has no error event: a failed generation ends with `message-end`, finish_reason ERROR (or
        // TIMEOUT) and the reason in `delta.error` (ChatMessageEndEventDelta).
        error: (type, message) => {
          const { kind } = resolve(type);
          const finish_reason = kind === "timeout" ? "TIMEOUT" : "ERROR";
          return [sseEvent("message-end", { type: "message-end", delta: { finish_reason, error: message ?? defaultMessage(kind) } })];
        },
        malformed: () => 'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"cut\n\n',
      };
    default:
      return assertNever(protocol, "protocol");
  }
}

/** JSON whitespace: commits a non-streaming response's headers without changing what its body parses to. */
export const JSON_KEEP_ALIVE = " ";
