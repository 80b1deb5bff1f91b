// What a client of each protocol sends, and how it reads the answer: the request for a pool, and a reply body
// reduced to what decides a verdict (text, the protocol's terminator, an in-band error, unparsable frames).
// Terminators and terminal errors are protocols.md §9.6.
import { assertNever, type ProtocolName } from "../ir/protocol.ts";
import { FrameDecoder } from "../proto/bedrock/eventstream.ts";
import { SseDecoder } from "../proto/sse.ts";

export interface WireRequest {
  readonly path: string;
  readonly body: string;
}

const PROMPT = "Say something short.";

/** A minimal request for `pool` in the caller's protocol (protocols.md §2.1 routes). */
export function poolRequest(protocol: ProtocolName, pool: string, stream: boolean): WireRequest {
  const messages = [{ role: "user", content: PROMPT }];
  const json = (path: string, body: unknown): WireRequest => ({ path, body: JSON.stringify(body) });
  const enc = encodeURIComponent(pool);
  switch (protocol) {
    case "openai": return json("/v1/chat/completions", { model: pool, stream, messages });
    case "responses": return json("/v1/responses", { model: pool, stream, input: PROMPT });
    case "anthropic": return json("/v1/messages", { model: pool, stream, max_tokens: 64, messages });
    case "cohere": return json("/v2/chat", { model: pool, stream, messages });
    case "gemini":
      return json(`/v1beta/models/${enc}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`, { contents: [{ role: "user", parts: [{ text: PROMPT }] }] });
    case "bedrock":
      return json(`/model/${enc}/${stream ? "converse-stream" : "converse"}`, { messages: [{ role: "user", content: [{ text: PROMPT }] }] });
    default: return assertNever(protocol, "protocol");
  }
}

/** A streamed reply, read the way the protocol's SDK reads it. */
export interface StreamReading {
  readonly text: string;
  /** The protocol's normal terminator arrived (§9.6). */
  readonly terminated: boolean;
  /** The in-band or terminal error's type, when one arrived. */
  readonly error: string | undefined;
  /** Frames no SDK could parse. */
  readonly malformed: number;
}

type Json = Record<string, unknown>;
const isJson = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);
const obj = (x: unknown): Json => (isJson(x) ? x : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

/** A JSON object, or undefined for anything else (arrays, scalars, text that does not parse). */
export function parseJson(text: string): Json | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return isJson(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

class Reading {
  text = "";
  terminated = false;
  error: string | undefined = undefined;
  malformed = 0;
  /** Bedrock's terminator is two frames: messageStop, then metadata. */
  stopped = false;

  done(): StreamReading {
    return { text: this.text, terminated: this.terminated, error: this.error, malformed: this.malformed };
  }
}

function sseEvent(protocol: Exclude<ProtocolName, "bedrock">, event: string | undefined, data: string, r: Reading): void {
  if (protocol === "openai" && data === "[DONE]") { r.terminated = true; return; }
  const j = parseJson(data);
  if (j === undefined) { r.malformed++; return; }
  switch (protocol) {
    case "openai": {
      if (j.error !== undefined) { r.error ??= str(obj(j.error).type) ?? str(obj(j.error).code) ?? "error"; return; }
      r.text += str(obj(obj(arr(j.choices)[0]).delta).content) ?? "";
      return;
    }
    case "responses": {
      if (event === "response.output_text.delta") r.text += str(j.delta) ?? "";
      else if (event === "error") r.error ??= str(j.code) ?? str(obj(j.error).code) ?? "error";
      else if (event === "response.failed") r.error ??= str(obj(obj(j.response).error).code) ?? "failed";
      else if (event === "response.completed" || event === "response.incomplete") r.terminated = true;
      return;
    }
    case "anthropic": {
      if (event === "content_block_delta") r.text += str(obj(j.delta).text) ?? "";
      else if (event === "message_stop") r.terminated = true;
      else if (event === "error") r.error ??= str(obj(j.error).type) ?? "error";
      return;
    }
    case "gemini": {
      if (j.error !== undefined) { r.error ??= str(obj(j.error).status) ?? "error"; return; }
      const cand = obj(arr(j.candidates)[0]);
      for (const part of arr(obj(cand.content).parts)) if (obj(part).thought !== true) r.text += str(obj(part).text) ?? "";
      if (str(cand.finishReason) !== undefined) r.terminated = true; // a Gemini stream ends at EOF; its last chunk has the finish
      return;
    }
    case "cohere": {
      if (event === "content-delta") r.text += str(obj(obj(obj(j.delta).message).content).text) ?? "";
      else if (event === "message-end") {
        const reason = str(obj(j.delta).finish_reason);
        // A failed generation also ends with message-end: that is Cohere's terminal error, not a reply's end.
        if (reason === "ERROR" || reason === "TIMEOUT") r.error ??= reason;
        else r.terminated = true;
      }
      return;
    }
    default: return assertNever(protocol, "protocol");
  }
}

function bedrockFrame(headers: Readonly<Record<string, string>>, payload: string, r: Reading): void {
  const kind = headers[":message-type"];
  if (kind === "exception") { r.error ??= headers[":exception-type"] ?? "exception"; return; }
  if (kind === "error") { r.error ??= headers[":error-code"] ?? "error"; return; }
  const j = parseJson(payload);
  if (j === undefined) { r.malformed++; return; }
  const type = headers[":event-type"];
  if (type === "contentBlockDelta") r.text += str(obj(j.delta).text) ?? "";
  else if (type === "messageStop") r.stopped = true;
  else if (type === "metadata" && r.stopped) r.terminated = true;
}

/** Bytes after the last whole event-stream frame (§9.4 lengths, big-endian): a frame cut short. */
function partialTail(bytes: Uint8Array): boolean {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at + 4 <= bytes.length) {
    const total = view.getUint32(at);
    if (total < 16 || at + total > bytes.length) break;
    at += total;
  }
  return at < bytes.length;
}

/** Reads a whole streamed body. Bytes left over after the last whole frame count as one malformed frame. */
export function readStream(protocol: ProtocolName, bytes: Uint8Array): StreamReading {
  const r = new Reading();
  if (protocol === "bedrock") {
    const dec = new FrameDecoder();
    const { frames, error } = dec.push(bytes);
    for (const f of frames) bedrockFrame(f.headers, f.payload, r);
    if (error !== undefined || partialTail(bytes)) r.malformed++;
    return r.done();
  }
  const dec = new SseDecoder();
  for (const e of [...dec.push(bytes), ...dec.flush()]) sseEvent(protocol, e.event, e.data, r);
  return r.done();
}

/** A non-streaming success body: its text, or undefined when it is not the protocol's response shape. */
export function readBody(protocol: ProtocolName, body: Json): string | undefined {
  const texts = (parts: unknown, key = "text") => arr(parts).map((p) => str(obj(p)[key]) ?? "").join("");
  switch (protocol) {
    case "openai": {
      const choices = body.choices;
      return Array.isArray(choices) ? str(obj(obj(choices[0]).message).content) ?? "" : undefined;
    }
    case "responses": {
      if (!Array.isArray(body.output)) return undefined;
      return body.output.filter((o) => obj(o).type === "message").map((o) => texts(obj(o).content)).join("");
    }
    case "anthropic": return Array.isArray(body.content) ? texts(body.content) : undefined;
    case "gemini": {
      if (!Array.isArray(body.candidates)) return undefined;
      return arr(obj(obj(body.candidates[0]).content).parts).filter((p) => obj(p).thought !== true).map((p) => str(obj(p).text) ?? "").join("");
    }
    case "bedrock": {
      const message = obj(obj(body.output).message);
      return Array.isArray(message.content) ? texts(message.content) : undefined;
    }
    case "cohere": {
      const message = body.message;
      return typeof message === "object" && message !== null ? texts(obj(message).content) : undefined;
    }
    default: return assertNever(protocol, "protocol");
  }
}

/** A native error body's type (or status word), for the report; undefined when the body says nothing usable. */
export function errorType(body: Json | undefined, headers: Headers): string | undefined {
  const e = obj(body?.error);
  return str(e.type) ?? str(e.status) ?? str(e.code) ?? headers.get("x-amzn-errortype") ?? str(body?.__type) ?? undefined;
}
