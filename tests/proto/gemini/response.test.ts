// Gemini responses (protocols.md §5.3, §7): upstream body → IR → the body a Gemini caller gets, with seeded ids.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { geminiCodec } from "../../../src/proto/gemini/codec.ts";

const DIR = join(import.meta.dir, "../../golden/gemini/responses");
const ctx = (): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent: false,
});

describe("response read + write: golden fixtures", () => {
  const cases = readdirSync(DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length)).sort();
  test("fixtures present", () => expect(cases).toEqual([
    "blocked-prompt", "cached-usage", "citations-logprobs", "malformed-call", "safety", "text", "thinking", "tool-calls",
  ]));
  for (const name of cases) {
    test(name, () => {
      const native = JSON.parse(readFileSync(join(DIR, `${name}.native.json`), "utf8"));
      const want = JSON.parse(readFileSync(join(DIR, `${name}.ir.json`), "utf8"));
      const ledger = new Ledger();
      const ir = geminiCodec.readResponse(native, ledger);
      expect({ ir, drops: ledger.drops }).toEqual({ ir: want.ir, drops: want.drops });
      const out = new Ledger();
      expect(geminiCodec.writeResponse(ir, ctx(), out)).toEqual(want.written);
      expect(out.drops).toEqual(want.writtenDrops);
    });
  }
});

describe("finish reasons (§7.2): read, then written back into the Gemini enum", () => {
  const rows: [string | undefined, boolean, IrResponse["stopReason"], string][] = [
    ["STOP", false, "end_turn", "STOP"],
    ["STOP", true, "tool_use", "STOP"],
    ["MAX_TOKENS", false, "max_tokens", "MAX_TOKENS"],
    ["SAFETY", false, "safety", "SAFETY"],
    ["RECITATION", false, "safety", "SAFETY"],
    ["PROHIBITED_CONTENT", false, "safety", "SAFETY"],
    ["SPII", false, "safety", "SAFETY"],
    ["BLOCKLIST", false, "safety", "SAFETY"],
    ["IMAGE_SAFETY", false, "safety", "SAFETY"],
    ["MALFORMED_FUNCTION_CALL", false, "error", "OTHER"],
    ["OTHER", false, "other", "OTHER"],
    ["LANGUAGE", false, "other", "OTHER"],
    ["SOMETHING_NEW", false, "other", "OTHER"],
    [undefined, false, undefined, "STOP"],
  ];
  for (const [wire, calls, irStop, written] of rows) {
    test(`${wire}${calls ? " with functionCall parts" : ""}`, () => {
      const parts = calls ? [{ functionCall: { name: "f", args: {} } }] : [{ text: "x" }];
      const body = { candidates: [{ content: { parts, role: "model" }, ...(wire !== undefined && { finishReason: wire }), index: 0 }] };
      const ir = geminiCodec.readResponse(body, new Ledger());
      const out = geminiCodec.writeResponse(ir, ctx(), new Ledger()) as { candidates: { finishReason: string }[] };
      expect({ stop: ir.stopReason, written: out.candidates[0]!.finishReason }).toEqual({ stop: irStop, written });
    });
  }
  test("IR-only reasons map into the enum", () => {
    const rows2 = (["end_turn", "stop_sequence", "tool_use", "max_tokens", "safety", "refusal", "pause_turn", "error", "other"] as const).map((stopReason) => {
      const out = geminiCodec.writeResponse({ content: [], stopReason, usage: { input: 0, output: 0 }, logprobs: [] }, ctx(), new Ledger()) as { candidates: { finishReason: string }[] };
      return out.candidates[0]!.finishReason;
    });
    expect(rows2).toEqual(["STOP", "STOP", "STOP", "MAX_TOKENS", "SAFETY", "OTHER", "OTHER", "OTHER", "OTHER"]);
  });
});

test("usage (§5.3): cache reads and writes fold into promptTokenCount; thoughts apart; cached > prompt saturates", () => {
  const u = (usage: IrResponse["usage"]) => geminiCodec.writeResponse({ content: [], usage, logprobs: [] }, ctx(), new Ledger()).usageMetadata;
  expect(u({ input: 10, output: 7, cacheRead: 5, cacheWrite: 3, reasoning: 2 })).toEqual({
    promptTokenCount: 18, candidatesTokenCount: 5, totalTokenCount: 25, cachedContentTokenCount: 5, thoughtsTokenCount: 2,
  });
  const ir = geminiCodec.readResponse({ usageMetadata: { promptTokenCount: 3, cachedContentTokenCount: 9, candidatesTokenCount: 1, toolUsePromptTokenCount: 4 } }, new Ledger());
  expect(ir.usage).toEqual({ input: 4, output: 1, cacheRead: 9 });
});

test("a foreign response written for a Gemini caller: wrapped signatures, neutral citations, recorded drops", () => {
  const ir: IrResponse = {
    content: [
      { kind: "thinking", text: "t", signature: { value: "EqQB", origin: "anthropic" } },
      { kind: "redacted_thinking", data: "r", origin: "bedrock" },
      { kind: "text", text: "See [1].", citations: [
        { startIndex: 4, endIndex: 7, uri: "https://a", title: "A", citedText: "x", origin: "anthropic", raw: { type: "web_search_result_location" } },
      ] },
      { kind: "json", value: { a: 1 } },
      { kind: "document", source: { kind: "url", url: "https://d" } },
      { kind: "tool_use", id: "toolu_01A", name: "f", input: { a: 1 }, inputText: '{"a": 1}' },
      { kind: "tool_use", id: "call_2", name: "g", input: { b: 2 }, signature: { value: "fc-sig", origin: "gemini" } },
    ],
    stopReason: "tool_use",
    usage: { input: 5, output: 7 },
    model: "claude-sonnet-4-5",
    logprobs: [{ token: "x", logprob: -0.5, top: [{ token: "x", logprob: -0.5 }, { token: "y", logprob: -1 }] }],
  };
  const ledger = new Ledger();
  expect(geminiCodec.writeResponse(ir, ctx(), ledger)).toEqual({
    candidates: [{
      content: {
        parts: [
          { text: "t", thought: true, thoughtSignature: Buffer.from("bbs1:anthropic:EqQB").toString("base64") },
          { text: "See [1]." },
          { text: '{"a":1}' },
          { functionCall: { id: "toolu_01A", name: "f", args: { a: 1 } } },
          { functionCall: { id: "call_2", name: "g", args: { b: 2 } }, thoughtSignature: Buffer.from("bbs1:gemini:fc-sig").toString("base64") },
        ],
        role: "model",
      },
      finishReason: "STOP",
      index: 0,
      citationMetadata: { citationSources: [{ startIndex: 4, endIndex: 7, uri: "https://a", title: "A" }] },
      logprobsResult: {
        topCandidates: [{ candidates: [{ token: "x", logProbability: -0.5 }, { token: "y", logProbability: -1 }] }],
        chosenCandidates: [{ token: "x", logProbability: -0.5 }],
      },
    }],
    usageMetadata: { promptTokenCount: 5, candidatesTokenCount: 7, totalTokenCount: 12 },
    modelVersion: "claude-sonnet-4-5",
    responseId: "0000000000000001",
  });
  expect(ledger.drops).toEqual([
    { field: "content[1]", reason: "no_target_analog" },
    { field: "content[4]", reason: "no_target_analog" },
  ]);
});

test("a written model turn comes back as request history: ids kept, signatures unwrapped with their issuer", () => {
  const ir: IrResponse = {
    content: [
      { kind: "thinking", text: "g", signature: { value: "sig-an", origin: "anthropic" } },
      { kind: "text", text: "calling" },
      { kind: "tool_use", id: "toolu_01A", name: "f", input: { a: 1 } },
    ],
    usage: { input: 0, output: 0 }, logprobs: [],
  };
  const written = geminiCodec.writeResponse(ir, ctx(), new Ledger()) as { candidates: { content: unknown }[] };
  const body = { contents: [{ role: "user", parts: [{ text: "q" }] }, written.candidates[0]!.content, { role: "user", parts: [{ functionResponse: { name: "f", response: { output: "ok" } } }] }] };
  const back = geminiCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() });
  expect(back.messages.slice(1)).toEqual([
    { role: "assistant", content: ir.content },
    { role: "tool", content: [{ kind: "tool_result", toolUseId: "toolu_01A", content: [{ kind: "text", text: "ok" }], isError: false }] },
  ]);
});
