// Translation policy through the real gateway: the loss ledger header, `translation: strict`, the D11
// `reasoning_content` opt-in, and a stream cut after the first byte ending in the caller's native terminal
// error rather than a truncation that looks like success (protocols.md §9.6).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  const extra = `
  think-anthropic: { provider: up-anthropic, upstream_model: "upstream-anthropic@think" }
  cut-anthropic: { provider: up-anthropic, upstream_model: "upstream-anthropic@abort-after=4" }
  cut-openai: { provider: up-openai, upstream_model: "upstream-openai@abort-after=4" }
`;
  const pools = `
  strict-anthropic: { members: [ { target: m-anthropic } ], translation: strict }
  thoughtful: { members: [ { target: think-anthropic } ], reasoning_content: true }
  terse: { members: [ { target: think-anthropic } ] }
`;
  gw = await startGateway({
    yaml: (mock) => sixProtocolYaml(mock).replace("models:\n", `models:${extra}`).replace("pools:\n", `pools:${pools}`),
    env: LANE_ENV,
  });
});
afterAll(() => gw.stop());

async function chat(body: object) {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}` }, body: JSON.stringify(body),
  });
  return { status: res.status, dropped: res.headers.get("x-busbar-dropped"), body: await res.json() as Record<string, unknown> };
}

describe("loss ledger", () => {
  test("a lossy translation succeeds and names what it dropped", async () => {
    const r = await chat({ model: "pool-anthropic", seed: 7, logprobs: true, messages: [{ role: "user", content: "x" }] });
    expect([r.status, r.dropped]).toEqual([200, "seed,logprobs"]);
  });

  test("translation: strict refuses it with a 400 in the caller's dialect naming the fields; a lossless one passes", async () => {
    const before = gw.mock.requests.length;
    const refused = await chat({ model: "strict-anthropic", seed: 7, messages: [{ role: "user", content: "x" }] });
    expect({ status: refused.status, dropped: refused.dropped, error: refused.body.error, upstreamCalls: gw.mock.requests.length - before }).toEqual({
      status: 400,
      dropped: "seed",
      error: { message: "This pool refuses lossy translation (translation: strict); anthropic cannot carry: seed.", type: "invalid_request_error", param: null, code: null },
      upstreamCalls: 0,
    });
    const ok = await chat({ model: "strict-anthropic", messages: [{ role: "user", content: "x" }] });
    expect([ok.status, ok.dropped]).toEqual([200, null]);
  });
});

describe("reasoning_content (spec README D11)", () => {
  test("OpenAI callers get thinking only from pools that opt in", async () => {
    const on = await chat({ model: "thoughtful", messages: [{ role: "user", content: "x" }] });
    const off = await chat({ model: "terse", messages: [{ role: "user", content: "x" }] });
    const message = (r: { body: Record<string, unknown> }) => (r.body.choices as { message: Record<string, unknown> }[])[0]!.message;
    expect({ on: message(on).reasoning_content, off: message(off).reasoning_content, offDropped: off.dropped?.includes("content[0]") })
      .toEqual({ on: "Let me think.", off: undefined, offDropped: true });
  });
});

describe("a stream cut mid-flight", () => {
  test("reaches an OpenAI caller as a native error the SDK raises, not a clean end", async () => {
    const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    let text = "";
    const run = async () => {
      const s = await client.chat.completions.create({ model: "cut-anthropic", stream: true, messages: [{ role: "user", content: "hello there" }] });
      for await (const c of s) text += c.choices[0]?.delta.content ?? "";
    };
    const err = await run().then(() => undefined, (e: unknown) => e);
    expect({ raised: err instanceof OpenAI.APIError, gotSomeText: text.length > 0 }).toEqual({ raised: true, gotSomeText: true });
  });

  test("reaches an Anthropic caller as an error event, never message_stop", async () => {
    const client = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const err = await client.messages.stream({ model: "cut-openai", max_tokens: 64, messages: [{ role: "user", content: "hello there" }] })
      .finalMessage().then(() => undefined, (e: unknown) => e);
    expect(err instanceof Anthropic.APIError).toBe(true);
  });
});

describe("Gemini callers on a cross hop", () => {
  test("without alt=sse get one JSON array of chunks; with it, SSE", async () => {
    const post = (alt: string) => fetch(`${gw.url}/v1beta/models/pool-openai:streamGenerateContent${alt}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-goog-api-key": CALLER_TOKEN },
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hello there" }] }] }),
    });
    const array = await post("");
    const chunks = await array.json() as { candidates?: { content: { parts: { text?: string }[] } }[] }[];
    const text = chunks.map((c) => c.candidates?.[0]?.content.parts.map((p) => p.text ?? "").join("") ?? "").join("");
    const sse = await post("?alt=sse");
    expect({
      arrayType: array.headers.get("content-type"), text,
      sseType: sse.headers.get("content-type"), sseFrames: (await sse.text()).startsWith("data: {"),
    }).toEqual({ arrayType: "application/json", text: "Hello from the busbar demo upstream (openai). You said: hello there", sseType: "text/event-stream", sseFrames: true });
  });
});
