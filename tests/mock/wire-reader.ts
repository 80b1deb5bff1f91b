// Test helper: reads what the mock sent, per protocol, into a small summary (text deltas, stop reason,
// terminal event, in-band error, unparsable frames), so one table can check a behaviour on every protocol.
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import type { ProtocolName } from "../../src/ir/protocol.ts";

export type Ev =
  | { readonly e: "text"; readonly text: string }
  | { readonly e: "stop"; readonly reason: string }
  /** The protocol's terminal event ([DONE], message_stop, response.completed, message-end, finishReason, messageStop). */
  | { readonly e: "end" }
  | { readonly e: "error"; readonly type: string }
  | { readonly e: "malformed" };

export interface Drained {
  readonly bytes: Uint8Array;
  /** The body chunks as they arrived. */
  readonly chunks: readonly Uint8Array[];
  /** True when the connection died before a clean end. */
  readonly cut: boolean;
}

export async function drain(res: Response): Promise<Drained> {
  const chunks: Uint8Array[] = [];
  let cut = false;
  const reader = res.body?.getReader();
  if (reader !== undefined) {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    } catch {
      cut = true;
    }
  }
  return { bytes: Buffer.concat(chunks), chunks, cut };
}

type Json = Record<string, unknown>;
const obj = (x: unknown): Json => (typeof x === "object" && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x)) : {});
const arr = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const s = (x: unknown): string | undefined => (typeof x === "string" ? x : undefined);

function parse(data: string): Json | undefined {
  try {
    return obj(JSON.parse(data));
  } catch {
    return undefined;
  }
}

/** `event:` + `data:` blocks; comments (keep-alives) and empty blocks dropped. */
function sseBlocks(text: string): { event: string | undefined; data: string }[] {
  const out: { event: string | undefined; data: string }[] = [];
  for (const block of text.split(/\r?\n\r?\n/)) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of block.split(/\r?\n/)) {
      if (line.startsWith("event:")) event = line.slice(6).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).trimStart());
    }
    if (data.length > 0) out.push({ event, data: data.join("\n") });
  }
  return out;
}

function openaiEvents(text: string): Ev[] {
  const out: Ev[] = [];
  for (const { data } of sseBlocks(text)) {
    if (data === "[DONE]") { out.push({ e: "end" }); continue; }
    const j = parse(data);
    if (j === undefined) { out.push({ e: "malformed" }); continue; }
    if (j.error !== undefined) { out.push({ e: "error", type: s(obj(j.error).type) ?? "" }); continue; }
    const choice = obj(arr(j.choices)[0]);
    const content = s(obj(choice.delta).content);
    if (content) out.push({ e: "text", text: content });
    const finish = s(choice.finish_reason);
    if (finish !== undefined) out.push({ e: "stop", reason: finish });
  }
  return out;
}

function responsesEvents(text: string): Ev[] {
  const out: Ev[] = [];
  for (const { event, data } of sseBlocks(text)) {
    const j = parse(data);
    if (j === undefined) { out.push({ e: "malformed" }); continue; }
    if (event === "response.output_text.delta") out.push({ e: "text", text: s(j.delta) ?? "" });
    else if (event === "error") out.push({ e: "error", type: s(j.code) ?? "" });
    else if (event === "response.completed" || event === "response.incomplete") {
      const r = obj(j.response);
      out.push({ e: "stop", reason: s(obj(r.incomplete_details).reason) ?? s(r.status) ?? "" }, { e: "end" });
    }
  }
  return out;
}

function anthropicEvents(text: string): Ev[] {
  const out: Ev[] = [];
  for (const { event, data } of sseBlocks(text)) {
    const j = parse(data);
    if (j === undefined) { out.push({ e: "malformed" }); continue; }
    if (event === "content_block_delta") out.push({ e: "text", text: s(obj(j.delta).text) ?? "" });
    else if (event === "message_delta") out.push({ e: "stop", reason: s(obj(j.delta).stop_reason) ?? "" });
    else if (event === "message_stop") out.push({ e: "end" });
    else if (event === "error") out.push({ e: "error", type: s(obj(j.error).type) ?? "" });
  }
  return out;
}

function cohereEvents(text: string): Ev[] {
  const out: Ev[] = [];
  for (const { event, data } of sseBlocks(text)) {
    const j = parse(data);
    if (j === undefined) { out.push({ e: "malformed" }); continue; }
    if (event === "content-delta") out.push({ e: "text", text: s(obj(obj(obj(j.delta).message).content).text) ?? "" });
    else if (event === "message-end") {
      const d = obj(j.delta);
      const reason = s(d.finish_reason) ?? "";
      // A failed generation ends with message-end too, but that is an error, not the terminal of a reply.
      if (reason === "ERROR" || reason === "TIMEOUT") out.push({ e: "error", type: reason });
      else out.push({ e: "stop", reason }, { e: "end" });
    }
  }
  return out;
}

function geminiChunk(j: Json, out: Ev[]): void {
  if (j.error !== undefined) { out.push({ e: "error", type: s(obj(j.error).status) ?? "" }); return; }
  const cand = obj(arr(j.candidates)[0]);
  const text = s(obj(arr(obj(cand.content).parts)[0]).text);
  if (text !== undefined) out.push({ e: "text", text });
  const finish = s(cand.finishReason);
  if (finish !== undefined) out.push({ e: "stop", reason: finish }, { e: "end" });
}

function geminiEvents(text: string): Ev[] {
  const out: Ev[] = [];
  if (text.trimStart().startsWith("[")) {
    // JSON-array mode: the whole body is one array (or is broken).
    let all: unknown;
    try { all = JSON.parse(text); } catch { return [{ e: "malformed" }]; }
    for (const c of arr(all)) geminiChunk(obj(c), out);
    return out;
  }
  for (const { data } of sseBlocks(text)) {
    const j = parse(data);
    if (j === undefined) out.push({ e: "malformed" });
    else geminiChunk(j, out);
  }
  return out;
}

function bedrockEvents(bytes: Uint8Array): Ev[] {
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const out: Ev[] = [];
  for (let at = 0; at + 4 <= bytes.length;) {
    const total = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, false);
    if (at + total > bytes.length) { out.push({ e: "malformed" }); break; }
    let m;
    try {
      m = codec.decode(bytes.subarray(at, at + total));
    } catch {
      out.push({ e: "malformed" });
      at += total;
      continue;
    }
    at += total;
    const body = obj(JSON.parse(toUtf8(m.body)));
    const kind = m.headers[":message-type"]?.value;
    if (kind === "exception") { out.push({ e: "error", type: String(m.headers[":exception-type"]?.value) }); continue; }
    const type = m.headers[":event-type"]?.value;
    if (type === "contentBlockDelta") {
      const text = s(obj(body.delta).text);
      if (text !== undefined) out.push({ e: "text", text });
    } else if (type === "messageStop") out.push({ e: "stop", reason: s(body.stopReason) ?? "" });
    else if (type === "metadata") out.push({ e: "end" });
  }
  return out;
}

export function streamEvents(protocol: ProtocolName, bytes: Uint8Array): Ev[] {
  const text = new TextDecoder().decode(bytes);
  switch (protocol) {
    case "openai": return openaiEvents(text);
    case "responses": return responsesEvents(text);
    case "anthropic": return anthropicEvents(text);
    case "cohere": return cohereEvents(text);
    case "gemini": return geminiEvents(text);
    case "bedrock": return bedrockEvents(bytes);
  }
}

/** A non-streaming success body: its text and stop reason, per protocol. */
export function completion(protocol: ProtocolName, body: unknown): { text: string; stop: string } {
  const j = obj(body);
  switch (protocol) {
    case "openai": {
      const c = obj(arr(j.choices)[0]);
      return { text: s(obj(c.message).content) ?? "", stop: s(c.finish_reason) ?? "" };
    }
    case "responses": {
      const msg = obj(arr(j.output).find((o) => obj(o).type === "message"));
      return { text: s(obj(arr(msg.content)[0]).text) ?? "", stop: s(obj(j.incomplete_details).reason) ?? s(j.status) ?? "" };
    }
    case "anthropic":
      return { text: s(obj(arr(j.content)[0]).text) ?? "", stop: s(j.stop_reason) ?? "" };
    case "gemini": {
      const c = obj(arr(j.candidates)[0]);
      return { text: s(obj(arr(obj(c.content).parts)[0]).text) ?? "", stop: s(c.finishReason) ?? "" };
    }
    case "bedrock":
      return { text: s(obj(arr(obj(obj(j.output).message).content)[0]).text) ?? "", stop: s(j.stopReason) ?? "" };
    case "cohere":
      return { text: s(obj(arr(obj(j.message).content)[0]).text) ?? "", stop: s(j.finish_reason) ?? "" };
  }
}

/** Where each protocol's request goes, streaming or not (Gemini streams as SSE). */
export function request(protocol: ProtocolName, model: string, stream: boolean, prompt = "hi"): { path: string; body: unknown } {
  const messages = [{ role: "user", content: prompt }];
  switch (protocol) {
    case "openai": return { path: "/v1/chat/completions", body: { model, stream, messages } };
    case "responses": return { path: "/v1/responses", body: { model, stream, input: prompt } };
    case "anthropic": return { path: "/v1/messages", body: { model, stream, max_tokens: 64, messages } };
    case "cohere": return { path: "/v2/chat", body: { model, stream, messages } };
    case "gemini":
      return {
        path: `/v1beta/models/${encodeURIComponent(model)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
        body: { contents: [{ role: "user", parts: [{ text: prompt }] }] },
      };
    case "bedrock":
      return { path: `/model/${encodeURIComponent(model)}/${stream ? "converse-stream" : "converse"}`, body: { messages: [{ role: "user", content: [{ text: prompt }] }] } };
  }
}
