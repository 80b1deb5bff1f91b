// Anthropic responses (protocols.md §7): upstream body → IR → the body an Anthropic caller gets, with seeded ids.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import { anthropicCodec } from "../../../src/proto/anthropic/codec.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";

const DIR = join(import.meta.dir, "../../golden/anthropic/responses");
const ctx = (): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent: false,
});

describe("response read + write: golden fixtures", () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith(".json"));
  test("fixtures present", () => expect(files.sort()).toEqual(["cached-usage.json", "server-tools.json", "text.json", "thinking.json", "tool-use.json"]));
  for (const f of files) {
    test(f.replace(/\.json$/, ""), () => {
      const c = JSON.parse(readFileSync(join(DIR, f), "utf8"));
      const ledger = new Ledger();
      const ir = anthropicCodec.readResponse(c.native, ledger);
      expect(ir).toEqual(c.ir);
      expect(ledger.drops).toEqual(c.drops);
      const out = new Ledger();
      expect(anthropicCodec.writeResponse(ir, ctx(), out)).toEqual(c.written);
      expect(out.drops).toEqual([]);
    });
  }
});

describe("stop reasons (§7.2): read, then written back into the Anthropic enum", () => {
  const rows: [string | null, IrResponse["stopReason"], string][] = [
    ["end_turn", "end_turn", "end_turn"],
    ["max_tokens", "max_tokens", "max_tokens"],
    ["stop_sequence", "stop_sequence", "stop_sequence"],
    ["tool_use", "tool_use", "tool_use"],
    ["pause_turn", "pause_turn", "pause_turn"],
    ["refusal", "refusal", "refusal"],
    ["model_context_window_exceeded", "max_tokens", "max_tokens"],
    ["something_new", "other", "end_turn"],
    [null, undefined, "end_turn"],
  ];
  for (const [wire, irStop, written] of rows) {
    test(String(wire), () => {
      const body = { id: "msg_x", type: "message", role: "assistant", model: "m", content: [], stop_reason: wire, stop_sequence: null, usage: { input_tokens: 1, output_tokens: 1 } };
      const ir = anthropicCodec.readResponse(body, new Ledger());
      expect(ir.stopReason).toBe(irStop);
      expect(anthropicCodec.writeResponse(ir, ctx(), new Ledger()).stop_reason).toBe(written);
    });
  }
  test("IR-only reasons map into the enum: safety, error → end_turn", () => {
    for (const stopReason of ["safety", "error"] as const) {
      const ir: IrResponse = { content: [], stopReason, usage: { input: 0, output: 0 }, logprobs: [] };
      expect(anthropicCodec.writeResponse(ir, ctx(), new Ledger()).stop_reason).toBe("end_turn");
    }
  });
});

test("a foreign response written for an Anthropic caller: wrapped signatures, nearest citations, recorded drops", () => {
  const ir: IrResponse = {
    content: [
      { kind: "thinking", text: "t" },
      { kind: "thinking", text: "g", signature: { value: "gsig", origin: "gemini" } },
      { kind: "text", text: "x", citations: [
        { uri: "https://g", title: "G", startIndex: 0, endIndex: 1, origin: "gemini", raw: {} },
        { startIndex: 2, endIndex: 5, origin: "gemini", raw: {} },
      ] },
      { kind: "image", source: { kind: "url", url: "https://i" } },
      { kind: "json", value: { a: 1 } },
      { kind: "tool_use", id: "toolu_bb1Y2FsbF8x", name: "f", input: { a: 1 }, inputText: '{"a": 1}' },
    ],
    stopReason: "safety",
    stopSequence: "ignored",
    usage: { input: 5, output: 7, reasoning: 2 },
    logprobs: [{ token: "x", logprob: -0.1 }],
  };
  const ledger = new Ledger();
  expect(anthropicCodec.writeResponse(ir, ctx(), ledger)).toEqual({
    id: "msg_01000000000000000000000001", type: "message", role: "assistant", model: "ctx-model",
    content: [
      { type: "thinking", thinking: "t", signature: "" },
      { type: "thinking", thinking: "g", signature: "YmJzMTpnZW1pbmk6Z3NpZw==" },
      { type: "text", text: "x", citations: [
        { type: "web_search_result_location", cited_text: "", url: "https://g", title: "G", encrypted_index: "" },
        { type: "char_location", cited_text: "", document_index: 0, document_title: null, start_char_index: 2, end_char_index: 5, file_id: null },
      ] },
      { type: "text", text: '{"a":1}' },
      { type: "tool_use", id: "toolu_bb1Y2FsbF8x", name: "f", input: { a: 1 } },
    ],
    stop_reason: "end_turn", stop_sequence: null,
    usage: { input_tokens: 5, cache_creation_input_tokens: 0, cache_read_input_tokens: 0, output_tokens: 7, output_tokens_details: { thinking_tokens: 2 } },
  });
  expect(ledger.drops).toEqual([
    { field: "content[3]", reason: "no_target_analog" },
    { field: "logprobs", reason: "no_target_analog" },
  ]);
});

test("a written thinking block comes back to the IR with its origin (the caller hands back wrapped signatures)", () => {
  const ir: IrResponse = {
    content: [{ kind: "thinking", text: "g", signature: { value: "gsig", origin: "gemini" } }, { kind: "redacted_thinking", data: "r", origin: "bedrock" }],
    usage: { input: 0, output: 0 }, logprobs: [],
  };
  const written = anthropicCodec.writeResponse(ir, ctx(), new Ledger());
  const body = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "q" }, { role: "assistant", content: written.content }] };
  const back = anthropicCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() });
  expect(back.messages[1]).toEqual({ role: "assistant", content: ir.content });
});
