// The official cohere-ai v8 CohereClientV2 pointed straight at the mock.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { CohereClientV2, CohereError } from "cohere-ai";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 6, faults: true });
const client = new CohereClientV2({ token: "co-test", environment: mock.url });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const REPLY = "Hello from the busbar demo upstream (cohere). You said: size a copper bus bar";

test("chat returns the v2 message with billed and token usage", async () => {
  const res = await client.chat({ model: "command-mock", messages: [{ role: "system", content: "Be brief." }, { role: "user", content: "size a copper bus bar" }] });
  const input = Math.ceil(("Be brief.".length + "size a copper bus bar".length) / 4);
  const output = Math.ceil(REPLY.length / 4);
  expect({ finish: res.finishReason, content: res.message.content, usage: res.usage })
    .toEqual({
      finish: "COMPLETE",
      content: [{ type: "text", text: REPLY }],
      usage: { billedUnits: { inputTokens: input, outputTokens: output }, tokens: { inputTokens: input, outputTokens: output } },
    });
  expect(mock.requests[0]?.headers["authorization"]).toBe("Bearer co-test");
});

test("chatStream yields the v2 event sequence", async () => {
  const stream = await client.chatStream({ model: "command-mock", messages: [{ role: "user", content: "size a copper bus bar" }] });
  const types: string[] = [];
  let text = "";
  let finish: string | undefined;
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === "content-delta") text += ev.delta?.message?.content?.text ?? "";
    if (ev.type === "message-end") finish = ev.delta?.finishReason;
  }
  expect({ types, text, finish }).toEqual({
    types: ["message-start", "content-start", ...Array<string>(6).fill("content-delta"), "content-end", "message-end"],
    text: REPLY,
    finish: "COMPLETE",
  });
});

test("a fault status surfaces as the SDK's error with the native body", async () => {
  const err = await client.chat({ model: "command-mock@status=503", messages: [{ role: "user", content: "x" }] }, { maxRetries: 0 })
    .then(() => undefined, (e: unknown) => e);
  expect(err instanceof CohereError ? { status: err.statusCode, body: err.body } : err)
    .toEqual({ status: 503, body: { message: "The server is overloaded." } });
});

describe("@tool directive (@think is ignored: v2 has no reasoning)", () => {
  const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };
  const ARGS_TEXT = '{"city":"Paris","days":3,"note":"naïve 😀"}';

  test("chat returns message.toolCalls with the vendor's name-based ids and TOOL_CALL", async () => {
    const res = await client.chat({ model: "command-mock@tool=get_weather,get_time@think", messages: [{ role: "user", content: "go" }] });
    const output = Math.ceil(("get_weather".length + "get_time".length + 2 * [...ARGS_TEXT].length) / 4);
    expect({
      finish: res.finishReason,
      calls: res.message.toolCalls?.map((c) => [c.id, c.type, c.function?.name, JSON.parse(c.function?.arguments ?? "null")]),
      content: res.message.content,
      output: res.usage?.tokens?.outputTokens,
    }).toEqual({
      finish: "TOOL_CALL",
      calls: [
        [expect.stringMatching(/^get_weather_[0-9a-z]{12}$/), "function", "get_weather", ARGS],
        [expect.stringMatching(/^get_time_[0-9a-z]{12}$/), "function", "get_time", ARGS],
      ],
      content: undefined,
      output,
    });
  });

  test("chatStream yields tool-call-start, argument deltas and tool-call-end", async () => {
    const stream = await client.chatStream({ model: "command-mock@tool=get_weather@think", messages: [{ role: "user", content: "go" }] });
    const types: string[] = [];
    let name: string | undefined;
    let args = "";
    let finish: string | undefined;
    for await (const ev of stream) {
      types.push(ev.type);
      if (ev.type === "tool-call-start") name = ev.delta?.message?.toolCalls?.function?.name;
      if (ev.type === "tool-call-delta") args += ev.delta?.message?.toolCalls?.function?.arguments ?? "";
      if (ev.type === "message-end") finish = ev.delta?.finishReason;
    }
    expect({ types, name, args, finish }).toEqual({
      types: ["message-start", "tool-call-start", ...Array<string>(4).fill("tool-call-delta"), "tool-call-end", "message-end"],
      name: "get_weather",
      args: ARGS_TEXT,
      finish: "TOOL_CALL",
    });
  });
});
