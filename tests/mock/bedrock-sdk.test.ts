// The official @aws-sdk/client-bedrock-runtime pointed straight at the mock (SigV4 with fake keys).
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, ThrottlingException } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 4, faults: true });
const client = new BedrockRuntimeClient({
  region: "us-east-1",
  endpoint: mock.url,
  credentials: { accessKeyId: "AKIDMOCK", secretAccessKey: "mock-secret" },
  maxAttempts: 1,
  // The client defaults to HTTP/2 (h2c prior knowledge on http://), which Bun.serve does not speak;
  // the HTTP/1.1 handler is the SDK's documented alternative.
  requestHandler: new NodeHttpHandler(),
});
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const MODEL = "amazon.nova-lite-v1:0";
const REPLY = "Hello from the busbar demo upstream (bedrock). You said: what is a bus bar?";

test("Converse returns the message, stop reason, usage and latency; the model id is decoded once", async () => {
  const res = await client.send(new ConverseCommand({
    modelId: MODEL,
    system: [{ text: "Be brief." }],
    messages: [{ role: "user", content: [{ text: "what is a bus bar?" }] }],
  }));
  const input = Math.ceil(("Be brief.".length + "what is a bus bar?".length) / 4);
  const output = Math.ceil(REPLY.length / 4);
  expect({ content: res.output?.message?.content, stop: res.stopReason, usage: res.usage, latency: typeof res.metrics?.latencyMs })
    .toEqual({ content: [{ text: REPLY }], stop: "end_turn", usage: { inputTokens: input, outputTokens: output, totalTokens: input + output }, latency: "number" });
  expect(res.$metadata.requestId).toMatch(/^[0-9a-f-]{36}$/);
  expect(mock.requests[0]).toMatchObject({ protocol: "bedrock", path: "/model/amazon.nova-lite-v1%3A0/converse", model: MODEL, stream: false });
});

test("ConverseStream decodes every event-stream frame", async () => {
  const res = await client.send(new ConverseStreamCommand({ modelId: MODEL, messages: [{ role: "user", content: [{ text: "what is a bus bar?" }] }] }));
  const kinds: string[] = [];
  let text = "";
  let stop: string | undefined;
  let outputTokens: number | undefined;
  for await (const ev of res.stream ?? []) {
    kinds.push(Object.keys(ev).filter((k) => k !== "$unknown").join(","));
    if (ev.contentBlockDelta?.delta?.text) text += ev.contentBlockDelta.delta.text;
    if (ev.messageStop) stop = ev.messageStop.stopReason;
    if (ev.metadata) outputTokens = ev.metadata.usage?.outputTokens;
  }
  expect({ kinds, text, stop, outputTokens }).toEqual({
    kinds: ["messageStart", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockDelta", "contentBlockStop", "messageStop", "metadata"],
    text: REPLY,
    stop: "end_turn",
    outputTokens: Math.ceil(REPLY.length / 4),
  });
  expect(mock.requests[0]).toMatchObject({ path: "/model/amazon.nova-lite-v1%3A0/converse-stream", stream: true });
});

test("a fault status surfaces as the SDK's typed exception", async () => {
  const err = await client.send(new ConverseCommand({ modelId: `${MODEL}@status=429`, messages: [{ role: "user", content: [{ text: "x" }] }] }))
    .then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(ThrottlingException);
  expect(err instanceof ThrottlingException ? err.$metadata.httpStatusCode : 0).toBe(429);
});

describe("@tool and @think directives", () => {
  const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };
  const user = [{ role: "user" as const, content: [{ text: "go" }] }];

  test("Converse: signed reasoningContent, then toolUse blocks; stopReason tool_use", async () => {
    const res = await client.send(new ConverseCommand({ modelId: `${MODEL}@tool=get_weather,get_time@think`, messages: user }));
    expect({ content: res.output?.message?.content, stop: res.stopReason }).toEqual({
      content: [
        { reasoningContent: { reasoningText: { text: "Let me think.", signature: "sig-bedrock-1" } } },
        { toolUse: { toolUseId: expect.stringMatching(/^tooluse_[0-9A-Za-z]{22}$/), name: "get_weather", input: ARGS } },
        { toolUse: { toolUseId: expect.stringMatching(/^tooluse_[0-9A-Za-z]{22}$/), name: "get_time", input: ARGS } },
      ],
      stop: "tool_use",
    });
    expect(mock.requests[0]?.model).toBe(`${MODEL}@tool=get_weather,get_time@think`);
  });

  test("ConverseStream: reasoning text then signature deltas; the tool input arrives in fragments", async () => {
    const res = await client.send(new ConverseStreamCommand({ modelId: `${MODEL}@tool=get_weather@think`, messages: user }));
    let reasoning = "";
    let signature = "";
    let input = "";
    let fragments = 0;
    let start: unknown;
    let stop: string | undefined;
    for await (const ev of res.stream ?? []) {
      const d = ev.contentBlockDelta?.delta;
      if (d?.reasoningContent?.text) reasoning += d.reasoningContent.text;
      if (d?.reasoningContent?.signature) signature += d.reasoningContent.signature;
      if (d?.toolUse?.input !== undefined) {
        input += d.toolUse.input;
        fragments++;
      }
      if (ev.contentBlockStart) start = ev.contentBlockStart;
      if (ev.messageStop) stop = ev.messageStop.stopReason;
    }
    expect({ reasoning, signature, args: JSON.parse(input), fragments, start, stop }).toEqual({
      reasoning: "Let me think.",
      signature: "sig-bedrock-1",
      args: ARGS,
      fragments: 4,
      start: { contentBlockIndex: 1, start: { toolUse: { toolUseId: expect.stringMatching(/^tooluse_/), name: "get_weather" } } },
      stop: "tool_use",
    });
  });
});
