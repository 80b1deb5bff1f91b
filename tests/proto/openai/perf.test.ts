// The translation budget (codec brief): a ~32 KB Chat Completions request reads to the IR and writes back in well
// under 200 µs. Best of several batches, so a noisy neighbour on the VM cannot fail it; measured ~50–90 µs.
import { expect, test } from "bun:test";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { EgressOptions, JsonObject } from "../../../src/proto/codec.ts";
import { openaiCodec } from "../../../src/proto/openai/codec.ts";

function conversation(): string {
  const messages: unknown[] = [{ role: "system", content: "You are a helpful assistant. ".repeat(20) }];
  for (let i = 0; i < 40; i++) {
    const question = "lorem ipsum dolor sit amet ".repeat(12);
    messages.push({
      role: "user",
      content: i % 4 === 0 ? [{ type: "text", text: question }, { type: "image_url", image_url: { url: "https://example.com/x.png" } }] : question,
    });
    messages.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${i}`, type: "function", function: { name: "lookup", arguments: JSON.stringify({ q: "x".repeat(50), i }) } }] });
    messages.push({ role: "tool", tool_call_id: `call_${i}`, content: "result ".repeat(20) });
  }
  const tools = [{ type: "function", function: { name: "lookup", parameters: { type: "object", properties: { q: { type: "string" } } } } }];
  return JSON.stringify({ model: "gpt-4o", messages, temperature: 0.7, seed: 42, tools, stream: true });
}

test("a 32 KB request translates both ways in under 200 µs", () => {
  const raw = conversation();
  const body = JSON.parse(raw) as JsonObject;
  const lane: EgressOptions = { model: "x", stream: true, defaultMaxTokens: 4096, reasoning: false, promptCaching: false };
  const once = () => {
    const ledger = new Ledger();
    openaiCodec.writeRequest(openaiCodec.readRequest(body, { raw, ledger }), lane, ledger);
  };
  for (let i = 0; i < 1000; i++) once(); // warm the JIT
  let best = Infinity;
  for (let batch = 0; batch < 20; batch++) {
    const t = performance.now();
    for (let i = 0; i < 50; i++) once();
    best = Math.min(best, ((performance.now() - t) * 1000) / 50);
  }
  expect(raw.length).toBeGreaterThan(30_000);
  expect(best).toBeLessThan(200);
});
