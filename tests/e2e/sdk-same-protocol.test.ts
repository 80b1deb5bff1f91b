// Each official SDK, pointed at the gateway, reaches a same-protocol lane on the mock upstream, streaming and not.
// The mock must see the lane's model and the lane's credential, and never the caller's token.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { GoogleGenAI } from "@google/genai";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import type { MockRequestRecord } from "../../src/mock/index.ts";
import { CALLER_TOKEN, LANE_ENV, LANE_KEYS, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (mock) => sixProtocolYaml(mock), env: LANE_ENV });
});
afterAll(() => gw.stop());

const GREETING = "Hello from the busbar demo upstream";

function last(): MockRequestRecord {
  const r = gw.mock.requests.at(-1);
  if (r === undefined) throw new Error("the mock saw no request");
  return r;
}

/** The caller's token must not appear in any header the upstream saw. */
function expectNoCallerToken(r: MockRequestRecord): void {
  expect(Object.values(r.headers).filter((v) => v.includes(CALLER_TOKEN))).toEqual([]);
}

function seen(r: MockRequestRecord) {
  return { model: r.model, stream: r.stream, protocol: r.protocol };
}

describe("openai chat", () => {
  const client = () => new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  test("non-streaming", async () => {
    const res = await client().chat.completions.create({ model: "pool-openai", messages: [{ role: "user", content: "hi there" }] });
    expect(res.choices[0]?.message.content).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-openai", stream: false, protocol: "openai" });
    expect(last().headers.authorization).toBe(`Bearer ${LANE_KEYS.openai}`);
    expectNoCallerToken(last());
  });
  test("streaming", async () => {
    const stream = await client().chat.completions.create({ model: "pool-openai", stream: true, messages: [{ role: "user", content: "hi there" }] });
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-openai", stream: true, protocol: "openai" });
    expectNoCallerToken(last());
  });
});

describe("openai responses", () => {
  const client = () => new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
  test("non-streaming", async () => {
    const res = await client().responses.create({ model: "pool-responses", input: "hi there" });
    expect(res.output_text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-responses", stream: false, protocol: "responses" });
    expect(last().headers.authorization).toBe(`Bearer ${LANE_KEYS.responses}`);
    expectNoCallerToken(last());
  });
  test("streaming, with the SDK's stream helper", async () => {
    const final = await client().responses.stream({ model: "pool-responses", input: "hi there" }).finalResponse();
    expect(final.output_text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-responses", stream: true, protocol: "responses" });
    expectNoCallerToken(last());
  });
});

describe("anthropic", () => {
  test("non-streaming, pool in the base URL; body model is ignored and overwritten", async () => {
    const client = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/pool-anthropic`, maxRetries: 0 });
    const res = await client.messages.create({ model: "whatever", max_tokens: 64, messages: [{ role: "user", content: "hi there" }] });
    const block = res.content[0];
    expect(block?.type === "text" ? block.text : "").toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-anthropic", stream: false, protocol: "anthropic" });
    expect([last().headers["x-api-key"], last().headers["anthropic-version"]]).toEqual([LANE_KEYS.anthropic, "2023-06-01"]);
    expectNoCallerToken(last());
  });
  test("streaming, bare base URL with the pool as model", async () => {
    const client = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const msg = await client.messages.stream({ model: "pool-anthropic", max_tokens: 64, messages: [{ role: "user", content: "hi there" }] }).finalMessage();
    const block = msg.content[0];
    expect(block?.type === "text" ? block.text : "").toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-anthropic", stream: true, protocol: "anthropic" });
    expectNoCallerToken(last());
  });
});

describe("gemini", () => {
  const client = () => new GoogleGenAI({ apiKey: CALLER_TOKEN, httpOptions: { baseUrl: gw.url } });
  test("non-streaming", async () => {
    const res = await client().models.generateContent({ model: "pool-gemini", contents: "hi there" });
    expect(res.text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-gemini", stream: false, protocol: "gemini" });
    expect(last().headers["x-goog-api-key"]).toBe(LANE_KEYS.gemini);
    expectNoCallerToken(last());
  });
  test("streaming (alt=sse)", async () => {
    let text = "";
    for await (const chunk of await client().models.generateContentStream({ model: "pool-gemini", contents: "hi there" })) text += chunk.text ?? "";
    expect(text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-gemini", stream: true, protocol: "gemini" });
    expect(last().query).toContain("alt=sse");
    expectNoCallerToken(last());
  });
});

describe("bedrock", () => {
  const client = () => new BedrockRuntimeClient({
    endpoint: gw.url,
    region: "us-east-1",
    token: { token: CALLER_TOKEN },
    authSchemePreference: ["httpBearerAuth"],
    maxAttempts: 1,
    // The SDK defaults to HTTP/2, which Bun.serve does not speak; real Bedrock endpoints accept HTTP/1.1 too.
    requestHandler: new NodeHttpHandler(),
  });
  const messages = [{ role: "user" as const, content: [{ text: "hi there" }] }];
  const expectSigned = (r: MockRequestRecord) => {
    expect(r.headers.authorization).toStartWith("AWS4-HMAC-SHA256 Credential=AKIDLANE/");
    expect(r.headers.authorization).toContain("/us-west-2/bedrock/aws4_request");
    expect(r.path).toStartWith("/model/vendor.model-v1%3A0/");
  };
  test("non-streaming", async () => {
    const res = await client().send(new ConverseCommand({ modelId: "pool-bedrock", messages }));
    expect(res.output?.message?.content?.[0]?.text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "vendor.model-v1:0", stream: false, protocol: "bedrock" });
    expectSigned(last());
    expectNoCallerToken(last());
  });
  test("streaming (binary event stream relayed intact)", async () => {
    const res = await client().send(new ConverseStreamCommand({ modelId: "pool-bedrock", messages }));
    let text = "";
    let stop: string | undefined;
    for await (const ev of res.stream ?? []) {
      text += ev.contentBlockDelta?.delta?.text ?? "";
      stop ??= ev.messageStop?.stopReason;
    }
    expect([text.startsWith(GREETING), stop]).toEqual([true, "end_turn"]);
    expect(seen(last())).toEqual({ model: "vendor.model-v1:0", stream: true, protocol: "bedrock" });
    expectSigned(last());
    expectNoCallerToken(last());
  });
});

describe("cohere", () => {
  const client = () => new CohereClientV2({ token: CALLER_TOKEN, environment: gw.url });
  test("non-streaming", async () => {
    const res = await client().chat({ model: "pool-cohere", messages: [{ role: "user", content: "hi there" }] });
    const part = res.message.content?.[0];
    expect(part?.type === "text" ? part.text : "").toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-cohere", stream: false, protocol: "cohere" });
    expect(last().headers.authorization).toBe(`Bearer ${LANE_KEYS.cohere}`);
    expectNoCallerToken(last());
  });
  test("streaming", async () => {
    let text = "";
    for await (const ev of await client().chatStream({ model: "pool-cohere", messages: [{ role: "user", content: "hi there" }] })) {
      if (ev.type === "content-delta") text += ev.delta?.message?.content?.text ?? "";
    }
    expect(text).toStartWith(GREETING);
    expect(seen(last())).toEqual({ model: "upstream-cohere", stream: true, protocol: "cohere" });
    expectNoCallerToken(last());
  });
});

describe("openai embeddings", () => {
  test("same-protocol passthrough", async () => {
    const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const res = await client.embeddings.create({ model: "pool-openai", input: ["a", "b"] });
    expect(res.data.length).toBe(2);
    expect(seen(last())).toEqual({ model: "upstream-openai", stream: false, protocol: "embeddings" });
    expectNoCallerToken(last());
  });
});
