// The status presets on every protocol: status, Retry-After, and the code/type where stage 1a reads them
// (reliability.md §5), including a context-length refusal each vendor words its own way.
import { afterAll, describe, expect, test } from "bun:test";
import { PROTOCOL_NAMES, type ProtocolName } from "../../src/ir/protocol.ts";
import { mockControl, startMockUpstream, type Behaviour } from "../../src/mock/index.ts";
import { request } from "./wire-reader.ts";

const mock = startMockUpstream({ faults: true });
const ctl = mockControl(mock.url);
afterAll(() => mock.stop());

type Json = Record<string, unknown>;
const obj = (x: unknown): Json => (typeof x === "object" && x !== null && !Array.isArray(x) ? Object.fromEntries(Object.entries(x)) : {});

/** Stage 1a's reading of an error body (reliability.md §5 table): code, type and message. */
function extract(p: ProtocolName, body: unknown, headers: Headers): { code?: string; type?: string; message: string } {
  const j = obj(body);
  const e = obj(j.error);
  const out = (code: unknown, type: unknown, message: unknown) => ({
    ...(typeof code === "string" ? { code } : {}),
    ...(typeof type === "string" ? { type } : {}),
    message: typeof message === "string" ? message : "",
  });
  switch (p) {
    case "openai": case "responses": return out(e.code, e.type, e.message);
    case "anthropic": return out(undefined, e.type, e.message);
    case "gemini": {
      const reason = obj(Array.isArray(e.details) ? e.details[0] : undefined).reason;
      return out(typeof e.code === "number" ? String(e.code) : e.status, e.status, `${String(e.message)}${typeof reason === "string" ? ` [${reason}]` : ""}`);
    }
    case "bedrock": {
      const t = typeof j.__type === "string" ? j.__type : headers.get("x-amzn-errortype") ?? undefined;
      return out(undefined, t?.split(/[#/]/).at(-1), j.message);
    }
    case "cohere": return out(undefined, j.error_type, j.message);
  }
}

/** reliability.md §5's context-length signal, per protocol, on 400/413 only. */
function contextSignal(p: ProtocolName, status: number, code: string | undefined, message: string): boolean {
  if (status !== 400 && status !== 413) return false;
  const m = message.toLowerCase();
  const tokenOrContext = m.includes("token") || m.includes("context");
  const geminiPhrases = m.includes("input is longer than the maximum number of tokens") || /token count.*exceeds.*maximum/.test(m) || (m.includes("exceeds the maximum") && tokenOrContext);
  switch (p) {
    case "openai": case "responses": return code === "context_length_exceeded" || m.includes("maximum context length");
    case "anthropic": return m.includes("prompt is too long") || (m.includes("exceeds the maximum") && tokenOrContext);
    case "gemini": return geminiPhrases;
    case "bedrock": return status === 400 && geminiPhrases;
    case "cohere": return m.includes("too many tokens") || (m.includes("too long") && (tokenOrContext || m.includes("input"))) || m.includes("token limit") || (m.includes("exceeds") && m.includes("context"));
  }
}

let n = 0;
async function answer(p: ProtocolName, b: Behaviour) {
  const m = `${p}-preset${++n}`;
  await ctl.queue(m, b);
  const r = request(p, m, false);
  const res = await fetch(`${mock.url}${r.path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(r.body) });
  const body: unknown = await res.json();
  return { status: res.status, retryAfter: res.headers.get("retry-after"), ...extract(p, body, res.headers) };
}

describe.each(PROTOCOL_NAMES)("%s", (p) => {
  test("each preset answers its status in the native envelope; Retry-After as asked", async () => {
    const seen = await Promise.all([
      answer(p, { kind: "rate_limited", retry_after: 7 }),
      answer(p, { kind: "rate_limited" }),
      answer(p, { kind: "server_error" }),
      answer(p, { kind: "unavailable", retry_after: "soon" }),
      answer(p, { kind: "overloaded" }),
      answer(p, { kind: "unauthorized" }),
      answer(p, { kind: "forbidden" }),
      answer(p, { kind: "invalid_request", message: "bad field" }),
    ]);
    expect(seen.map((s) => [s.status, s.retryAfter])).toEqual([[429, "7"], [429, null], [500, null], [503, "soon"], [529, null], [401, null], [403, null], [400, null]]);
    expect(seen[7]?.message).toBe("bad field");
  });

  test("Retry-After as an HTTP-date that far ahead", async () => {
    const before = Date.now();
    const s = await answer(p, { kind: "rate_limited", retry_after_date_secs: 90 });
    const ahead = (Date.parse(s.retryAfter ?? "") - before) / 1000;
    expect({ status: s.status, ahead: ahead >= 88 && ahead <= 91 }).toEqual({ status: 429, ahead: true });
  });

  test("context_length: a 400 that stage 1a recognises as a context-length error", async () => {
    const s = await answer(p, { kind: "context_length" });
    expect({ status: s.status, signal: contextSignal(p, s.status, s.code, s.message) }).toEqual({ status: 400, signal: true });
    // The other 400s carry no such signal.
    const plain = await answer(p, { kind: "invalid_request" });
    expect(contextSignal(p, plain.status, plain.code, plain.message)).toBe(false);
  });

  test("billing carries its code where the protocol has room; a generic error carries status, code and type", async () => {
    const billing = await answer(p, { kind: "billing" });
    const generic = await answer(p, { kind: "error", status: 402, code: "insufficient_quota", type: "billing_error", message: "pay up" });
    const where: Record<ProtocolName, [string | undefined, string | undefined]> = {
      openai: ["1113", "invalid_request_error"],
      responses: ["1113", "invalid_request_error"],
      anthropic: [undefined, "1113"],
      gemini: ["1113", "INVALID_ARGUMENT"],
      bedrock: [undefined, "1113"],
      cohere: [undefined, "1113"],
    };
    expect([billing.status, billing.code, billing.type]).toEqual([400, ...where[p]]);
    expect({ status: generic.status, message: generic.message.replace(/ \[.*\]$/, "") }).toEqual({ status: 402, message: "pay up" });
    expect(generic.type).toBe("billing_error");
  });
});

test("Gemini: a non-numeric code is an ErrorInfo reason, as Google sends API_KEY_INVALID", async () => {
  const s = await answer("gemini", { kind: "error", status: 400, code: "API_KEY_INVALID", message: "API key not valid. Please pass a valid API key." });
  expect(s).toEqual({ status: 400, retryAfter: null, code: "400", type: "INVALID_ARGUMENT", message: "API key not valid. Please pass a valid API key. [API_KEY_INVALID]" });
});

test("delay_ms holds an error: the mock reports the request waiting until it answers", async () => {
  await ctl.queue("held", { kind: "server_error", delay_ms: 50 });
  const r = request("openai", "held", false);
  const pending = fetch(`${mock.url}${r.path}`, { method: "POST", body: JSON.stringify(r.body) });
  await mock.waiting();
  expect((await pending).status).toBe(500);
  await mock.idle();
});
