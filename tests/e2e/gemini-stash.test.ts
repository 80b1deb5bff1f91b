// The signature stash end to end (spec README D1): Gemini 3 signs each function call (`thoughtSignature`) and refuses
// a history whose calls lost it; an OpenAI caller has nowhere to keep it. Through the gateway, the OpenAI SDK's
// two-turn tool loop against a Gemini lane works because the gateway re-attaches the signature from its stash; the
// same turn 2 sent to a gateway whose stash is empty is refused with Gemini's 400, in the caller's dialect.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ChatCompletionMessageParam } from "openai/resources/chat/completions";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const MODEL_LINE = '  sig-gemini: { provider: up-gemini, upstream_model: "upstream-gemini@tool=get_weather@require-signatures" }';
const yaml = (mock: string) => sixProtocolYaml(mock).replace("models:\n", `models:\n${MODEL_LINE}\n`);
const TOOL = { type: "function" as const, function: { name: "get_weather", parameters: { type: "object", properties: { city: { type: "string" } } } } };
const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };
const USER: ChatCompletionMessageParam = { role: "user", content: "Weather in Paris?" };

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml, env: LANE_ENV });
});
afterAll(() => gw.stop());

const client = (g: TestGateway) => new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${g.url}/v1`, maxRetries: 0 });

/** Turn 2: the assistant's tool call as the caller received it, and the tool's answer. */
function turnTwo(callId: string): ChatCompletionMessageParam[] {
  return [
    USER,
    { role: "assistant", content: null, tool_calls: [{ id: callId, type: "function", function: { name: "get_weather", arguments: JSON.stringify(ARGS) } }] },
    { role: "tool", tool_call_id: callId, content: "18°C and sunny" },
  ];
}

/** What the Gemini mock received on turn 2: the model turn with its call (signed or not) and the function response. */
function upstreamHistory(g: TestGateway): unknown {
  const body = g.mock.requests.at(-1)?.body as { contents: unknown[] };
  return body.contents.slice(1);
}

const SIGNED_HISTORY = [
  { role: "model", parts: [{ functionCall: { name: "get_weather", args: ARGS }, thoughtSignature: "sig-gemini-fc-1" }] },
  { role: "user", parts: [{ functionResponse: { name: "get_weather", response: { output: "18°C and sunny" } } }] },
];

describe("an OpenAI caller's tool loop on a Gemini lane that requires signatures", () => {
  test("turn 1 non-streamed: turn 2 succeeds, and Gemini sees its own signature back on its call", async () => {
    const first = await client(gw).chat.completions.create({ model: "sig-gemini", tools: [TOOL], messages: [USER] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("not a function call");
    // The caller sees an OpenAI-shaped id and no trace of the signature.
    expect({ id: /^call_bb1[A-Za-z0-9_-]+$/.test(call.id), args: JSON.parse(call.function.arguments), finish: first.choices[0]!.finish_reason })
      .toEqual({ id: true, args: ARGS, finish: "tool_calls" });

    const second = await client(gw).chat.completions.create({ model: "sig-gemini", tools: [TOOL], messages: turnTwo(call.id) });
    expect(second.choices[0]!.finish_reason).toBe("tool_calls");
    expect(upstreamHistory(gw)).toEqual(SIGNED_HISTORY);
  });

  test("turn 1 streamed: the stream's call is stashed too", async () => {
    const first = await client(gw).chat.completions.stream({ model: "sig-gemini", tools: [TOOL], messages: [USER] }).finalChatCompletion();
    const call = first.choices[0]!.message.tool_calls![0]!;
    if (call.type !== "function") throw new Error("not a function call");
    expect(JSON.parse(call.function.arguments)).toEqual(ARGS);

    const second = await client(gw).chat.completions.create({ model: "sig-gemini", tools: [TOOL], messages: turnTwo(call.id) });
    expect(second.choices[0]!.finish_reason).toBe("tool_calls");
    expect(upstreamHistory(gw)).toEqual(SIGNED_HISTORY);
  });

  test("with an empty stash (a fresh gateway) the same turn 2 is refused with Gemini's 400, in OpenAI's dialect", async () => {
    const first = await client(gw).chat.completions.create({ model: "sig-gemini", tools: [TOOL], messages: [USER] });
    const call = first.choices[0]!.message.tool_calls![0]!;
    const fresh = await startGateway({ yaml, env: LANE_ENV });
    try {
      const err = await client(fresh).chat.completions.create({ model: "sig-gemini", tools: [TOOL], messages: turnTwo(call.id) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.BadRequestError);
      expect({ status: (err as InstanceType<typeof OpenAI.BadRequestError>).status, message: (err as Error).message.includes("missing a thought_signature") })
        .toEqual({ status: 400, message: true });
      // The gateway forwarded the history faithfully; only the signature was missing.
      expect(upstreamHistory(fresh)).toEqual([{ ...SIGNED_HISTORY[0], parts: [{ functionCall: { name: "get_weather", args: ARGS } }] }, SIGNED_HISTORY[1]]);
    } finally {
      await fresh.stop();
    }
  });
});
