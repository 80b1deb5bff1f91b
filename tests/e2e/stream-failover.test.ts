// Streaming failover through the official SDKs (reliability.md §8.3, spec README D2 and the commit window):
// a stream whose first member dies before its first content event is answered in full by the next member, same
// protocol and cross protocol; a stream cut after commit raises the SDK's own error, never a truncated success; a
// commit window wider than the cut point makes the same fault invisible.
import { afterEach, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { zeroJitter } from "../../src/route/breaker.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

type Proto = "openai" | "anthropic";

/** Members a (dies per `fault`) and b (healthy), speaking the given protocols; a is always tried first. */
function yaml(mock: string, a: Proto, b: Proto, fault: string, poolExtra = ""): string {
  return [
    "providers:",
    `  up-openai: { protocol: openai, base_url: "${mock}", auth: none, allow_private_network: true }`,
    `  up-anthropic: { protocol: anthropic, base_url: "${mock}", auth: none, allow_private_network: true }`,
    "models:",
    `  a: { provider: up-${a}, upstream_model: "member-a${fault}" }`,
    `  b: { provider: up-${b}, upstream_model: "member-b" }`,
    "pools:",
    `  p: { members: [ { target: a, weight: 100 }, { target: b } ]${poolExtra} }`,
  ].join("\n");
}

async function openaiStream(url: string): Promise<string> {
  const client = new OpenAI({ apiKey: "x", baseURL: `${url}/v1`, maxRetries: 0 });
  const stream = await client.chat.completions.create({ model: "p", stream: true, messages: [{ role: "user", content: "hi there" }] });
  let text = "";
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
  return text;
}

async function anthropicStream(url: string): Promise<string> {
  const client = new Anthropic({ apiKey: "x", baseURL: url, maxRetries: 0 });
  const stream = client.messages.stream({ model: "p", max_tokens: 64, messages: [{ role: "user", content: "hi there" }] });
  let text = "";
  for await (const ev of stream) if (ev.type === "content_block_delta" && ev.delta.type === "text_delta") text += ev.delta.text;
  return text;
}

const callers: Record<Proto, (url: string) => Promise<string>> = { openai: openaiStream, anthropic: anthropicStream };

/** What a direct, healthy stream from member b reads as through the same caller SDK. */
async function healthyText(caller: Proto, b: Proto): Promise<string> {
  const g = await startGateway({ yaml: (m) => yaml(m, b, b, ""), runtime: { jitter: zeroJitter } });
  try {
    return await callers[caller](g.url);
  } finally {
    await g.stop();
  }
}

const pairs: [Proto, Proto, Proto][] = [
  ["openai", "openai", "openai"],
  ["anthropic", "anthropic", "anthropic"],
  ["openai", "anthropic", "openai"],
  ["anthropic", "openai", "anthropic"],
];

describe("a member that dies before its first content event fails over invisibly", () => {
  for (const [caller, a, b] of pairs) {
    test(`${caller} caller, a=${a} dies, b=${b} serves`, async () => {
      const expected = await healthyText(caller, b);
      gw = await startGateway({ yaml: (m) => yaml(m, a, b, "@abort-after=0"), runtime: { jitter: zeroJitter } });
      const text = await callers[caller](gw.url);
      expect(text).toBe(expected);
      expect(gw.mock.requests.map((r) => r.model)).toEqual(["member-a@abort-after=0", "member-b"]);
    });
  }
});

describe("a stream cut after commit raises the SDK's error", () => {
  for (const [caller, a] of [["openai", "openai"], ["anthropic", "anthropic"], ["openai", "anthropic"], ["anthropic", "openai"]] as [Proto, Proto][]) {
    test(`${caller} caller, ${a} member cut after 4 events`, async () => {
      gw = await startGateway({ yaml: (m) => yaml(m, a, a, "@abort-after=4"), runtime: { jitter: zeroJitter } });
      let error: unknown;
      try {
        await callers[caller](gw.url);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(Error);
      expect(gw.mock.requests.map((r) => r.model)).toEqual(["member-a@abort-after=4"]); // nothing fails over after commit
      const lane = ((await (await fetch(`${gw.url}/stats`)).json()) as any).pool_state.p;
      expect(lane.midstream_failures).toBe(1);
    });
  }
});

test("a commit window wider than the cut point makes the same cut invisible", async () => {
  const expected = await healthyText("openai", "openai");
  gw = await startGateway({ yaml: (m) => yaml(m, "openai", "openai", "@abort-after=4", ", commit_window: { tokens: 1000 }"), runtime: { jitter: zeroJitter } });
  expect(await openaiStream(gw.url)).toBe(expected);
  expect(gw.mock.requests.map((r) => r.model)).toEqual(["member-a@abort-after=4", "member-b"]);
});
