// The official @google/genai SDK pointed straight at the mock.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { FinishReason, GoogleGenAI } from "@google/genai";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 3 });
// genai 3.x defaults to the `v1` API; the mock serves `v1` and `v1beta` alike.
const client = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: mock.url } });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const REPLY = "Hello from the busbar demo upstream (gemini). You said: how are bus bars rated?";

test("generateContent echoes the model as modelVersion and reports usage", async () => {
  const res = await client.models.generateContent({
    model: "gemini-mock",
    contents: "how are bus bars rated?",
    config: { systemInstruction: "Be brief." },
  });
  expect({ text: res.text, model: res.modelVersion, finish: res.candidates?.[0]?.finishReason, usage: res.usageMetadata?.promptTokenCount, id: typeof res.responseId })
    .toEqual({ text: REPLY, model: "gemini-mock", finish: FinishReason.STOP, usage: Math.ceil(("Be brief.".length + "how are bus bars rated?".length) / 4), id: "string" });
  expect(mock.requests[0]).toMatchObject({ protocol: "gemini", path: "/v1/models/gemini-mock:generateContent", model: "gemini-mock", stream: false });
});

test("generateContentStream reads SSE chunks; the last carries finishReason and usage", async () => {
  const stream = await client.models.generateContentStream({ model: "gemini-mock", contents: "how are bus bars rated?" });
  const chunks = [];
  for await (const c of stream) chunks.push(c);
  expect({
    n: chunks.length,
    text: chunks.map((c) => c.text).join(""),
    models: [...new Set(chunks.map((c) => c.modelVersion))],
    finish: chunks.map((c) => c.candidates?.[0]?.finishReason ?? null),
    usage: chunks.map((c) => c.usageMetadata?.candidatesTokenCount ?? null),
  }).toEqual({
    n: 3,
    text: REPLY,
    models: ["gemini-mock"],
    finish: [null, null, FinishReason.STOP],
    usage: [null, null, Math.ceil(REPLY.length / 4)],
  });
  expect(mock.requests[0]).toMatchObject({ query: "alt=sse", stream: true });
});

test("a model containing colons is split on the last one", async () => {
  const res = await client.models.generateContent({ model: "mock:exp:v2", contents: "hi" });
  expect(res.modelVersion).toBe("mock:exp:v2");
});

describe("@tool and @think directives", () => {
  const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };

  test("generateContent: a signed thought part, then functionCall parts without ids; finish STOP", async () => {
    const res = await client.models.generateContent({ model: "gemini-mock@tool=get_weather,get_time@think", contents: "go" });
    const parts = res.candidates?.[0]?.content?.parts ?? [];
    expect({
      calls: res.functionCalls,
      thought: parts[0],
      finish: res.candidates?.[0]?.finishReason,
      thoughts: res.usageMetadata?.thoughtsTokenCount,
      total: res.usageMetadata && (res.usageMetadata.totalTokenCount ?? 0) - (res.usageMetadata.promptTokenCount ?? 0) - (res.usageMetadata.candidatesTokenCount ?? 0),
    }).toEqual({
      calls: [{ name: "get_weather", args: ARGS }, { name: "get_time", args: ARGS }],
      thought: { text: "Let me think.", thought: true, thoughtSignature: "sig-gemini-1" },
      finish: FinishReason.STOP,
      thoughts: 4,
      total: 4,
    });
    expect(mock.requests[0]?.model).toBe("gemini-mock@tool=get_weather,get_time@think");
  });

  test("generateContentStream: thought chunks first, then every call whole in one chunk", async () => {
    const stream = await client.models.generateContentStream({ model: "gemini-mock@tool=get_weather,get_time@think", contents: "go" });
    const chunks = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => (c.functionCalls ? ["calls", c.functionCalls] : ["thought", c.candidates?.[0]?.content?.parts?.[0]?.thoughtSignature ?? null])))
      .toEqual([
        ["thought", null],
        ["thought", null],
        ["thought", "sig-gemini-1"],
        ["calls", [{ name: "get_weather", args: ARGS }, { name: "get_time", args: ARGS }]],
      ]);
    expect(chunks.at(-1)?.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
  });
});
