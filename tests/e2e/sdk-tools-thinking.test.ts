// Tool loops and thinking across protocols, through real SDKs, the gateway and the mock upstream
// (protocols.md §6.6, §9.5, §10.4): each caller gets the tool call in its own id format with the exact
// arguments, accumulated by its SDK's stream helper as well; on turn 2 the upstream sees its own original
// tool id; a signature issued by one protocol reaches another protocol's caller wrapped and comes back to its
// issuer unwrapped.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import type { FetchFn } from "../../src/runtime.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const LANES = ["openai", "responses", "anthropic"] as const;
type Lane = (typeof LANES)[number];
const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };

/** Every upstream exchange, request and response bodies as text. */
const exchanges: { url: string; request: string; response: string }[] = [];
const recordingFetch: FetchFn = async (input, init) => {
  const res = await fetch(input, init);
  const request = typeof init.body === "string" ? init.body : "";
  const accept = init.headers !== undefined && !Array.isArray(init.headers) && !(init.headers instanceof Headers)
    ? (init.headers as Record<string, string>)["accept"] ?? ""
    : "";
  if (!accept.includes("json")) {
    exchanges.push({ url: String(input), request, response: "" });
    return res;
  }
  const text = await res.text();
  exchanges.push({ url: String(input), request, response: text });
  return new Response(text, { status: res.status, headers: res.headers });
};

let gw: TestGateway;
beforeAll(async () => {
  const models = LANES.flatMap((l) => [
    `  tool-${l}: { provider: up-${l}, upstream_model: "upstream-${l}@tool=get_weather" }`,
    `  think-${l}: { provider: up-${l}, upstream_model: "upstream-${l}@think", reasoning: true }`,
  ]);
  gw = await startGateway({
    yaml: (mock) => sixProtocolYaml(mock).replace("models:\n", `models:\n${models.join("\n")}\n`),
    env: LANE_ENV,
    runtime: { fetch: recordingFetch },
  });
});
afterAll(() => gw.stop());

const TOOL_OA = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const TOOL_RS = { type: "function" as const, name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } }, strict: false };
const TOOL_AN = { name: "get_weather", input_schema: { type: "object" as const, properties: { city: { type: "string" } } } };

/** The id the lane's upstream issued for its tool call in the last recorded exchange. */
function upstreamToolId(lane: Lane): string {
  const body = JSON.parse(exchanges.at(-1)!.response);
  switch (lane) {
    case "openai": return body.choices[0].message.tool_calls[0].id;
    case "responses": return body.output.find((o: { type: string }) => o.type === "function_call").call_id;
    case "anthropic": return body.content.find((b: { type: string }) => b.type === "tool_use").id;
  }
}

/** The tool-result id the lane's upstream received on the last recorded request. */
function sentToolResultId(lane: Lane): string {
  const body = JSON.parse(exchanges.at(-1)!.request);
  switch (lane) {
    case "openai": return body.messages.find((m: { role: string }) => m.role === "tool").tool_call_id;
    case "responses": return body.input.find((i: { type: string }) => i.type === "function_call_output").call_id;
    case "anthropic": return body.messages.at(-1).content.find((b: { type: string }) => b.type === "tool_result").tool_use_id;
  }
}

const oa = () => new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
const an = () => new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });

describe.each(LANES)("%s lane", (lane) => {
  test("openai chat caller: tool call, streamed accumulation, and the tool loop", async () => {
    const first = await oa().chat.completions.create({ model: `tool-${lane}`, tools: [TOOL_OA], messages: [{ role: "user", content: "weather?" }] });
    const issued = upstreamToolId(lane);
    const call = first.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("not a function call");
    const streamed = await oa().chat.completions.stream({ model: `tool-${lane}`, tools: [TOOL_OA], messages: [{ role: "user", content: "weather?" }] }).finalChatCompletion();
    const sCall = streamed.choices[0]!.message.tool_calls![0]!;
    await oa().chat.completions.create({
      model: `tool-${lane}`, tools: [TOOL_OA],
      messages: [{ role: "user", content: "weather?" }, first.choices[0]!.message, { role: "tool", tool_call_id: call.id, content: "18C" }],
    });
    expect({
      name: call.function.name, args: JSON.parse(call.function.arguments), idPrefix: call.id.slice(0, 5), finish: first.choices[0]!.finish_reason,
      streamed: sCall.type === "function" ? JSON.parse(sCall.function.arguments) : null,
      upstreamSawItsId: sentToolResultId(lane) === issued,
    }).toEqual({ name: "get_weather", args: ARGS, idPrefix: "call_", finish: "tool_calls", streamed: ARGS, upstreamSawItsId: true });
  });

  test("openai responses caller: function call, streamed accumulation, and the tool loop", async () => {
    const first = await oa().responses.create({ model: `tool-${lane}`, tools: [TOOL_RS], input: "weather?" });
    const issued = upstreamToolId(lane);
    const call = first.output.find((o) => o.type === "function_call");
    if (call?.type !== "function_call") throw new Error("no function call");
    const streamed = await oa().responses.stream({ model: `tool-${lane}`, tools: [TOOL_RS], input: "weather?" }).finalResponse();
    const sCall = streamed.output.find((o) => o.type === "function_call");
    await oa().responses.create({
      model: `tool-${lane}`, tools: [TOOL_RS],
      input: [{ role: "user", content: "weather?" }, { type: "function_call", call_id: call.call_id, name: call.name, arguments: call.arguments }, { type: "function_call_output", call_id: call.call_id, output: "18C" }],
    });
    expect({
      name: call.name, args: JSON.parse(call.arguments), idPrefix: call.call_id.slice(0, 5),
      streamed: sCall?.type === "function_call" ? JSON.parse(sCall.arguments) : null,
      upstreamSawItsId: sentToolResultId(lane) === issued,
    }).toEqual({ name: "get_weather", args: ARGS, idPrefix: "call_", streamed: ARGS, upstreamSawItsId: true });
  });

  test("anthropic caller: tool_use, streamed accumulation, and the tool loop", async () => {
    const first = await an().messages.create({ model: `tool-${lane}`, max_tokens: 256, tools: [TOOL_AN], messages: [{ role: "user", content: "weather?" }] });
    const issued = upstreamToolId(lane);
    const use = first.content.find((b) => b.type === "tool_use");
    if (use?.type !== "tool_use") throw new Error("no tool_use");
    const streamed = await an().messages.stream({ model: `tool-${lane}`, max_tokens: 256, tools: [TOOL_AN], messages: [{ role: "user", content: "weather?" }] }).finalMessage();
    const sUse = streamed.content.find((b) => b.type === "tool_use");
    await an().messages.create({
      model: `tool-${lane}`, max_tokens: 256, tools: [TOOL_AN],
      messages: [{ role: "user", content: "weather?" }, { role: "assistant", content: first.content }, { role: "user", content: [{ type: "tool_result", tool_use_id: use.id, content: "18C" }] }],
    });
    expect({
      name: use.name, input: use.input, idPrefix: use.id.slice(0, 6), stop: first.stop_reason,
      streamed: sUse?.type === "tool_use" ? sUse.input : null,
      upstreamSawItsId: sentToolResultId(lane) === issued,
    }).toEqual({ name: "get_weather", input: ARGS, idPrefix: "toolu_", stop: "tool_use", streamed: ARGS, upstreamSawItsId: true });
  });
});

describe("thinking and signature provenance", () => {
  test("a Responses signature reaches an Anthropic caller wrapped, and returns to the Responses lane unwrapped", async () => {
    const first = await an().messages.create({ model: "think-responses", max_tokens: 2048, messages: [{ role: "user", content: "hi" }] });
    const thinking = first.content.find((b) => b.type === "thinking");
    if (thinking?.type !== "thinking") throw new Error("no thinking block");
    await an().messages.create({
      model: "think-responses", max_tokens: 2048,
      messages: [{ role: "user", content: "hi" }, { role: "assistant", content: first.content }, { role: "user", content: "and?" }],
    });
    const replayed = JSON.parse(exchanges.at(-1)!.request).input.find((i: { type: string }) => i.type === "reasoning");
    expect({
      text: thinking.thinking,
      signature: Buffer.from(thinking.signature, "base64").toString(),
      replayed: replayed?.encrypted_content,
    }).toEqual({ text: "Let me think.", signature: "bbs1:responses:sig-responses-1", replayed: "sig-responses-1" });
  });

  test("signed thinking in history never reaches an OpenAI lane; the drop is reported in x-busbar-dropped", async () => {
    const viaAnthropic = await an().messages.create({ model: "think-anthropic", max_tokens: 2048, messages: [{ role: "user", content: "hi" }] });
    const r2 = await an().messages.create({
      model: "pool-openai", max_tokens: 64,
      messages: [{ role: "user", content: "hi" }, { role: "assistant", content: viaAnthropic.content }, { role: "user", content: "and?" }],
    }).withResponse();
    const sent = JSON.parse(exchanges.at(-1)!.request);
    expect({
      leaked: JSON.stringify(sent).includes("sig-anthropic-1"),
      dropped: r2.response.headers.get("x-busbar-dropped")?.includes("messages[1].content[0]") ?? false,
    }).toEqual({ leaked: false, dropped: true });
  });
});
