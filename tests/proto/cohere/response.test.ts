// Cohere v2 chat responses (protocols.md §7): upstream body → IR → the body a Cohere caller gets, with seeded
// ids; stop reasons both ways; and the official SDK parsing the written body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { CohereClientV2 } from "cohere-ai";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { cohereCodec } from "../../../src/proto/cohere/codec.ts";

const DIR = join(import.meta.dir, "../../golden/cohere/responses");
const ctx = (reasoningContent = true): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent,
});
const load = (f: string): unknown => JSON.parse(readFileSync(join(DIR, f), "utf8"));

describe("response read + write: golden fixtures", () => {
  const cases = readdirSync(DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length)).sort();
  test("fixtures present", () => expect(cases).toEqual(["billed-only", "cached-usage", "citations", "text", "thinking", "tool-calls"]));
  for (const name of cases) {
    test(name, () => {
      const want = load(`${name}.ir.json`) as { ir: unknown; drops: unknown; written: unknown; writtenDrops: unknown };
      const ledger = new Ledger();
      const ir = cohereCodec.readResponse(load(`${name}.native.json`) as never, ledger);
      const out = new Ledger();
      const written = cohereCodec.writeResponse(ir, ctx(), out);
      expect({ ir, drops: ledger.drops, written, writtenDrops: out.drops }).toEqual(want as never);
    });
  }
});

describe("stop reasons (§7.2): read, then written back into the v2 enum", () => {
  const rows: [string | null, IrResponse["stopReason"], string][] = [
    ["COMPLETE", "end_turn", "COMPLETE"],
    ["STOP_SEQUENCE", "stop_sequence", "STOP_SEQUENCE"],
    ["MAX_TOKENS", "max_tokens", "MAX_TOKENS"],
    ["TOOL_CALL", "tool_use", "TOOL_CALL"],
    ["ERROR", "error", "ERROR"],
    ["TIMEOUT", "error", "ERROR"],
    ["ERROR_TOXIC", "safety", "ERROR"],
    ["ERROR_LIMIT", "max_tokens", "MAX_TOKENS"],
    ["USER_CANCEL", "other", "COMPLETE"],
    [null, undefined, "COMPLETE"],
  ];
  for (const [wire, irStop, written] of rows) {
    test(String(wire), () => {
      const body = { id: "x", finish_reason: wire, message: { role: "assistant", content: [] } };
      const ir = cohereCodec.readResponse(body, new Ledger());
      expect([ir.stopReason, cohereCodec.writeResponse(ir, ctx(), new Ledger()).finish_reason]).toEqual([irStop, written]);
    });
  }
  test("IR-only reasons map into the enum (§7.2 write table)", () => {
    const got = (["refusal", "pause_turn", "safety", "other"] as const).map((stopReason) =>
      cohereCodec.writeResponse({ content: [], stopReason, usage: { input: 0, output: 0 }, logprobs: [] }, ctx(), new Ledger()).finish_reason);
    expect(got).toEqual(["COMPLETE", "COMPLETE", "ERROR", "COMPLETE"]);
  });
});

test("a foreign response for a Cohere caller: plan before calls, text after, recorded drops, cache folded into input", () => {
  const ir: IrResponse = {
    content: [
      { kind: "thinking", text: "t", signature: { value: "s", origin: "anthropic" } },
      { kind: "redacted_thinking", data: "r", origin: "anthropic" },
      { kind: "text", text: "Let me look.", citations: [{ origin: "gemini", raw: {} }] },
      { kind: "tool_use", id: "toolu_bb1Y2FsbF8x", name: "f", input: { a: 1 } },
      { kind: "json", value: { done: true } },
      { kind: "image", source: { kind: "url", url: "https://i" } },
    ],
    stopReason: "tool_use",
    usage: { input: 5, output: 7, cacheRead: 10, cacheWrite: 3, reasoning: 2 },
    model: "claude-x",
    logprobs: [{ token: "x", logprob: -0.1 }],
  };
  const ledger = new Ledger();
  expect(cohereCodec.writeResponse(ir, ctx(false), ledger)).toEqual({
    id: "00000000-0000-4000-8000-000000000001",
    finish_reason: "TOOL_CALL",
    message: {
      role: "assistant",
      content: [{ type: "text", text: '{"done":true}' }],
      tool_plan: "Let me look.",
      tool_calls: [{ id: "toolu_bb1Y2FsbF8x", type: "function", function: { name: "f", arguments: '{"a":1}' } }],
    },
    usage: { billed_units: { input_tokens: 18, output_tokens: 7 }, tokens: { input_tokens: 18, output_tokens: 7 }, cached_tokens: 10 },
  });
  expect(ledger.drops).toEqual([
    { field: "content[0]", reason: "no_target_analog" },
    { field: "content[1]", reason: "no_target_analog" },
    { field: "content[2].citations", reason: "no_target_analog" },
    { field: "content[5]", reason: "no_target_analog" },
    { field: "logprobs", reason: "no_target_analog" },
  ]);
});

test("thinking reaches the caller only with the opt-in, and never its signature", () => {
  const ir: IrResponse = { content: [{ kind: "thinking", text: "t", signature: { value: "s", origin: "gemini" } }], usage: { input: 0, output: 0 }, logprobs: [] };
  const ledger = new Ledger();
  expect(cohereCodec.writeResponse(ir, ctx(true), ledger).message).toEqual({ role: "assistant", content: [{ type: "thinking", thinking: "t" }] });
  expect(ledger.drops).toEqual([{ field: "content[0].signature", reason: "no_target_analog" }]);
});

describe("the official SDK parses the written body", () => {
  let server: ReturnType<typeof Bun.serve>;
  let body = "";
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(body, { headers: { "content-type": "application/json" } }) });
  });
  afterAll(() => server.stop(true));

  test("chat(): tool plan, tool calls, finish reason and usage", async () => {
    const ir = cohereCodec.readResponse(load("tool-calls.native.json") as never, new Ledger());
    body = JSON.stringify(cohereCodec.writeResponse(ir, ctx(), new Ledger()));
    const client = new CohereClientV2({ token: "t", environment: `http://127.0.0.1:${server.port}` });
    const r = await client.chat({ model: "pool", messages: [{ role: "user", content: "hi" }] });
    expect({ finish: r.finishReason, plan: r.message.toolPlan, calls: r.message.toolCalls, usage: r.usage }).toEqual({
      finish: "TOOL_CALL",
      plan: "I will search for the weather in Madrid and Brasilia.",
      calls: [
        { id: "get_weather_1byjy32y4hvq", type: "function", function: { name: "get_weather", arguments: '{"location":"Madrid"}' } },
        { id: "get_weather_e5qa0v2axbhs", type: "function", function: { name: "get_weather", arguments: '{"location": "Brasilia", "unit": "C"}' } },
      ],
      usage: { billedUnits: { inputTokens: 1398, outputTokens: 87 }, tokens: { inputTokens: 1398, outputTokens: 87 } },
    });
  });

  test("chat(): text", async () => {
    const ir = cohereCodec.readResponse(load("text.native.json") as never, new Ledger());
    body = JSON.stringify(cohereCodec.writeResponse(ir, ctx(), new Ledger()));
    const client = new CohereClientV2({ token: "t", environment: `http://127.0.0.1:${server.port}` });
    const r = await client.chat({ model: "pool", messages: [{ role: "user", content: "hi" }] });
    expect({ id: r.id, finish: r.finishReason, content: r.message.content }).toEqual({
      id: "00000000-0000-4000-8000-000000000001", finish: "COMPLETE", content: [{ type: "text", text: "LLMs are naïve 😀 pattern machines." }],
    });
  });
});
