// Fault injection through x-mock-* headers and @key=value model directives, over real sockets.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ faults: true, streamChunks: 4 });
const plain = startMockUpstream({ faults: false });
afterAll(() => Promise.all([mock.stop(), plain.stop()]));
beforeEach(() => mock.reset());

function post(base: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${base}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
}

/** Reads a body to its end; `cut` is true when the connection died before a clean end. */
async function drain(res: Response): Promise<{ text: string; cut: boolean }> {
  const reader = res.body?.getReader();
  const decoder = new TextDecoder();
  let text = "";
  if (reader === undefined) return { text, cut: false };
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return { text, cut: false };
      text += decoder.decode(value, { stream: true });
    }
  } catch {
    return { text, cut: true };
  }
}

const CHAT = { model: "m", messages: [{ role: "user", content: "hi" }] };

describe("x-mock-status", () => {
  test("renders each protocol's native envelope, with Retry-After only on 429/503", async () => {
    const h = (status: number, retry?: number) => ({ "x-mock-status": String(status), ...(retry === undefined ? {} : { "x-mock-retry-after": String(retry) }) });
    const results = await Promise.all([
      post(mock.url, "/v1/chat/completions", CHAT, h(429, 7)),
      post(mock.url, "/v1/responses", { model: "m", input: "x" }, h(401)),
      post(mock.url, "/v1/messages", CHAT, h(529, 2)),
      post(mock.url, "/v1beta/models/g:generateContent", {}, h(503, 4)),
      post(mock.url, "/model/b/converse", {}, h(500, 9)),
      post(mock.url, "/v2/chat", CHAT, h(504)),
      post(mock.url, "/v1/embeddings", { model: "e", input: "x" }, h(400)),
    ]);
    const seen = await Promise.all(results.map(async (r) => [r.status, r.headers.get("retry-after"), await r.json()]));
    expect(seen).toEqual([
      [429, "7", { error: { message: "Rate limit exceeded.", type: "rate_limit_error", param: null, code: null } }],
      [401, null, { error: { message: "Invalid authentication credentials.", type: "authentication_error", param: null, code: "invalid_api_key" } }],
      [529, null, { type: "error", error: { type: "overloaded_error", message: "The server is overloaded." }, request_id: expect.stringMatching(/^req_01/) }],
      [503, "4", { error: { code: 503, message: "The server is overloaded.", status: "UNAVAILABLE" } }],
      [500, null, { message: "The server had an error while processing your request.", __type: "InternalServerException" }],
      [504, null, { message: "The request timed out." }],
      [400, null, { error: { message: "Invalid request.", type: "invalid_request_error", param: null, code: null } }],
    ]);
    expect(results[4]?.headers.get("x-amzn-errortype")).toBe("InternalServerException");
    // The Anthropic body's request_id is the request-id header.
    expect(seen[2]?.[2]).toMatchObject({ request_id: results[2]?.headers.get("request-id") });
  });

  test("a stream request with a status fault gets the JSON error, not a stream", async () => {
    const res = await post(mock.url, "/v1/messages", { ...CHAT, stream: true }, { "x-mock-status": "429" });
    expect([res.status, res.headers.get("content-type")]).toEqual([429, "application/json;charset=utf-8"]);
  });

  test("fault headers are ignored unless faults are enabled", async () => {
    const res = await post(plain.url, "/v1/chat/completions", { ...CHAT, model: "m@status=500" }, { "x-mock-status": "500" });
    expect(res.status).toBe(200);
  });
});

describe("model-name directives", () => {
  test("status and retry-after come from the model; headers win over the model", async () => {
    const a = await post(mock.url, "/v1/chat/completions", { ...CHAT, model: "mock-gpt@status=503@retry-after=3" });
    const b = await post(mock.url, "/v1/chat/completions", { ...CHAT, model: "mock-gpt@status=503" }, { "x-mock-status": "404" });
    const c = await post(mock.url, "/v1beta/models/mock-gem@status=429@retry-after=1:generateContent", {});
    expect([[a.status, a.headers.get("retry-after")], b.status, [c.status, c.headers.get("retry-after")]]).toEqual([[503, "3"], 404, [429, "1"]]);
    // The model is echoed and recorded exactly as requested.
    expect(mock.requests.map((r) => r.model)).toEqual(["mock-gpt@status=503@retry-after=3", "mock-gpt@status=503", "mock-gem@status=429@retry-after=1"]);
  });

  test("fail-rate fails about that share of requests, deterministically, alternating 429 and 500", async () => {
    const run = async () => {
      const out: number[] = [];
      for (let i = 0; i < 100; i++) out.push((await post(mock.url, "/v1/chat/completions", { ...CHAT, model: "flaky@fail-rate=0.3" })).status);
      return out;
    };
    const first = await run();
    mock.reset();
    const second = await run();
    const failures = first.filter((s) => s !== 200);
    expect(second).toEqual(first);
    expect(failures.length).toBeGreaterThanOrEqual(20);
    expect(failures.length).toBeLessThanOrEqual(40);
    expect(failures.every((s, i) => s === (i % 2 === 0 ? 429 : 500))).toBe(true);
  });
});

describe("reply-shape headers", () => {
  test("x-mock-tool / x-mock-think mirror @tool / @think only with faults on; the model directives work either way", async () => {
    const headers = { "x-mock-tool": "lookup", "x-mock-think": "1" };
    const reply = async (base: string, model: string): Promise<unknown> => (await post(base, "/v1/messages", { ...CHAT, model }, headers)).json();
    expect([await reply(mock.url, "m"), await reply(plain.url, "m"), await reply(plain.url, "m@tool=a,b")]).toMatchObject([
      { stop_reason: "tool_use", content: [{ type: "thinking" }, { type: "tool_use", name: "lookup" }] },
      { stop_reason: "end_turn", content: [{ type: "text" }] },
      { stop_reason: "tool_use", content: [{ name: "a" }, { name: "b" }] },
    ]);
  });
});

describe("timing", () => {
  test("configured delay holds the response headers; x-mock-delay-ms and @delay-ms override it", async () => {
    const slow = startMockUpstream({ delayMs: 150, faults: true });
    try {
      const time = async (f: () => Promise<Response>) => {
        const t0 = performance.now();
        await f();
        return performance.now() - t0;
      };
      const configured = await time(() => post(slow.url, "/v1/chat/completions", CHAT));
      const byHeader = await time(() => post(slow.url, "/v1/chat/completions", CHAT, { "x-mock-delay-ms": "0" }));
      const byModel = await time(() => post(slow.url, "/v1/chat/completions", { ...CHAT, model: "m@delay-ms=300" }));
      expect({ configured: configured >= 145, byHeader: byHeader < 145, byModel: byModel >= 295 }).toEqual({ configured: true, byHeader: true, byModel: true });
    } finally {
      await slow.stop();
    }
  });
});

test("streamIntervalMs spaces the stream's events", async () => {
  const paced = startMockUpstream({ streamChunks: 3, streamIntervalMs: 40 });
  try {
    const t0 = performance.now();
    const res = await post(paced.url, "/v1/chat/completions", { ...CHAT, stream: true });
    const { text } = await drain(res);
    const elapsed = performance.now() - t0;
    // role chunk + 3 content chunks + finish chunk + [DONE] = 6 events, 5 gaps.
    expect({ events: text.split("\n\n").filter((f) => f !== "").length, paced: elapsed >= 5 * 40 - 5 }).toEqual({ events: 6, paced: true });
  } finally {
    await paced.stop();
  }
});

describe("abort after N events", () => {
  test("an SSE stream sends N events, then the connection dies without a terminator", async () => {
    const res = await post(mock.url, "/v1/chat/completions", { ...CHAT, stream: true }, { "x-mock-abort-after-events": "2" });
    const { text, cut } = await drain(res);
    expect({ status: res.status, cut, events: text.split("\n\n").filter((f) => f !== "").length, done: text.includes("[DONE]") })
      .toEqual({ status: 200, cut: true, events: 2, done: false });
  });

  test("from the model name, on a Gemini JSON-array stream: no closing bracket", async () => {
    const res = await post(mock.url, "/v1beta/models/g@abort-after=1:streamGenerateContent", { contents: [{ parts: [{ text: "x" }] }] });
    const { text, cut } = await drain(res);
    expect({ cut, startsArray: text.startsWith("[{"), closed: text.trimEnd().endsWith("]") }).toEqual({ cut: true, startsArray: true, closed: false });
  });

  test("a count at or past the end still withholds the terminator", async () => {
    const res = await post(mock.url, "/v1/messages", { ...CHAT, stream: true }, { "x-mock-abort-after-events": "999" });
    const { text, cut } = await drain(res);
    expect({ cut, delta: text.includes("message_delta"), stop: text.includes("message_stop") }).toEqual({ cut: true, delta: true, stop: false });
  });
});
