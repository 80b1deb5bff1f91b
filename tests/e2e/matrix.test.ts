// The full matrix (issue 5): every caller SDK × every lane protocol, text and tool use, streaming and not,
// through the real gateway and the mock upstream. Same-protocol cells are the reference each cross cell must match.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { GoogleGenAI } from "@google/genai";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import { PROTOCOL_NAMES, type ProtocolName } from "../../src/ir/protocol.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  const tools = PROTOCOL_NAMES.flatMap((p) => [
    `  tool-${p}: { provider: up-${p}, upstream_model: "${p === "bedrock" ? "vendor.model-v1:0" : `upstream-${p}`}@tool=get_weather" }`,
    `  busy-${p}: { provider: up-${p}, upstream_model: "upstream-${p}@status=429@retry-after=7" }`,
  ]);
  gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace("models:\n", `models:\n${tools.join("\n")}\n`), env: LANE_ENV });
});
afterAll(() => gw.stop());

interface Outcome { text: string; call?: { name: string; args: unknown } }
type Driver = (model: string, stream: boolean, tools: boolean) => Promise<Outcome>;
const PROMPT = "hello there";
const SCHEMA = { type: "object", properties: { city: { type: "string" } } };

const drivers: Record<ProtocolName, Driver> = {
  async openai(model, stream, tools) {
    const c = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const params = { model, messages: [{ role: "user" as const, content: PROMPT }], ...(tools && { tools: [{ type: "function" as const, function: { name: "get_weather", parameters: SCHEMA } }] }) };
    const r = stream ? await c.chat.completions.stream(params).finalChatCompletion() : await c.chat.completions.create(params);
    const m = r.choices[0]!.message;
    const tc = m.tool_calls?.[0];
    return { text: m.content ?? "", ...(tc?.type === "function" && { call: { name: tc.function.name, args: JSON.parse(tc.function.arguments) } }) };
  },
  async responses(model, stream, tools) {
    const c = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const params = { model, input: PROMPT, ...(tools && { tools: [{ type: "function" as const, name: "get_weather", parameters: SCHEMA, strict: false }] }) };
    const r = stream ? await c.responses.stream(params).finalResponse() : await c.responses.create(params);
    const fc = r.output.find((o) => o.type === "function_call");
    return { text: r.output_text, ...(fc?.type === "function_call" && { call: { name: fc.name, args: JSON.parse(fc.arguments) } }) };
  },
  async anthropic(model, stream, tools) {
    const c = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const params = { model, max_tokens: 256, messages: [{ role: "user" as const, content: PROMPT }], ...(tools && { tools: [{ name: "get_weather", input_schema: { type: "object" as const, properties: SCHEMA.properties } }] }) };
    const m = stream ? await c.messages.stream(params).finalMessage() : await c.messages.create(params);
    const text = m.content.map((b) => (b.type === "text" ? b.text : "")).join("");
    const use = m.content.find((b) => b.type === "tool_use");
    return { text, ...(use?.type === "tool_use" && { call: { name: use.name, args: use.input } }) };
  },
  async gemini(model, stream, tools) {
    const c = new GoogleGenAI({ apiKey: CALLER_TOKEN, httpOptions: { baseUrl: gw.url } });
    const params = { model, contents: PROMPT, ...(tools && { config: { tools: [{ functionDeclarations: [{ name: "get_weather", parametersJsonSchema: SCHEMA }] }] } }) };
    let text = "";
    let call: Outcome["call"];
    const take = (r: { text?: string; functionCalls?: { name?: string; args?: unknown }[] }) => {
      text += r.text ?? "";
      const fc = r.functionCalls?.[0];
      if (fc !== undefined) call = { name: fc.name ?? "", args: fc.args };
    };
    if (stream) for await (const chunk of await c.models.generateContentStream(params)) take(chunk);
    else take(await c.models.generateContent(params));
    return { text, ...(call && { call }) };
  },
  async bedrock(model, stream, tools) {
    const c = new BedrockRuntimeClient({
      endpoint: gw.url, region: "us-east-1", token: { token: CALLER_TOKEN }, authSchemePreference: ["httpBearerAuth"],
      maxAttempts: 1, requestHandler: new NodeHttpHandler(),
    });
    const input = {
      modelId: model, messages: [{ role: "user" as const, content: [{ text: PROMPT }] }],
      ...(tools && { toolConfig: { tools: [{ toolSpec: { name: "get_weather", inputSchema: { json: SCHEMA } } }] } }),
    };
    if (!stream) {
      const r = await c.send(new ConverseCommand(input));
      const content = r.output?.message?.content ?? [];
      const use = content.find((b) => b.toolUse !== undefined)?.toolUse;
      return { text: content.map((b) => b.text ?? "").join(""), ...(use && { call: { name: use.name ?? "", args: use.input } }) };
    }
    const r = await c.send(new ConverseStreamCommand(input));
    let text = "";
    let name = "";
    let args = "";
    for await (const ev of r.stream ?? []) {
      text += ev.contentBlockDelta?.delta?.text ?? "";
      name ||= ev.contentBlockStart?.start?.toolUse?.name ?? "";
      args += ev.contentBlockDelta?.delta?.toolUse?.input ?? "";
    }
    return { text, ...(name && { call: { name, args: JSON.parse(args) } }) };
  },
  async cohere(model, stream, tools) {
    const c = new CohereClientV2({ token: CALLER_TOKEN, environment: gw.url });
    const params = { model, messages: [{ role: "user" as const, content: PROMPT }], ...(tools && { tools: [{ type: "function" as const, function: { name: "get_weather", parameters: SCHEMA } }] }) };
    if (!stream) {
      const r = await c.chat(params, { maxRetries: 0 });
      const tc = r.message.toolCalls?.[0];
      const text = (r.message.content ?? []).map((p) => (p.type === "text" ? p.text : "")).join("");
      return { text, ...(tc && { call: { name: tc.function?.name ?? "", args: JSON.parse(tc.function?.arguments ?? "{}") } }) };
    }
    let text = "";
    let name = "";
    let args = "";
    for await (const ev of await c.chatStream(params)) {
      if (ev.type === "content-delta") text += ev.delta?.message?.content?.text ?? "";
      if (ev.type === "tool-call-start") name = ev.delta?.message?.toolCalls?.function?.name ?? "";
      if (ev.type === "tool-call-delta") args += ev.delta?.message?.toolCalls?.function?.arguments ?? "";
    }
    return { text, ...(name && { call: { name, args: JSON.parse(args) } }) };
  },
};

const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };

/**
 * An upstream 429 is a transient fault: the lane is benched for its Retry-After and, with no other member, the
 * request gets the exhaustion answer (reliability.md §3, §8.6): each SDK's own "unavailable" error, 503 (529 for
 * Anthropic, protocols D15), whose Retry-After is the lane's remaining bench (7 s).
 */
function unavailable(caller: ProtocolName, e: unknown): string {
  const err = e as { status?: number; statusCode?: number; name?: string; headers?: Headers | Record<string, string>; constructor: { name: string } };
  const ra = (h: unknown) => (h instanceof Headers ? h.get("retry-after") : (h as Record<string, string> | undefined)?.["retry-after"]);
  switch (caller) {
    case "openai": case "responses": case "anthropic": return `${err.constructor.name} ${err.status} retry-after=${ra(err.headers)}`;
    case "gemini": return `${err.constructor.name} ${err.status}`;
    case "bedrock": return `${err.name}`;
    case "cohere": return `${err.constructor.name} ${err.statusCode}`;
  }
}

const UNAVAILABLE: Record<ProtocolName, string> = {
  openai: "InternalServerError 503 retry-after=7",
  responses: "InternalServerError 503 retry-after=7",
  anthropic: "OverloadedError 529 retry-after=7",
  gemini: "ApiError 503",
  bedrock: "ServiceUnavailableException",
  cohere: "ServiceUnavailableError 503",
};

describe.each(PROTOCOL_NAMES)("%s caller", (caller) => {
  test.each(PROTOCOL_NAMES)(`→ %s lane: text and tool use, streaming and not, and a native 'unavailable' error when the lane is rate-limited`, async (lane) => {
    const got = {
      text: await drivers[caller](`pool-${lane}`, false, false),
      textStream: await drivers[caller](`pool-${lane}`, true, false),
      tool: await drivers[caller](`tool-${lane}`, false, true),
      toolStream: await drivers[caller](`tool-${lane}`, true, true),
      unavailable: await drivers[caller](`busy-${lane}`, false, false).then(() => "no error", (e: unknown) => unavailable(caller, e)),
    };
    const text = `Hello from the busbar demo upstream (${lane}). You said: ${PROMPT}`;
    const call = { name: "get_weather", args: ARGS };
    expect(got).toEqual({
      text: { text }, textStream: { text },
      tool: { text: "", call }, toolStream: { text: "", call },
      unavailable: UNAVAILABLE[caller],
    });
  });
});
