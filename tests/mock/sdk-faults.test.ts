// In-band stream errors and broken frames as the official SDKs see them: each raises its own error,
// which is what "in the protocol's own form" means.
import { afterAll, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { GoogleGenAI } from "@google/genai";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import OpenAI from "openai";
import { mockControl, startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ faults: true, memberTag: true, streamChunks: 3 });
const ctl = mockControl(mock.url);
afterAll(() => mock.stop());

const outcome = (e: unknown) => (e instanceof Error ? { name: e.constructor.name, message: e.message } : { name: typeof e, message: String(e) });

test("openai: an error chunk mid-stream raises an APIError after the text so far", async () => {
  await ctl.queue("oa", { kind: "error_event_after", n: 1, type: "server_error", message: "boom" });
  const client = new OpenAI({ apiKey: "sk", baseURL: `${mock.url}/v1`, maxRetries: 0 });
  const texts: string[] = [];
  const err = await (async () => {
    for await (const c of await client.chat.completions.create({ model: "oa", stream: true, messages: [{ role: "user", content: "hi" }] })) {
      const d = c.choices[0]?.delta.content;
      if (d) texts.push(d);
    }
  })().then(() => undefined, outcome);
  expect({ texts, err }).toEqual({ texts: ["member=oa Hello from "], err: { name: "APIError", message: expect.stringContaining("boom") } });
});

test("anthropic: `event: error` first raises the SDK's error with overloaded_error", async () => {
  await ctl.queue("an", { kind: "error_event_first", type: "overloaded_error" });
  const client = new Anthropic({ apiKey: "sk-ant", baseURL: mock.url, maxRetries: 0 });
  const err = await client.messages.stream({ model: "an", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }).finalMessage().then(() => undefined, outcome);
  expect(err).toEqual({ name: "APIError", message: expect.stringContaining("overloaded_error") });
});

test("anthropic: a refusal stop is the SDK's stop_reason", async () => {
  await ctl.queue("an2", { kind: "content_filter" });
  const client = new Anthropic({ apiKey: "sk-ant", baseURL: mock.url, maxRetries: 0 });
  const msg = await client.messages.stream({ model: "an2", max_tokens: 16, messages: [{ role: "user", content: "hi" }] }).finalMessage();
  expect(msg.stop_reason).toBe("refusal");
});

test("bedrock: an exception frame raises the modelled exception; a bad CRC fails the decode", async () => {
  const client = new BedrockRuntimeClient({
    region: "us-east-1",
    endpoint: mock.url,
    credentials: { accessKeyId: "AKID", secretAccessKey: "secret" },
    maxAttempts: 1,
    requestHandler: new NodeHttpHandler(),
  });
  await ctl.queue("br", { kind: "error_event_after", n: 1, type: "rate_limit" }, { kind: "malformed_chunk", n: 1 });
  const run = async () => {
    const res = await client.send(new ConverseStreamCommand({ modelId: "br", messages: [{ role: "user", content: [{ text: "hi" }] }] }));
    for await (const _ of res.stream ?? []) { /* drain */ }
  };
  const throttled = await run().then(() => undefined, outcome);
  const corrupt = await run().then(() => undefined, outcome);
  expect(throttled?.name).toBe("ThrottlingException");
  expect(corrupt?.message).toMatch(/checksum/i);
});

test("gemini: an error chunk in the SSE stream raises the SDK's ApiError", async () => {
  await ctl.queue("gm", { kind: "error_event_after", n: 1 });
  const client = new GoogleGenAI({ apiKey: "AIza", httpOptions: { baseUrl: mock.url } });
  const texts: string[] = [];
  const err = await (async () => {
    for await (const c of await client.models.generateContentStream({ model: "gm", contents: "hi" })) texts.push(c.text ?? "");
  })().then(() => undefined, outcome);
  expect({ texts, err }).toEqual({ texts: ["member=gm Hello from "], err: { name: "ApiError", message: expect.stringContaining("UNAVAILABLE") } });
});
