// The chaos clients' side of the wire: one request per caller protocol (OpenAI chat, Anthropic, Gemini), streamed
// or not, and a strict reader that sorts every answer into the §13.3 outcome classes. Raw fetch, not the SDKs: the
// test must see the exact framing (every SSE frame, the terminator, the error frame after a cut) and run 64
// clients in the same process as the gateway and the mock without the SDKs' retry and parsing overhead.
export type Caller = "openai" | "anthropic" | "gemini";
export const CALLERS: readonly Caller[] = ["openai", "anthropic", "gemini"];

/** What the client saw, as §13.3 counts it. */
export type Verdict =
  /** 200, well framed, ended by the protocol's own terminator, one `member=` marker echoing this prompt. */
  | { readonly kind: "ok"; readonly member: string }
  /** (b) a committed stream that ended with the caller's §8.3 / protocols §9.6 terminal error. */
  | { readonly kind: "terminal"; readonly member: string; readonly error: string }
  /** (c) the native overloaded answer with Retry-After: exhaustion or the deadline (reliability.md §8.6, §9). */
  | { readonly kind: "unavailable"; readonly status: number; readonly retryAfter: number; readonly deadline: boolean }
  /** (a) anything else: another status, broken framing, no terminator, no or several markers, a transport error. */
  | { readonly kind: "broken"; readonly why: string };

export interface ChaosRequest {
  readonly id: string;
  readonly caller: Caller;
  readonly stream: boolean;
}

/** The prompt carries the id, so mock log entries group per request and the echoed reply proves whose answer it is. */
export function promptOf(id: string): string {
  return `chaos:${id} say hi`;
}

export const PROMPT_ID = /chaos:([0-9]+-[0-9]+)/;

export function buildFetch(base: string, pool: string, r: ChaosRequest): { url: string; init: RequestInit } {
  const text = promptOf(r.id);
  const json = { "content-type": "application/json" };
  switch (r.caller) {
    case "openai":
      return {
        url: `${base}/v1/chat/completions`,
        init: { method: "POST", headers: json, body: JSON.stringify({ model: pool, stream: r.stream, max_tokens: 64, messages: [{ role: "user", content: text }] }) },
      };
    case "anthropic":
      return {
        url: `${base}/v1/messages`,
        init: {
          method: "POST",
          headers: { ...json, "anthropic-version": "2023-06-01" },
          body: JSON.stringify({ model: pool, stream: r.stream, max_tokens: 64, messages: [{ role: "user", content: text }] }),
        },
      };
    case "gemini":
      return {
        url: `${base}/v1beta/models/${pool}:${r.stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
        init: { method: "POST", headers: json, body: JSON.stringify({ contents: [{ role: "user", parts: [{ text }] }], generationConfig: { maxOutputTokens: 64 } }) },
      };
  }
}

type Json = Record<string, unknown>;
const isObj = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);
const get = (x: unknown, ...path: (string | number)[]): unknown => {
  let cur = x;
  for (const k of path) {
    if (typeof k === "number") cur = Array.isArray(cur) ? cur[k] : undefined;
    else cur = isObj(cur) ? cur[k] : undefined;
  }
  return cur;
};

const broken = (why: string): Verdict => ({ kind: "broken", why });

/**
 * Exactly one `member=` marker in the whole answer (text and raw bytes), opening the text. A complete reply also
 * echoes this request's prompt (the mock says "You said: …"); a cut one is a prefix of that and need not reach it.
 */
function checkText(r: ChaosRequest, text: string, raw: string, complete: boolean): { member: string } | { why: string } {
  const inRaw = raw.split("member=").length - 1;
  const found = [...text.matchAll(/member=([A-Za-z0-9_-]+)/g)];
  if (found.length !== 1 || inRaw !== 1) return { why: `${found.length} member= markers in the text, ${inRaw} in the raw answer` };
  if (!text.startsWith("member=")) return { why: `the text does not open with the marker: ${text.slice(0, 80)}` };
  if (complete && !text.includes(`You said: ${promptOf(r.id)}`)) return { why: `the reply does not echo this request's prompt: ${text.slice(0, 120)}` };
  return { member: found[0]![1]! };
}

/** A generic terminal message (§8.3): no host, port, library text or member name. */
function leaks(message: unknown): string | undefined {
  if (typeof message !== "string" || message === "") return "no message";
  if (/127\.0\.0\.1|localhost|member=|lane-[abc]|ECONN|socket/i.test(message)) return `message leaks detail: ${message}`;
  return undefined;
}

interface Frame {
  readonly event: string | undefined;
  readonly data: string;
}

/** SSE frames (LF or CRLF), comments skipped; the tail after the last blank line is returned apart. */
export function sseFrames(body: string): { frames: Frame[]; tail: string } {
  const norm = body.replace(/\r\n/g, "\n");
  const blocks = norm.split("\n\n");
  const tail = blocks.pop() ?? "";
  const frames: Frame[] = [];
  for (const b of blocks) {
    let event: string | undefined;
    const data: string[] = [];
    for (const line of b.split("\n")) {
      if (line === "" || line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) frames.push({ event, data: data.join("\n") });
  }
  return { frames, tail };
}

function parse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/** The native overloaded answer for this caller: OpenAI and Gemini 503, Anthropic 529 (spec README D15). */
function unavailable(r: ChaosRequest, status: number, headers: Headers, body: string): Verdict {
  const expected = r.caller === "anthropic" ? 529 : 503;
  if (status !== expected) return broken(`status ${status}: ${body.slice(0, 200)}`);
  const ra = headers.get("retry-after");
  if (ra === null || !/^[0-9]+$/.test(ra) || Number(ra) < 1) return broken(`${status} without a valid Retry-After (${ra})`);
  const json = parse(body);
  let message: unknown;
  switch (r.caller) {
    case "openai":
      if (get(json, "error", "type") !== "server_error") return broken(`OpenAI ${status} envelope: ${body.slice(0, 200)}`);
      message = get(json, "error", "message");
      break;
    case "anthropic":
      if (get(json, "type") !== "error" || get(json, "error", "type") !== "overloaded_error") return broken(`Anthropic ${status} envelope: ${body.slice(0, 200)}`);
      message = get(json, "error", "message");
      break;
    case "gemini":
      if (get(json, "error", "code") !== 503 || get(json, "error", "status") !== "UNAVAILABLE") return broken(`Gemini ${status} envelope: ${body.slice(0, 200)}`);
      message = get(json, "error", "message");
      break;
  }
  const leak = leaks(message);
  if (leak !== undefined) return broken(leak);
  return { kind: "unavailable", status, retryAfter: Number(ra), deadline: /timed out/i.test(String(message)) };
}

function fromText(r: ChaosRequest, text: string, raw: string, terminal: string | undefined): Verdict {
  const t = checkText(r, text, raw, terminal === undefined);
  if ("why" in t) return broken(t.why);
  return terminal === undefined ? { kind: "ok", member: t.member } : { kind: "terminal", member: t.member, error: terminal };
}

function readJson(r: ChaosRequest, body: string): Verdict {
  const json = parse(body);
  if (!isObj(json)) return broken(`200 body is not a JSON object: ${body.slice(0, 200)}`);
  switch (r.caller) {
    case "openai": {
      if (json.object !== "chat.completion" || get(json, "choices", 0, "finish_reason") !== "stop") return broken(`OpenAI body: ${body.slice(0, 200)}`);
      return fromText(r, String(get(json, "choices", 0, "message", "content") ?? ""), body, undefined);
    }
    case "anthropic": {
      if (json.type !== "message" || json.stop_reason !== "end_turn" || get(json, "content", 0, "type") !== "text") return broken(`Anthropic body: ${body.slice(0, 200)}`);
      return fromText(r, String(get(json, "content", 0, "text") ?? ""), body, undefined);
    }
    case "gemini": {
      if (get(json, "candidates", 0, "finishReason") !== "STOP") return broken(`Gemini body: ${body.slice(0, 200)}`);
      const parts = get(json, "candidates", 0, "content", "parts");
      const text = Array.isArray(parts) ? parts.map((p) => String(get(p, "text") ?? "")).join("") : "";
      return fromText(r, text, body, undefined);
    }
  }
}

function readOpenAiStream(r: ChaosRequest, frames: Frame[], raw: string): Verdict {
  let text = "";
  let finished = false;
  let error: string | undefined;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    if (f.data === "[DONE]") {
      if (i !== frames.length - 1) return broken("frames after [DONE]");
      if (!finished && error === undefined) return broken("[DONE] without a finish_reason or an error frame");
      return fromText(r, text, raw, error);
    }
    if (error !== undefined) return broken("a frame between the error frame and [DONE]");
    const j = parse(f.data);
    if (isObj(j) && isObj(j.error)) {
      const leak = leaks(j.error.message);
      if (leak !== undefined) return broken(leak);
      if (typeof j.error.type !== "string" || !("code" in j.error) || !("param" in j.error)) return broken(`OpenAI error frame: ${f.data}`);
      if (finished) return broken("an error frame after finish_reason");
      error = `${j.error.type}: ${String(j.error.message)}`;
      continue;
    }
    if (!isObj(j) || j.object !== "chat.completion.chunk") return broken(`OpenAI chunk: ${f.data.slice(0, 200)}`);
    const c = get(j, "choices", 0, "delta", "content");
    if (typeof c === "string") text += c;
    if (get(j, "choices", 0, "finish_reason") === "stop") finished = true;
  }
  return broken("no [DONE] terminator");
}

function readAnthropicStream(r: ChaosRequest, frames: Frame[], raw: string): Verdict {
  let text = "";
  let started = false;
  for (let i = 0; i < frames.length; i++) {
    const f = frames[i]!;
    const j = parse(f.data);
    if (!isObj(j) || typeof j.type !== "string" || j.type !== f.event) return broken(`Anthropic frame ${f.event}: ${f.data.slice(0, 200)}`);
    if (i === 0 && j.type !== "message_start") return broken(`Anthropic stream opens with ${j.type}`);
    switch (j.type) {
      case "message_start": started = true; break;
      case "content_block_delta": {
        const t = get(j, "delta", "text");
        if (typeof t === "string") text += t;
        break;
      }
      case "error": {
        if (i !== frames.length - 1) return broken("frames after the error event");
        const leak = leaks(get(j, "error", "message"));
        if (leak !== undefined) return broken(leak);
        const type = get(j, "error", "type");
        if (typeof type !== "string" || !type.endsWith("_error")) return broken(`Anthropic error event: ${f.data}`);
        return fromText(r, text, raw, `${type}: ${String(get(j, "error", "message"))}`);
      }
      case "message_stop":
        if (i !== frames.length - 1) return broken("frames after message_stop");
        return started ? fromText(r, text, raw, undefined) : broken("message_stop without message_start");
      default: break;
    }
  }
  return broken("no message_stop and no error event");
}

function readGeminiStream(r: ChaosRequest, frames: Frame[], raw: string): Verdict {
  let text = "";
  for (let i = 0; i < frames.length; i++) {
    const j = parse(frames[i]!.data);
    const last = i === frames.length - 1;
    if (isObj(j) && isObj(j.error)) {
      if (!last) return broken("frames after the error frame");
      const leak = leaks(j.error.message);
      if (leak !== undefined) return broken(leak);
      if (typeof j.error.code !== "number" || typeof j.error.status !== "string") return broken(`Gemini error frame: ${frames[i]!.data}`);
      return fromText(r, text, raw, `${j.error.status}: ${String(j.error.message)}`);
    }
    const parts = get(j, "candidates", 0, "content", "parts");
    if (!Array.isArray(parts)) return broken(`Gemini chunk: ${frames[i]!.data.slice(0, 200)}`);
    for (const p of parts) if (typeof get(p, "text") === "string") text += String(get(p, "text"));
    const finish = get(j, "candidates", 0, "finishReason");
    if (finish !== undefined) {
      if (!last) return broken("frames after finishReason");
      if (finish !== "STOP") return broken(`finishReason ${String(finish)}`);
      return fromText(r, text, raw, undefined);
    }
  }
  return broken("no finishReason and no error frame (EOF)");
}

/** Reads the whole answer and sorts it. A transport error on the client side is (a). */
export async function readVerdict(r: ChaosRequest, res: Response): Promise<Verdict> {
  let body: string;
  try {
    body = await res.text();
  } catch (e) {
    return broken(`body read failed after status ${res.status}: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (res.status !== 200) return unavailable(r, res.status, res.headers, body);
  if (!r.stream) return readJson(r, body);
  const type = res.headers.get("content-type") ?? "";
  if (!type.startsWith("text/event-stream")) return broken(`stream content-type ${type}`);
  const { frames, tail } = sseFrames(body);
  if (tail.trim() !== "") return broken(`bytes after the last frame: ${tail.slice(0, 100)}`);
  switch (r.caller) {
    case "openai": return readOpenAiStream(r, frames, body);
    case "anthropic": return readAnthropicStream(r, frames, body);
    case "gemini": return readGeminiStream(r, frames, body);
  }
}
