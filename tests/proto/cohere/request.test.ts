// Cohere v2 chat request codec against golden fixtures (protocols.md §6, §10.3): native → IR, IR → native, and
// foreign IR → native, with the ledger asserted exactly.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type Drop, Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import type { EgressOptions, JsonObject } from "../../../src/proto/codec.ts";
import { cohereCodec } from "../../../src/proto/cohere/codec.ts";

const GOLDEN = join(import.meta.dir, "../../golden/cohere");
const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
/** JSON-normalises a value (the fixtures are JSON), so a raw-lexeme number compares as the parsed fixture does. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));

const READ_DIR = join(GOLDEN, "requests");
const READ_CASES = readdirSync(READ_DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length)).sort();
const LANE = (stream: boolean): EgressOptions => ({ model: "lane-model", stream, defaultMaxTokens: 4096, reasoning: false, promptCaching: false });

interface ReadCase { ir: unknown; drops: Drop[]; written: unknown; writtenDrops: Drop[] }

function read(body: JsonObject, ledger = new Ledger()): IrRequest {
  return cohereCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
}

/** A fresh IR with only the given fields set. */
function ir(fields: Partial<IrRequest>): IrRequest {
  return { system: [], messages: [{ role: "user", content: [{ kind: "text", text: "hi" }] }], tools: [], stop: [], stream: false, extra: { source: "openai", fields: {} }, ...fields };
}

describe("request read: native fixture → IR", () => {
  test("every fixture has its expectation", () => {
    expect(READ_CASES).toEqual([
      "images", "json-object", "multi-turn", "plain-text", "stop-seed", "structured-output", "system-prompt", "tool-loop", "unknown-fields",
    ]);
  });
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ledger = new Ledger();
      const got = cohereCodec.readRequest(JSON.parse(raw), { raw, ledger });
      expect({ ir: plain(got), drops: ledger.drops }).toEqual({ ir: want.ir, drops: want.drops });
    });
  }
});

describe("request write: the read IR back to Cohere", () => {
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const native = JSON.parse(raw);
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const got = cohereCodec.readRequest(native, { raw, ledger: new Ledger() });
      const ledger = new Ledger();
      expect({ body: plain(cohereCodec.writeRequest(got, LANE(native.stream === true), ledger)), drops: ledger.drops })
        .toEqual({ body: want.written, drops: want.writtenDrops });
    });
  }
});

describe("request write: foreign IR → Cohere", () => {
  const dir = join(GOLDEN, "request-write");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".json")).sort();
  test("fixtures present", () => expect(cases).toEqual(["foreign-full.json", "reasoning-gate.json"]));
  for (const file of cases) {
    test(file.replace(/\.json$/, ""), () => {
      const c = json(join(dir, file)) as { lane: EgressOptions; ir: IrRequest; native: unknown; drops: Drop[] };
      const ledger = new Ledger();
      expect({ body: plain(cohereCodec.writeRequest(c.ir, c.lane, ledger)), drops: ledger.drops }).toEqual({ body: c.native, drops: c.drops });
    });
  }
});

describe("exact numbers", () => {
  test("a seed beyond 2^53 is carried by lexeme and written byte-exact; unknown big integers too", () => {
    const raw = readFileSync(join(READ_DIR, "stop-seed.native.json"), "utf8");
    const got = cohereCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
    expect(got.seed).toEqual({ lexeme: "9007199254740993" });
    expect(JSON.stringify(cohereCodec.writeRequest(got, LANE(false), new Ledger()))).toContain(`"seed":9007199254740993}`);
    const raw2 = readFileSync(join(READ_DIR, "unknown-fields.native.json"), "utf8");
    const got2 = cohereCodec.readRequest(JSON.parse(raw2), { raw: raw2, ledger: new Ledger() });
    expect(JSON.stringify(cohereCodec.writeRequest(got2, LANE(false), new Ledger()))).toContain(`"x_big":9007199254740993`);
  });
});

describe("tool_choice (§6.4 CO)", () => {
  const tools = [{ type: "function", function: { name: "f", parameters: { type: "object" } } }];
  const rows: [string, IrRequest["toolChoice"]][] = [["NONE", "none"], ["REQUIRED", "required"]];
  for (const [wire, want] of rows) {
    test(`${wire} reads as ${want} and writes back`, () => {
      const ledger = new Ledger();
      const got = read({ model: "m", messages: [{ role: "user", content: "x" }], tools, tool_choice: wire }, ledger);
      expect(got.toolChoice).toBe(want);
      expect(cohereCodec.writeRequest(got, LANE(false), ledger).tool_choice).toBe(wire);
      expect(ledger.drops).toEqual([]);
    });
  }
  test("auto is omitted; a forced tool degrades to REQUIRED, recorded; parallel calls only when switched off", () => {
    const t = [{ name: "f", schema: {} }];
    const write = (fields: Partial<IrRequest>) => {
      const ledger = new Ledger();
      const out = cohereCodec.writeRequest(ir({ tools: t, ...fields }), LANE(false), ledger);
      return { tool_choice: out.tool_choice, drops: ledger.drops };
    };
    expect(write({ toolChoice: "auto", parallelToolCalls: true })).toEqual({ tool_choice: undefined, drops: [] });
    expect(write({ toolChoice: { tool: "f" }, parallelToolCalls: false })).toEqual({
      tool_choice: "REQUIRED",
      drops: [{ field: "tool_choice", reason: "no_target_analog" }, { field: "parallel_tool_calls", reason: "no_target_analog" }],
    });
  });
});

describe("structured output and ranges", () => {
  test("json false writes {type:text}; with tools the format is dropped (the v2 API takes not both)", () => {
    expect(cohereCodec.writeRequest(ir({ responseFormat: { json: false } }), LANE(false), new Ledger()).response_format).toEqual({ type: "text" });
    const ledger = new Ledger();
    const out = cohereCodec.writeRequest(ir({ responseFormat: { json: true }, tools: [{ name: "f", schema: {} }] }), LANE(false), ledger);
    expect({ rf: out.response_format, drops: ledger.drops }).toEqual({ rf: undefined, drops: [{ field: "response_format", reason: "no_target_analog" }] });
  });

  test("in-range numbers are exact; the low ends clamp too", () => {
    const ledger = new Ledger();
    const out = cohereCodec.writeRequest(ir({ temperature: 0.7, topP: 0.95, topK: 0, frequencyPenalty: 0.3, presencePenalty: 0 }), LANE(false), ledger);
    expect([out.temperature, out.p, out.k, out.frequency_penalty, out.presence_penalty, ledger.drops]).toEqual([0.7, 0.95, 0, 0.3, 0, []]);
    const low = new Ledger();
    const out2 = cohereCodec.writeRequest(ir({ temperature: -1, topP: 0 }), LANE(false), low);
    expect([out2.temperature, out2.p, low.drops]).toEqual([0, 0.01, [{ field: "temperature", reason: "clamped" }, { field: "top_p", reason: "clamped" }]]);
  });

  test("a response_format type Cohere lacks is recorded, not carried", () => {
    const ledger = new Ledger();
    const got = read({ model: "m", messages: [], response_format: { type: "json_schema" } }, ledger);
    expect({ rf: got.responseFormat, drops: ledger.drops }).toEqual({ rf: undefined, drops: [{ field: "response_format", reason: "no_target_analog" }] });
  });
});

test("strict_tools: false marks each tool non-strict; a mixed set cannot be written and is recorded", () => {
  const got = read({ model: "m", messages: [], tools: [{ type: "function", function: { name: "f", parameters: {} } }], strict_tools: false });
  expect(got.tools).toEqual([{ name: "f", schema: {}, strict: false }]);
  const ledger = new Ledger();
  const out = cohereCodec.writeRequest(ir({ tools: [{ name: "a", schema: {}, strict: true }, { name: "b", schema: {} }] }), LANE(false), ledger);
  expect({ strict: out.strict_tools, drops: ledger.drops }).toEqual({ strict: undefined, drops: [{ field: "tools[0].strict", reason: "no_target_analog" }] });
});

test("a malformed request is rejected at the edge", () => {
  expect(() => read({ model: "m", messages: [{ role: "tool", content: "x" }] })).toThrow("messages[0].tool_call_id");
  expect(() => read({ model: "m", messages: [{ role: "user", content: [{ type: "text", text: 5 }] }] })).toThrow("messages[0].content[0].text");
  expect(() => read({ model: "m", messages: [{ role: "assistant", tool_calls: [{ type: "function" }] }] })).toThrow("messages[0].tool_calls[0]");
  expect(() => read({ model: "m", messages: "hi" })).toThrow();
});
