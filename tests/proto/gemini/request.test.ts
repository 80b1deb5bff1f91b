// Gemini request codec against golden fixtures (protocols.md §6, §6.6, §10.3, §10.4): native → IR, IR → native,
// with the ledger asserted exactly.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Drop, Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import type { EgressOptions, JsonObject } from "../../../src/proto/codec.ts";
import { geminiCodec } from "../../../src/proto/gemini/codec.ts";

const GOLDEN = join(import.meta.dir, "../../golden/gemini");
const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
/** JSON-normalises a value (the fixtures are JSON), so a raw-lexeme number compares as the parsed fixture does. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const LANE: EgressOptions = { model: "lane-model", stream: false, defaultMaxTokens: 4096, reasoning: true, promptCaching: false };

const READ_DIR = join(GOLDEN, "requests");
const READ_CASES = readdirSync(READ_DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length)).sort();

interface ReadCase { ir: unknown; drops: unknown; written: unknown; writtenDrops: unknown }

function read(body: JsonObject, ledger = new Ledger()): IrRequest {
  return geminiCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
}

describe("request read: native fixture → IR", () => {
  test("every fixture has its expectation", () => {
    expect(READ_CASES).toEqual(["media", "multi-turn-system", "plain-text", "structured", "thinking", "tool-loop", "tools", "unknown-fields"]);
  });
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ledger = new Ledger();
      const ir = geminiCodec.readRequest(JSON.parse(raw), { raw, ledger });
      expect(plain(ir)).toEqual(want.ir);
      expect(ledger.drops).toEqual(want.drops as never);
    });
  }
});

describe("request write: the read IR back to Gemini", () => {
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ir = geminiCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
      const ledger = new Ledger();
      expect(plain(geminiCodec.writeRequest(ir, LANE, ledger))).toEqual(want.written);
      expect(ledger.drops).toEqual(want.writtenDrops as never);
    });
  }
});

test("a seed beyond 2^53 inside generationConfig keeps its exact lexeme, both ways", () => {
  const raw = '{"contents":[{"parts":[{"text":"x"}]}],"generationConfig":{"temperature":0.7,"seed":9007199254740993,"topK":3}}';
  const ir = geminiCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
  expect(ir.seed).toEqual({ lexeme: "9007199254740993" });
  const out = JSON.stringify(geminiCodec.writeRequest(ir, LANE, new Ledger()));
  expect(out).toBe('{"contents":[{"role":"user","parts":[{"text":"x"}]}],"generationConfig":{"temperature":0.7,"topK":3,"seed":9007199254740993}}');
});

test("the writer never puts the model or the stream switch in the body (they live in the URL)", () => {
  const ir = read({ contents: [{ role: "user", parts: [{ text: "hi" }] }], model: "models/gemini-x" });
  const out = geminiCodec.writeRequest(ir, { ...LANE, stream: true, model: "gemini-2.5-pro" }, new Ledger());
  expect(out).toEqual({ contents: [{ role: "user", parts: [{ text: "hi" }] }] });
});

describe("request write: foreign IR → Gemini", () => {
  const dir = join(GOLDEN, "request-write");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  test("fixtures present", () => expect(cases).toEqual(["anthropic-continuation.json", "openai-tools.json", "reasoning-gated.json"]));
  for (const file of cases) {
    test(file.replace(/\.json$/, ""), () => {
      const c = json(join(dir, file)) as { lane: EgressOptions; ir: IrRequest; native: unknown; drops: unknown };
      const ledger = new Ledger();
      expect(plain(geminiCodec.writeRequest(c.ir, c.lane, ledger))).toEqual(c.native);
      expect(ledger.drops).toEqual(c.drops as never);
    });
  }
});

describe("toolConfig.functionCallingConfig ↔ toolChoice (§6.4)", () => {
  const base = { contents: [{ role: "user", parts: [{ text: "x" }] }], tools: [{ functionDeclarations: [{ name: "f" }, { name: "g" }] }] };
  const rows: [unknown, IrRequest["toolChoice"], unknown, Drop[]][] = [
    [{ mode: "AUTO" }, "auto", { mode: "AUTO" }, []],
    [{ mode: "NONE" }, "none", { mode: "NONE" }, []],
    [{ mode: "ANY" }, "required", { mode: "ANY" }, []],
    [{ mode: "ANY", allowedFunctionNames: ["g"] }, { tool: "g" }, { mode: "ANY", allowedFunctionNames: ["g"] }, []],
    // Several names read as `required`, recorded (§6.4).
    [{ mode: "ANY", allowedFunctionNames: ["f", "g"] }, "required", { mode: "ANY" }, [{ field: "toolConfig.functionCallingConfig.allowedFunctionNames", reason: "no_target_analog" }]],
    [{ mode: "VALIDATED" }, "auto", { mode: "AUTO" }, [{ field: "toolConfig.functionCallingConfig.mode", reason: "no_target_analog" }]],
    [{ mode: "SOMETIMES" }, undefined, undefined, [{ field: "toolConfig.functionCallingConfig.mode", reason: "no_target_analog" }]],
  ];
  for (const [wire, choice, written, drops] of rows) {
    test(JSON.stringify(wire), () => {
      const ledger = new Ledger();
      const ir = read({ ...base, toolConfig: { functionCallingConfig: wire } }, ledger);
      const out = geminiCodec.writeRequest(ir, LANE, ledger);
      expect({ choice: ir.toolChoice, written: (out.toolConfig as { functionCallingConfig?: unknown } | undefined)?.functionCallingConfig, drops: ledger.drops })
        .toEqual({ choice, written, drops });
    });
  }
});

describe("thinkingConfig → the reasoning ask (§10.3 read) and back", () => {
  const rows: [unknown, IrRequest["reasoning"], unknown][] = [
    [{ thinkingBudget: 6000 }, { budget: 6000 }, { thinkingBudget: 6000, includeThoughts: true }],
    [{ thinkingBudget: -1 }, "dynamic", { thinkingBudget: -1, includeThoughts: true }],
    [{ thinkingBudget: 0 }, undefined, undefined],
    [{ thinkingLevel: "HIGH" }, { effort: "high" }, { thinkingBudget: 16384, includeThoughts: true }],
  ];
  for (const [cfg, ask, written] of rows) {
    test(JSON.stringify(cfg), () => {
      const ir = read({ contents: [{ parts: [{ text: "x" }] }], generationConfig: { thinkingConfig: cfg } });
      const out = geminiCodec.writeRequest(ir, LANE, new Ledger()) as { generationConfig?: { thinkingConfig?: unknown } };
      expect({ ask: ir.reasoning, written: out.generationConfig?.thinkingConfig }).toEqual({ ask, written });
    });
  }
});

test("the n-th functionResponse of a name answers the n-th call of that name in the model turn before it (§6.6)", () => {
  const ir = read({
    contents: [
      { role: "model", parts: [{ functionCall: { name: "f", args: { n: 1 } } }, { functionCall: { name: "g", args: {} } }, { functionCall: { name: "f", args: { n: 2 } } }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { r: 1 } } }, { functionResponse: { name: "f", response: { r: 2 } } }, { functionResponse: { name: "g", response: { r: 3 } } }] },
      { role: "model", parts: [{ functionCall: { name: "f", args: { n: 3 } } }] },
      { role: "user", parts: [{ functionResponse: { name: "f", response: { r: 4 } } }] },
    ],
  });
  const calls = ir.messages.filter((m) => m.role === "assistant").flatMap((m) => m.content.flatMap((b) => (b.kind === "tool_use" ? [b.id] : [])));
  const results = ir.messages.filter((m) => m.role === "tool").flatMap((m) => m.content.flatMap((b) => (b.kind === "tool_result" ? [b.toolUseId] : [])));
  expect(new Set(calls).size).toBe(4);
  expect(results).toEqual([calls[0]!, calls[2]!, calls[1]!, calls[3]!]);
  expect(calls.every((id) => /^call_[0-9a-f]{16}$/.test(id))).toBe(true);
  // Deterministic: the same history reads to the same ids, and the id does not depend on the arguments.
  const one = (args: unknown) => read({ contents: [{ role: "model", parts: [{ functionCall: { name: "f", args } }] }] }).messages[0];
  expect(one({ n: 1 })).toEqual({ role: "assistant", content: [{ kind: "tool_use", id: calls[0]!, name: "f", input: { n: 1 } }] });
  expect((one({ n: 9 })?.content[0] as { id: string }).id).toBe(calls[0]!);
});

test("a malformed request is rejected at the edge", () => {
  expect(() => read({ contents: [{ role: "user", parts: [{ functionCall: { name: 5 } }] }] })).toThrow();
  expect(() => read({ contents: "hi" })).toThrow();
});
