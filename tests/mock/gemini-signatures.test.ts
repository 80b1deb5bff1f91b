// The mock's Gemini function-call signatures (Gemini 3 behaviour): every `@tool` call is signed, and under
// `@require-signatures` a history holding an unsigned `functionCall` part is refused with 400 INVALID_ARGUMENT.
import { afterAll, beforeEach, expect, test } from "bun:test";
import { ApiError, GoogleGenAI } from "@google/genai";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 3 });
const client = new GoogleGenAI({ apiKey: "AIza-test", httpOptions: { baseUrl: mock.url } });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const MODEL = "gemini-mock@tool=get_weather,get_time@require-signatures";
const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };

test("generateContent and generateContentStream sign each functionCall part: sig-gemini-fc-<n>", async () => {
  const res = await client.models.generateContent({ model: MODEL, contents: "go" });
  const streamed = [];
  for await (const c of await client.models.generateContentStream({ model: MODEL, contents: "go" })) streamed.push(...(c.candidates?.[0]?.content?.parts ?? []));
  const want = [
    { functionCall: { name: "get_weather", args: ARGS }, thoughtSignature: "sig-gemini-fc-1" },
    { functionCall: { name: "get_time", args: ARGS }, thoughtSignature: "sig-gemini-fc-2" },
  ];
  expect({ whole: res.candidates?.[0]?.content?.parts, streamed }).toEqual({ whole: want, streamed: want } as never);
});

const history = (signature: string | undefined) => [
  { role: "user", parts: [{ text: "weather?" }] },
  { role: "model", parts: [{ functionCall: { name: "get_weather", args: { city: "Paris" } }, ...(signature !== undefined && { thoughtSignature: signature }) }] },
  { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "sunny" } } }] },
];

test("@require-signatures: a signed history is answered; an unsigned one is refused like Gemini 3 refuses it", async () => {
  const ok = await client.models.generateContent({ model: MODEL, contents: history("sig-gemini-fc-1") });
  expect(ok.functionCalls?.length).toBe(2);
  const err = await client.models.generateContent({ model: MODEL, contents: history(undefined) }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(ApiError);
  const body = JSON.parse((err as ApiError).message.slice((err as ApiError).message.indexOf("{")));
  expect({ status: (err as ApiError).status, body }).toEqual({
    status: 400,
    body: { error: {
      code: 400,
      message: "Function call is missing a thought_signature in functionCall parts. This is required for tools to work correctly, and missing thought_signature may lead to degraded model performance. Additional data, function call `default_api:get_weather` , position 2. Please refer to https://ai.google.dev/gemini-api/docs/thought-signatures for more details.",
      status: "INVALID_ARGUMENT",
    } },
  });
  // Without the directive the same unsigned history is fine (older Gemini models do not check).
  const lax = await client.models.generateContent({ model: "gemini-mock@tool=get_weather", contents: history(undefined) });
  expect(lax.functionCalls?.length).toBe(1);
});
