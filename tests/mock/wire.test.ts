// Raw wire checks the SDKs do not show: framing, routing edge cases, the request log and stats.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 3 });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${mock.url}${path}`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: typeof body === "string" ? body : JSON.stringify(body) });
}

const GEMINI_BODY = { contents: [{ role: "user", parts: [{ text: "hi" }] }] };

describe("gemini streams", () => {
  test("without alt=sse the stream is one JSON array whose last element finishes", async () => {
    const res = await post("/v1beta/models/gemini-mock:streamGenerateContent", GEMINI_BODY);
    const text = await res.text();
    const chunks: unknown = JSON.parse(text);
    expect(res.headers.get("content-type")).toStartWith("application/json");
    expect(Array.isArray(chunks) ? chunks.map((c) => [c.candidates[0].content.parts[0].text, c.candidates[0].finishReason ?? null, c.modelVersion]) : chunks)
      .toEqual([
        ["Hello from the ", null, "gemini-mock"],
        ["busbar demo upstream ", null, "gemini-mock"],
        ["(gemini). You said: hi", "STOP", "gemini-mock"],
      ]);
  });

  test("with alt=sse each frame is `data:` + JSON ending in CRLF CRLF", async () => {
    const text = await (await post("/v1beta/models/gemini-mock:streamGenerateContent?alt=sse", GEMINI_BODY)).text();
    const frames = text.split("\r\n\r\n");
    expect(frames.at(-1)).toBe("");
    expect(frames.slice(0, -1).every((f) => f.startsWith("data: {"))).toBe(true);
    expect(frames.length - 1).toBe(3);
  });
});

test("anthropic SSE carries event: lines that match each payload's type, plus a ping", async () => {
  const text = await (await post("/v1/messages", { model: "c", stream: true, messages: [{ role: "user", content: "hi" }] })).text();
  const frames = text.trimEnd().split("\n\n").map((f) => {
    const [ev, data] = f.split("\n");
    const payload: unknown = JSON.parse((data ?? "").slice("data: ".length));
    return { event: (ev ?? "").slice("event: ".length), type: typeof payload === "object" && payload !== null && "type" in payload ? payload.type : undefined };
  });
  expect(frames.every((f) => f.event === f.type)).toBe(true);
  expect(frames.map((f) => f.event)).toEqual([
    "message_start", "content_block_start", "ping", "content_block_delta", "content_block_delta", "content_block_delta",
    "content_block_stop", "message_delta", "message_stop",
  ]);
});

test("bedrock frames carry the event-stream headers; an ARN's %2F is decoded exactly once", async () => {
  const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.amazon.nova-lite-v1:0";
  const res = await post(`/model/${encodeURIComponent(arn)}/converse-stream`, { messages: [{ role: "user", content: [{ text: "hi" }] }] });
  expect(res.headers.get("content-type")).toBe("application/vnd.amazon.eventstream");
  expect(res.headers.get("x-amzn-requestid")).toMatch(/^[0-9a-f-]{36}$/);
  const codec = new EventStreamCodec(toUtf8, fromUtf8);
  const bytes = new Uint8Array(await res.arrayBuffer());
  const frames = [];
  // Each frame starts with its total length (big-endian u32); the codec decodes one frame at a time
  // and verifies both CRCs.
  for (let at = 0; at < bytes.length;) {
    const total = new DataView(bytes.buffer, bytes.byteOffset + at, 4).getUint32(0, false);
    const m = codec.decode(bytes.subarray(at, at + total));
    frames.push([m.headers[":event-type"]?.value, m.headers[":message-type"]?.value, m.headers[":content-type"]?.value]);
    at += total;
  }
  expect(frames.map((f) => f[0])).toEqual(["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"]);
  expect(frames.every((f) => f[1] === "event" && f[2] === "application/json")).toBe(true);
  expect(mock.requests[0]?.model).toBe(arn);

  await post(`/model/${encodeURIComponent("a%3Ab")}/converse`, { messages: [] });
  expect(mock.requests[1]?.model).toBe("a%3Ab");
});

describe("unmatched requests", () => {
  test("unknown paths and methods answer in the dialect the path resembles", async () => {
    const cases = await Promise.all([
      fetch(`${mock.url}/v1/nothing`, { method: "POST" }),
      fetch(`${mock.url}/v1beta/models/g:embedContent`, { method: "POST" }),
      fetch(`${mock.url}/v1/models/ft:gpt-4o:org::abc`, { method: "POST" }),
      fetch(`${mock.url}/model/x/invoke`, { method: "POST" }),
      fetch(`${mock.url}/v1/messages`, { method: "GET" }),
      fetch(`${mock.url}/constructor`, { method: "POST" }),
    ]);
    const bodies = await Promise.all(cases.map(async (r) => [r.status, await r.json()]));
    expect(bodies).toEqual([
      [404, { error: { message: "Unknown path POST /v1/nothing.", type: "not_found_error", param: null, code: null } }],
      [404, { error: { code: 404, message: "Unknown path POST /v1beta/models/g:embedContent.", status: "NOT_FOUND" } }],
      [404, { error: { message: "Unknown path POST /v1/models/ft:gpt-4o:org::abc.", type: "not_found_error", param: null, code: null } }],
      [404, { message: "Unknown path POST /model/x/invoke.", __type: "ResourceNotFoundException" }],
      [405, { type: "error", error: { type: "invalid_request_error", message: "Method GET is not allowed on /v1/messages." }, request_id: expect.stringMatching(/^req_01/) }],
      [404, { error: { message: "Unknown path POST /constructor.", type: "not_found_error", param: null, code: null } }],
    ]);
    expect(mock.requests.length).toBe(0);
  });

  test("a malformed JSON body is a native 400 but still recorded", async () => {
    const res = await post("/v1/chat/completions", "{not json");
    expect([res.status, await res.json()]).toEqual([400, { error: { message: "We could not parse the JSON body of your request.", type: "invalid_request_error", param: null, code: null } }]);
    expect(mock.requests.map((r) => [r.protocol, r.body])).toEqual([["openai", undefined]]);
  });
});

describe("request log and stats", () => {
  test("records every routed request with decoded model, query, headers and stream flag", async () => {
    await post("/v1/chat/completions", { model: "m1", stream: true, messages: [] }, { authorization: "Bearer k1" }).then((r) => r.text());
    await post("/v1/models/gem%2Dx:generateContent?key=abc", GEMINI_BODY);
    expect(mock.requests.map((r) => ({ p: r.protocol, m: r.model, s: r.stream, q: r.query, a: r.headers["authorization"] ?? null })))
      .toEqual([
        { p: "openai", m: "m1", s: true, q: "", a: "Bearer k1" },
        { p: "gemini", m: "gem-x", s: false, q: "key=abc", a: null },
      ]);
  });

  test("GET /__mock/stats counts by protocol and shows the last request; reset clears it", async () => {
    await post("/v2/chat", { model: "c1", messages: [] });
    await post("/v1/responses", { model: "r1", input: "x" });
    await post("/v1/responses", { model: "r2", input: "y" });
    const stats = await (await fetch(`${mock.url}/__mock/stats`)).json();
    expect(stats).toMatchObject({
      total: 3,
      byProtocol: { openai: 0, responses: 2, anthropic: 0, gemini: 0, bedrock: 0, cohere: 1, embeddings: 0 },
      last: { protocol: "responses", model: "r2", path: "/v1/responses", method: "POST" },
    });
    mock.reset();
    expect(await (await fetch(`${mock.url}/__mock/stats`)).json()).toEqual({
      total: 0, byProtocol: { openai: 0, responses: 0, anthropic: 0, gemini: 0, bedrock: 0, cohere: 0, embeddings: 0 }, last: null,
    });
  });

  test("the log keeps only the last 1000 requests while the total keeps counting", async () => {
    // Five first, in order, so they are the oldest; then 1000 more, 200 at a time.
    for (let i = 0; i < 5; i++) await post("/v1/embeddings", { model: `old${i}`, input: "x" });
    for (let i = 0; i < 1000; i += 200) {
      await Promise.all(Array.from({ length: 200 }, (_, j) => post("/v1/embeddings", { model: `e${i + j}`, input: "x" })));
    }
    const stats: unknown = await (await fetch(`${mock.url}/__mock/stats`)).json();
    expect(mock.requests.length).toBe(1000);
    expect(stats).toMatchObject({ total: 1005, byProtocol: { embeddings: 1005 } });
    expect(mock.requests.filter((r) => r.model.startsWith("old")).length).toBe(0);
  });
});
