// Translation I end to end: the openai SDK (chat and responses) and @anthropic-ai/sdk reach lanes of the other
// two protocols, streaming and not, through the real gateway and the mock upstream. The SDK's parsed result
// must carry exactly what the lane's upstream said.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (mock) => sixProtocolYaml(mock), env: LANE_ENV });
});
afterAll(() => gw.stop());

const PROMPT = "hi there";
const expectedText = (lane: string) => `Hello from the busbar demo upstream (${lane}). You said: ${PROMPT}`;

interface Seen { text: string; outputTokens: number | undefined; laneProtocol: string | undefined; laneModel: string | undefined }

function lastSeen(): Pick<Seen, "laneProtocol" | "laneModel"> {
  const r = gw.mock.requests.at(-1);
  return { laneProtocol: r?.protocol, laneModel: r?.model };
}

const callers: Record<string, (pool: string, stream: boolean) => Promise<Seen>> = {
  async openai(pool, stream) {
    const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    if (!stream) {
      const r = await client.chat.completions.create({ model: pool, messages: [{ role: "user", content: PROMPT }] });
      return { text: r.choices[0]?.message.content ?? "", outputTokens: r.usage?.completion_tokens, ...lastSeen() };
    }
    const s = await client.chat.completions.create({ model: pool, stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: PROMPT }] });
    let text = "";
    let outputTokens: number | undefined;
    for await (const c of s) {
      text += c.choices[0]?.delta.content ?? "";
      if (c.usage) outputTokens = c.usage.completion_tokens;
    }
    return { text, outputTokens, ...lastSeen() };
  },
  async responses(pool, stream) {
    const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const r = stream
      ? await client.responses.stream({ model: pool, input: PROMPT }).finalResponse()
      : await client.responses.create({ model: pool, input: PROMPT });
    return { text: r.output_text, outputTokens: r.usage?.output_tokens, ...lastSeen() };
  },
  async anthropic(pool, stream) {
    const client = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });
    const params = { model: pool, max_tokens: 256, messages: [{ role: "user" as const, content: PROMPT }] };
    const m = stream ? await client.messages.stream(params).finalMessage() : await client.messages.create(params);
    const first = m.content[0];
    return { text: first?.type === "text" ? first.text : "", outputTokens: m.usage.output_tokens, ...lastSeen() };
  },
};

const LANES = { openai: "upstream-openai", responses: "upstream-responses", anthropic: "upstream-anthropic" } as const;

for (const caller of Object.keys(callers)) {
  describe(`${caller} SDK`, () => {
    for (const [lane, model] of Object.entries(LANES)) {
      if (lane === caller) continue;
      for (const stream of [false, true]) {
        test(`→ ${lane} lane, ${stream ? "streaming" : "non-streaming"}`, async () => {
          const seen = await callers[caller]!(`pool-${lane}`, stream);
          const text = expectedText(lane);
          expect(seen).toEqual({ text, outputTokens: Math.ceil(text.length / 4), laneProtocol: lane, laneModel: model });
        });
      }
    }
  });
}
