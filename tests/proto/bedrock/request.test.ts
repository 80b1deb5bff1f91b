// Bedrock Converse request codec against golden fixtures (protocols.md §6, §10.3 via D4, §10.4): native → IR,
// IR → native, with the ledger asserted exactly.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";
import type { EgressOptions } from "../../../src/proto/codec.ts";

const GOLDEN = join(import.meta.dir, "../../golden/bedrock");
const json = (path: string): unknown => JSON.parse(readFileSync(path, "utf8"));
/** JSON-normalises a value (the fixtures are JSON), so a raw-lexeme number compares as the parsed fixture does. */
const plain = (x: unknown): unknown => JSON.parse(JSON.stringify(x));
const LANE: EgressOptions = { model: "lane-model", stream: false, defaultMaxTokens: 4096, reasoning: true, promptCaching: true };

const READ_DIR = join(GOLDEN, "requests");
const READ_CASES = readdirSync(READ_DIR).filter((f) => f.endsWith(".native.json")).map((f) => f.slice(0, -".native.json".length));

interface ReadCase { ir: unknown; drops: unknown; written: unknown; writtenDrops: unknown }

describe("request read: native fixture → IR", () => {
  test("every fixture has its expectation", () => {
    expect(READ_CASES.sort()).toEqual(["media", "multi-turn-system", "plain-text", "structured-output", "system-cache", "thinking", "tool-loop", "unknown-fields"]);
  });
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ledger = new Ledger();
      const ir = bedrockCodec.readRequest(JSON.parse(raw), { raw, ledger });
      expect(plain(ir)).toEqual(want.ir);
      expect(ledger.drops).toEqual(want.drops as never);
    });
  }
});

describe("request write: the read IR back to Converse (a Bedrock-sourced IR keeps its own extras)", () => {
  for (const name of READ_CASES) {
    test(name, () => {
      const raw = readFileSync(join(READ_DIR, `${name}.native.json`), "utf8");
      const want = json(join(READ_DIR, `${name}.ir.json`)) as ReadCase;
      const ir = bedrockCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
      const ledger = new Ledger();
      expect(plain(bedrockCodec.writeRequest(ir, LANE, ledger))).toEqual(want.written);
      expect(ledger.drops).toEqual(want.writtenDrops as never);
    });
  }
});

test("a seed beyond 2^53 keeps its exact lexeme in extra, both ways", () => {
  const raw = readFileSync(join(READ_DIR, "unknown-fields.native.json"), "utf8");
  const ir = bedrockCodec.readRequest(JSON.parse(raw), { raw, ledger: new Ledger() });
  expect(JSON.stringify(ir.extra.fields.seed)).toBe("9007199254740993");
  expect(JSON.stringify(bedrockCodec.writeRequest(ir, LANE, new Ledger()))).toContain('"seed":9007199254740993}');
});

describe("request write: foreign IR → Converse", () => {
  const dir = join(GOLDEN, "request-write");
  const cases = readdirSync(dir).filter((f) => f.endsWith(".json"));
  test("fixtures present", () => expect(cases.length).toBe(9));
  for (const file of cases) {
    test(file.replace(/\.json$/, ""), () => {
      const c = json(join(dir, file)) as { lane: EgressOptions; ir: IrRequest; native: unknown; drops: unknown };
      const ledger = new Ledger();
      const out = bedrockCodec.writeRequest(c.ir, c.lane, ledger);
      expect(plain(out)).toEqual(c.native);
      expect(ledger.drops).toEqual(c.drops as never);
      // The URL carries the model and the stream switch (protocols.md §1).
      expect({ model: "model" in out, stream: "stream" in out }).toEqual({ model: false, stream: false });
    });
  }
});

describe("toolChoice ↔ IR toolChoice (§6.4)", () => {
  const base = { messages: [{ role: "user", content: [{ text: "x" }] }] };
  const tools = [{ toolSpec: { name: "f", inputSchema: { json: { type: "object" } } } }];
  const rows: [unknown, IrRequest["toolChoice"]][] = [
    [{ auto: {} }, "auto"],
    [{ any: {} }, "required"],
    [{ tool: { name: "f" } }, { tool: "f" }],
  ];
  for (const [wire, want] of rows) {
    test(JSON.stringify(wire), () => {
      const body = { ...base, toolConfig: { tools, toolChoice: wire } };
      const ledger = new Ledger();
      const ir = bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
      expect(ir.toolChoice).toEqual(want);
      const out = bedrockCodec.writeRequest(ir, { ...LANE, reasoning: false }, ledger);
      expect(out.toolConfig).toEqual({ tools, toolChoice: wire });
      expect(ledger.drops).toEqual([]);
    });
  }
  test("an unknown toolChoice member is recorded, not carried", () => {
    const body = { ...base, toolConfig: { tools, toolChoice: { sometimes: {} } } };
    const ledger = new Ledger();
    const ir = bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
    expect(ir.toolChoice).toBeUndefined();
    expect(ledger.drops).toEqual([{ field: "toolConfig.toolChoice", reason: "no_target_analog" }]);
  });
});

describe("additionalModelRequestFields.thinking (§10.3 read, Claude's shape)", () => {
  const rows: [unknown, IrRequest["reasoning"], unknown[]][] = [
    [{ type: "enabled", budget_tokens: 2048 }, { budget: 2048 }, []],
    [{ type: "adaptive" }, "dynamic", []],
    [{ type: "disabled" }, undefined, []],
    [{ type: "sometimes" }, undefined, [{ field: "additionalModelRequestFields.thinking", reason: "no_target_analog" }]],
    ["on", undefined, [{ field: "additionalModelRequestFields.thinking", reason: "no_target_analog" }]],
  ];
  for (const [thinking, want, drops] of rows) {
    test(JSON.stringify(thinking), () => {
      const body = { messages: [{ role: "user", content: [{ text: "x" }] }], additionalModelRequestFields: { thinking } };
      const ledger = new Ledger();
      const ir = bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger });
      expect({ reasoning: ir.reasoning, extra: ir.extra.fields }).toEqual({ reasoning: want, extra: {} });
      expect(ledger.drops).toEqual(drops as never);
    });
  }
});

test("a stray system-role message joins the system prompt; an empty user turn stays a turn", () => {
  const body = { messages: [{ role: "system", content: [{ text: "s" }] }, { role: "user", content: [] }] };
  const ir = bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() });
  expect({ system: ir.system, messages: ir.messages }).toEqual({ system: [{ kind: "text", text: "s" }], messages: [{ role: "user", content: [] }] });
  expect(bedrockCodec.writeRequest(ir, LANE, new Ledger())).toEqual({ messages: [{ role: "user", content: [{ text: "" }] }], system: [{ text: "s" }] });
});

test("a malformed request is rejected at the edge", () => {
  const body = { messages: [{ role: "user", content: [{ toolUse: { toolUseId: 5, name: "f", input: {} } }] }] };
  expect(() => bedrockCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() })).toThrow();
});
