// Anthropic request codec against golden fixtures (protocols.md §6, §10.3, §10.4): native → IR, IR → native,
// with the ledger asserted exactly.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import { anthropicCodec } from "../../../src/proto/anthropic/codec.ts";
import type { EgressOptions } from "../../../src/proto/codec.ts";

const GOLDEN = join(import.meta.dir, "../../golden/anthropic");
const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
/** JSON-normalises a value (the fixtures are JSON), so a raw-lexeme number compares as the parsed fixture does. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

const READ_DIR = join(GOLDEN, "requests");
const READ_CASES = readdirSync(READ_DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length));

interface ReadCase { ir: unknown; drops: unknown; written: unknown; writtenDrops: unknown }

describe("request read: native fixture → IR", () => {
  test("every fixture has its expectation", () => {
    expect(READ_CASES.sort()).toEqual(["media", "multi-turn-system", "plain-text", "system-cache", "thinking", "tool-loop", "unknown-fields"]);
  });
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ledger = new Ledger();
      const ir = anthropicCodec.readRequest(JSON.parse(raw), { raw, ledger });
      expect(plain(ir)).toEqual(want.ir);
      expect(ledger.drops).toEqual(want.drops as never);
    });
  }
});

describe("request write: the read IR back to Anthropic", () => {
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const native = JSON.parse(raw);
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ir = anthropicCodec.readRequest(native, { raw, ledger: new Ledger() });
      const ledger = new Ledger();
      const lane: EgressOptions = { model: "lane-model", stream: native.stream === true, defaultMaxTokens: 4096, reasoning: true, promptCaching: true };
      expect(plain(anthropicCodec.writeRequest(ir, lane, ledger))).toEqual(want.written);
      expect(ledger.drops).toEqual(want.writtenDrops as never);
    });
  }
});

test("a seed beyond 2^53 keeps its exact lexeme in extra, both ways", () => {
  const raw = readFileSync(join(READ_DIR, "unknown-fields.native.json"), "utf8");
  const ir = anthropicCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
  expect(JSON.stringify(ir.extra.fields.seed)).toBe("9007199254740993");
  const out = anthropicCodec.writeRequest(ir, { model: "m", stream: false, defaultMaxTokens: 4096, reasoning: false, promptCaching: false }, new Ledger());
  expect(JSON.stringify(out)).toContain('"seed":9007199254740993,');
});

describe("request write: foreign IR → Anthropic", () => {
  const dir = join(GOLDEN, "request-write");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".json"));
  test("fixtures present", () => expect(cases.length).toBe(8));
  for (const file of cases) {
    test(file.replace(/\.json$/, ""), () => {
      const c = json(join(dir, file)) as { lane: EgressOptions; ir: IrRequest; native: unknown; drops: unknown };
      const ledger = new Ledger();
      expect(plain(anthropicCodec.writeRequest(c.ir, c.lane, ledger))).toEqual(c.native);
      expect(ledger.drops).toEqual(c.drops as never);
    });
  }
});

describe("tool_choice ↔ toolChoice + parallelToolCalls (NOT disable_parallel_tool_use)", () => {
  const base = { model: "m", max_tokens: 10, messages: [{ role: "user", content: "x" }], tools: [{ name: "f", input_schema: { type: "object" } }] };
  const rows: [unknown, Partial<IrRequest>][] = [
    [{ type: "auto" }, { toolChoice: "auto" }],
    [{ type: "any", disable_parallel_tool_use: false }, { toolChoice: "required", parallelToolCalls: true }],
    [{ type: "tool", name: "f", disable_parallel_tool_use: true }, { toolChoice: { tool: "f" }, parallelToolCalls: false }],
    [{ type: "none" }, { toolChoice: "none" }],
  ];
  for (const [wire, want] of rows) {
    test(JSON.stringify(wire), () => {
      const body = { ...base, tool_choice: wire };
      const ledger = new Ledger();
      const ir = anthropicCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
      expect({ toolChoice: ir.toolChoice, parallelToolCalls: ir.parallelToolCalls }).toEqual({ toolChoice: undefined, parallelToolCalls: undefined, ...want });
      const out = anthropicCodec.writeRequest(ir, { model: "m", stream: false, defaultMaxTokens: 4096, reasoning: false, promptCaching: false }, ledger);
      expect(out.tool_choice).toEqual(wire);
      expect(ledger.drops).toEqual([]);
    });
  }
  test("an unknown tool_choice type is recorded, not carried", () => {
    const body = { ...base, tool_choice: { type: "sometimes" } };
    const ledger = new Ledger();
    const ir = anthropicCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
    expect(ir.toolChoice).toBeUndefined();
    expect(ledger.drops).toEqual([{ field: "tool_choice", reason: "no_target_analog" }]);
  });
});

test("a malformed request is rejected at the edge", () => {
  const body = { model: "m", max_tokens: 10, messages: [{ role: "user", content: [{ type: "tool_use", id: 5 }] }] };
  expect(() => anthropicCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() })).toThrow();
});

