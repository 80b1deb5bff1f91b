// Bedrock Converse responses (protocols.md §7): upstream body → IR → the body a Bedrock caller gets.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";

const DIR = join(import.meta.dir, "../../golden/bedrock/responses");
const ctx = (): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent: false,
});
const json = (f: string) => JSON.parse(readFileSync(join(DIR, f), "utf8"));

describe("response read + write: golden fixtures", () => {
  const cases = readdirSync(DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length));
  test("fixtures present", () => expect(cases.sort()).toEqual(["cached-usage", "empty", "guardrail", "text", "thinking", "tool-use"]));
  for (const name of cases) {
    test(name, () => {
      const want = json(`${name}.ir.json`);
      const ledger = new Ledger();
      const ir = bedrockCodec.readResponse(json(`${name}.native.json`), ledger);
      expect(ir).toEqual(want.ir);
      expect(ledger.drops).toEqual(want.drops);
      const out = new Ledger();
      expect(bedrockCodec.writeResponse(ir, ctx(), out)).toEqual(want.written);
      expect(out.drops).toEqual(want.writtenDrops);
    });
  }
});

describe("stop reasons (§7.2): read, then written back into the Converse enum", () => {
  const rows: [string | undefined, IrResponse["stopReason"], string][] = [
    ["end_turn", "end_turn", "end_turn"],
    ["stop_sequence", "stop_sequence", "stop_sequence"],
    ["max_tokens", "max_tokens", "max_tokens"],
    ["tool_use", "tool_use", "tool_use"],
    ["guardrail_intervened", "safety", "content_filtered"],
    ["content_filtered", "safety", "content_filtered"],
    ["model_context_window_exceeded", "max_tokens", "max_tokens"],
    ["malformed_model_output", "error", "end_turn"],
    ["malformed_tool_use", "error", "end_turn"],
    ["something_new", "other", "end_turn"],
    [undefined, undefined, "end_turn"],
  ];
  for (const [wire, irStop, written] of rows) {
    test(String(wire), () => {
      const body = { output: { message: { role: "assistant", content: [{ text: "x" }] } }, stopReason: wire, usage: { inputTokens: 1, outputTokens: 1, totalTokens: 2 }, metrics: { latencyMs: 1 } };
      const ir = bedrockCodec.readResponse(body, new Ledger());
      expect(ir.stopReason).toBe(irStop);
      expect(bedrockCodec.writeResponse(ir, ctx(), new Ledger()).stopReason).toBe(written);
    });
  }
  test("IR-only reasons map into the enum: refusal, pause_turn → end_turn", () => {
    for (const stopReason of ["refusal", "pause_turn"] as const) {
      const ir: IrResponse = { content: [], stopReason, usage: { input: 0, output: 0 }, logprobs: [] };
      expect(bedrockCodec.writeResponse(ir, ctx(), new Ledger()).stopReason).toBe("end_turn");
    }
  });
});

test("a foreign response written for a Bedrock caller: wrapped signatures, unsigned reasoning, recorded drops", () => {
  const ir: IrResponse = {
    content: [
      { kind: "thinking", text: "t" },
      { kind: "thinking", text: "a", signature: { value: "asig", origin: "anthropic" } },
      { kind: "redacted_thinking", data: "r", origin: "anthropic" },
      { kind: "text", text: "x", citations: [{ uri: "https://g", origin: "gemini", raw: {} }] },
      { kind: "image", source: { kind: "url", url: "https://i" } },
      { kind: "json", value: { a: 1 } },
      { kind: "tool_use", id: "tooluse_bb1Y2FsbF8x", name: "f", input: { a: 1 }, inputText: '{"a": 1}' },
    ],
    stopReason: "tool_use",
    usage: { input: 5, output: 7, cacheRead: 3, reasoning: 2 },
    model: "gpt-4o",
    logprobs: [{ token: "x", logprob: -0.1 }],
  };
  const ledger = new Ledger();
  expect(bedrockCodec.writeResponse(ir, ctx(), ledger)).toEqual({
    output: {
      message: {
        role: "assistant",
        content: [
          { reasoningContent: { reasoningText: { text: "t" } } },
          { reasoningContent: { reasoningText: { text: "a", signature: "YmJzMTphbnRocm9waWM6YXNpZw==" } } },
          { reasoningContent: { redactedContent: "YmJzMTphbnRocm9waWM6cg==" } },
          { text: "x" },
          { text: '{"a":1}' },
          { toolUse: { toolUseId: "tooluse_bb1Y2FsbF8x", name: "f", input: { a: 1 } } },
        ],
      },
    },
    stopReason: "tool_use",
    usage: { inputTokens: 5, outputTokens: 7, totalTokens: 15, cacheReadInputTokens: 3 },
    metrics: { latencyMs: 0 },
  });
  expect(ledger.drops).toEqual([
    { field: "content[3].citations", reason: "no_target_analog" },
    { field: "content[4]", reason: "no_target_analog" },
    { field: "logprobs", reason: "no_target_analog" },
  ]);
});

test("what a Bedrock caller was given comes back to the IR with its origin (callers hand back wrapped signatures)", () => {
  const ir: IrResponse = {
    content: [{ kind: "thinking", text: "g", signature: { value: "gsig", origin: "gemini" } }, { kind: "redacted_thinking", data: "r", origin: "anthropic" }],
    usage: { input: 0, output: 0 }, logprobs: [],
  };
  const written = bedrockCodec.writeResponse(ir, ctx(), new Ledger()) as { output: { message: unknown } };
  const body = { messages: [{ role: "user", content: [{ text: "q" }] }, written.output.message] };
  const back = bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() });
  expect(back.messages[1]).toEqual({ role: "assistant", content: ir.content });
});

test("citationsContent keeps its text; its citations are recorded", () => {
  const body = {
    output: { message: { role: "assistant", content: [{ citationsContent: { content: [{ text: "It is " }, { text: "42." }], citations: [{ title: "Guide" }] } }] } },
    stopReason: "end_turn", usage: { inputTokens: 1, outputTokens: 2, totalTokens: 3 }, metrics: { latencyMs: 1 },
  };
  const ledger = new Ledger();
  expect(bedrockCodec.readResponse(body, ledger).content).toEqual([{ kind: "text", text: "It is 42." }]);
  expect(ledger.drops).toEqual([{ field: "output.message.content[0].citations", reason: "no_target_analog" }]);
});
