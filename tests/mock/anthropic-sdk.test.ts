// The official @anthropic-ai/sdk pointed straight at the mock.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 5 });
const client = new Anthropic({ apiKey: "sk-ant-test", baseURL: mock.url, maxRetries: 0 });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const PROMPT = "What does a bus bar carry? Answer in one long sentence please, thank you kindly.";
const REPLY = `Hello from the busbar demo upstream (anthropic). You said: ${Array.from(PROMPT).slice(0, 60).join("")}`;

test("messages.create returns a message echoing the model, with usage and a request-id", async () => {
  const { data, response } = await client.messages
    .create({ model: "claude-mock", max_tokens: 64, system: "Be brief.", messages: [{ role: "user", content: [{ type: "text", text: PROMPT }] }] })
    .withResponse();
  const texts = data.content.map((b) => (b.type === "text" ? b.text : b.type));
  expect({ model: data.model, role: data.role, texts, stop: data.stop_reason, input: data.usage.input_tokens, output: data.usage.output_tokens })
    .toEqual({
      model: "claude-mock", role: "assistant", texts: [REPLY], stop: "end_turn",
      input: Math.ceil(("Be brief.".length + PROMPT.length) / 4), output: Math.ceil(REPLY.length / 4),
    });
  expect(response.headers.get("request-id")).toMatch(/^req_01/);
  // SDK 1.x sends the key as a bearer token; the mock records it verbatim.
  expect(mock.requests[0]?.headers["authorization"]).toBe("Bearer sk-ant-test");
});

test("messages.stream(...).finalMessage() assembles the streamed text", async () => {
  const stream = client.messages.stream({ model: "claude-mock", max_tokens: 64, messages: [{ role: "user", content: PROMPT }] });
  const events: string[] = [];
  stream.on("streamEvent", (ev) => events.push(ev.type));
  const final = await stream.finalMessage();
  const texts = final.content.map((b) => (b.type === "text" ? b.text : b.type));
  expect({ texts, model: final.model, output: final.usage.output_tokens, stop: final.stop_reason })
    .toEqual({ texts: [REPLY], model: "claude-mock", output: Math.ceil(REPLY.length / 4), stop: "end_turn" });
  // The SDK swallows the mock's `ping`; raw framing is checked in wire.test.ts.
  expect(events).toEqual([
    "message_start", "content_block_start",
    ...Array<string>(5).fill("content_block_delta"),
    "content_block_stop", "message_delta", "message_stop",
  ]);
});

test("count_tokens counts every text in the request", async () => {
  const res = await client.messages.countTokens({ model: "claude-mock", system: "abcd", messages: [{ role: "user", content: "efghijkl" }] });
  expect(res).toEqual({ input_tokens: 3 });
});

describe("@tool and @think directives", () => {
  const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };
  const THINKING = { type: "thinking" as const, thinking: "Let me think.", signature: "sig-anthropic-1" };

  test("messages.stream(...).finalMessage() has the signed thinking block and the tool_use input", async () => {
    const stream = client.messages.stream({ model: "claude-mock@tool=get_weather@think", max_tokens: 64, messages: [{ role: "user", content: PROMPT }] });
    const deltas: string[] = [];
    stream.on("streamEvent", (ev) => {
      if (ev.type === "content_block_delta") deltas.push(ev.delta.type);
    });
    const final = await stream.finalMessage();
    // The SDK keeps its partial-JSON buffer on the block; compare the wire fields.
    const content = final.content.map((b) => (b.type === "tool_use" ? { type: b.type, id: b.id, name: b.name, input: b.input } : b));
    expect({ content, stop: final.stop_reason, deltas }).toEqual({
      content: [THINKING, { type: "tool_use", id: expect.stringMatching(/^toolu_01[0-9A-Za-z]{22}$/), name: "get_weather", input: ARGS }],
      stop: "tool_use",
      deltas: ["thinking_delta", "thinking_delta", "thinking_delta", "signature_delta", ...Array<string>(4).fill("input_json_delta")],
    });
  });

  test("messages.create answers parallel calls; the next turn's tool ids and signature are recorded", async () => {
    const first = await client.messages.create({ model: "claude-mock@tool=get_weather,get_time@think", max_tokens: 64, messages: [{ role: "user", content: "go" }] });
    const uses = first.content.flatMap((b) => (b.type === "tool_use" ? [b] : []));
    expect({ types: first.content.map((b) => b.type), inputs: uses.map((u) => [u.name, u.input]), distinct: new Set(uses.map((u) => u.id)).size })
      .toEqual({ types: ["thinking", "tool_use", "tool_use"], inputs: [["get_weather", ARGS], ["get_time", ARGS]], distinct: 2 });

    await client.messages.create({
      model: "claude-mock",
      max_tokens: 64,
      messages: [
        { role: "user", content: "go" },
        { role: "assistant", content: first.content },
        { role: "user", content: uses.map((u) => ({ type: "tool_result" as const, tool_use_id: u.id, content: "sunny" })) },
      ],
    });
    expect(mock.requests[1]?.body).toMatchObject({
      messages: [
        {},
        { role: "assistant", content: [THINKING, { type: "tool_use", id: uses[0]?.id }, { type: "tool_use", id: uses[1]?.id }] },
        { role: "user", content: [{ type: "tool_result", tool_use_id: uses[0]?.id, content: "sunny" }, { type: "tool_result", tool_use_id: uses[1]?.id }] },
      ],
    });
  });
});
