// Chat Completions requests ↔ IR against golden fixtures (tests/golden/openai/request): each native request reads
// to the expected IR and ledger, and that IR writes back to the expected native body and ledger.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import type { EgressOptions, JsonObject } from "../../../src/proto/codec.ts";
import { openaiCodec } from "../../../src/proto/openai/codec.ts";

const DIR = join(import.meta.dir, "../../golden/openai/request");
const load = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), "utf8"));

interface Expect {
  ir: IrRequest;
  readDrops: unknown[];
  lane: EgressOptions;
  written: JsonObject;
  writeDrops: unknown[];
}

const LANE: EgressOptions = { model: "gpt-lane", stream: false, defaultMaxTokens: 4096, reasoning: false, promptCaching: false };

function read(raw: string): { ir: IrRequest; drops: unknown[] } {
  const ledger = new Ledger();
  const ir = openaiCodec.readRequest(JSON.parse(raw) as JsonObject, { raw, ledger });
  return { ir, drops: ledger.drops };
}

function write(ir: IrRequest, lane: EgressOptions = LANE): { body: JsonObject; text: string; drops: unknown[] } {
  const ledger = new Ledger();
  const body = openaiCodec.writeRequest(ir, lane, ledger);
  return { body, text: JSON.stringify(body), drops: ledger.drops };
}

/** A fresh IR with only the given fields set. */
function ir(fields: Partial<IrRequest>): IrRequest {
  return { system: [], messages: [{ role: "user", content: [{ kind: "text", text: "hi" }] }], tools: [], stop: [], stream: false, extra: { source: "anthropic", fields: {} }, ...fields };
}

const cases = readdirSync(DIR).filter((f) => f.endsWith(".req.json")).map((f) => f.slice(0, -".req.json".length)).sort();

describe("golden requests", () => {
  test("every case is present", () => {
    expect(cases).toEqual([
      "images", "multi-turn", "parallel-tool-calls", "plain-text", "reasoning", "stop-seed", "structured-output",
      "system-prompt", "tools", "unknown-fields",
    ]);
  });
  for (const name of cases) {
    const raw = readFileSync(join(DIR, `${name}.req.json`), "utf8");
    const want = load(`${name}.expect.json`) as Expect;
    test(`${name}: native → IR`, () => {
      // Through JSON, as the IR would be logged: RawNumber stays a lexeme, so this is exact.
      const got = read(raw);
      expect({ ir: JSON.parse(JSON.stringify(got.ir)), drops: got.drops }).toEqual({ ir: want.ir, drops: want.readDrops });
    });
    test(`${name}: IR → native`, () => {
      const got = write(want.ir, want.lane);
      expect({ body: JSON.parse(got.text), drops: got.drops }).toEqual({ body: want.written, drops: want.writeDrops });
    });
  }
});

describe("exactness and absence", () => {
  test("a seed beyond 2^53 is carried by lexeme and written byte-exact", () => {
    const raw = readFileSync(join(DIR, "stop-seed.req.json"), "utf8");
    const { ir: got } = read(raw);
    expect(got.seed).toEqual({ lexeme: "9007199254740993" });
    expect(write(got).text).toContain(`"seed":9007199254740993,`);
  });

  test("a later duplicate seed wins, as JSON.parse decides; unknown big integers keep their lexeme too", () => {
    const raw = `{"model":"m","seed":1,"messages":[],"seed":18446744073709551617,"x_big":9007199254740993}`;
    const { ir: got } = read(raw);
    expect(got.seed).toEqual({ lexeme: "18446744073709551617" });
    const text = write({ ...got, extra: { source: "openai", fields: got.extra.fields } }).text;
    expect(text).toBe(`{"model":"gpt-lane","messages":[],"seed":18446744073709551617,"x_big":9007199254740993}`);
  });

  test("stop as a string, an empty string, null; numbers as written", () => {
    const r = (body: string) => read(`{"model":"m","messages":[],${body}}`).ir;
    const none = { source: "openai", fields: {} } as const;
    expect(r(`"stop":"END","temperature":0.7,"top_p":0.95`)).toEqual(ir({ messages: [], stop: ["END"], temperature: 0.7, topP: 0.95, extra: none }));
    expect(r(`"stop":""`).stop).toEqual([]);
    expect(r(`"stop":null,"temperature":null`)).toEqual(ir({ messages: [], extra: none }));
    expect(write(ir({})).body).toEqual({ model: "gpt-lane", messages: [{ role: "user", content: "hi" }] });
  });

  test("a malformed request is rejected at the edge, naming the place", () => {
    const bad = (messages: string) => () => read(`{"model":"m","messages":${messages}}`);
    expect(bad(`"hi"`)).toThrow();
    expect(bad(`["hi"]`)).toThrow("messages[0]: expected a message object with a string role");
    expect(bad(`[{"role":"user","content":[{"type":"text"}]}]`)).toThrow("messages[0].content[0].text: expected a string");
    expect(bad(`[{"role":"user","content":7}]`)).toThrow("messages[0].content: expected a string or an array of parts");
    expect(bad(`[{"role":"tool","content":"x"}]`)).toThrow("messages[0].tool_call_id: expected a string");
    expect(bad(`[{"role":"assistant","tool_calls":[{"id":"c","function":{"name":"f"}}]}]`)).toThrow("messages[0].tool_calls[0].function");
  });

  test("the deprecated function role and unknown roles are recorded, not guessed at", () => {
    const got = read(`{"model":"m","messages":[{"role":"function","name":"f","content":"1"},{"role":"critic","content":"x"},{"role":"user","content":"hi"}]}`);
    expect({ messages: got.ir.messages, drops: got.drops }).toEqual({
      messages: [{ role: "user", content: [{ kind: "text", text: "hi" }] }],
      drops: [{ field: "messages[0]", reason: "no_target_analog" }, { field: "messages[1]", reason: "no_target_analog" }],
    });
  });
});

describe("tool choice", () => {
  const tools = `"tools":[{"type":"function","function":{"name":"f"}}]`;
  for (const [wire, choice] of [
    [`"auto"`, "auto"], [`"none"`, "none"], [`"required"`, "required"],
    [`{"type":"function","function":{"name":"f"}}`, { tool: "f" }],
  ] as const) {
    test(`${wire} ↔ ${JSON.stringify(choice)}`, () => {
      const got = read(`{"model":"m","messages":[],${tools},"tool_choice":${wire}}`);
      expect({ choice: got.ir.toolChoice, drops: got.drops }).toEqual({ choice, drops: [] });
      expect(write(got.ir).body.tool_choice).toEqual(JSON.parse(wire));
    });
  }

  test("tool choice and the parallel switch without tools are dropped and recorded", () => {
    const got = write(ir({ toolChoice: "required", parallelToolCalls: true }));
    expect({ body: got.body, drops: got.drops }).toEqual({
      body: { model: "gpt-lane", messages: [{ role: "user", content: "hi" }] },
      drops: [{ field: "tool_choice", reason: "no_target_analog" }, { field: "parallel_tool_calls", reason: "no_target_analog" }],
    });
  });
});

describe("writing a foreign IR", () => {
  test("Anthropic-shaped IR: signed and unsigned thinking, redacted, cache markers, media, error results, knobs", () => {
    const want = load("write-foreign.expect.json") as Omit<Expect, "ir" | "readDrops">;
    const got = write(load("write-foreign.ir.json") as IrRequest, want.lane);
    expect({ body: got.body, drops: got.drops }).toEqual({ body: want.written, drops: want.writeDrops });
  });

  test("signature origin: thinking signed by openai or anyone else has no Chat Completions request form", () => {
    const got = write(ir({
      messages: [{ role: "assistant", content: [
        { kind: "thinking", text: "a", signature: { value: "s", origin: "openai" } },
        { kind: "thinking", text: "b", signature: { value: "s", origin: "gemini" } },
        { kind: "text", text: "ok" },
      ] }],
    }));
    expect({ body: got.body, drops: got.drops }).toEqual({
      body: { model: "gpt-lane", messages: [{ role: "assistant", content: "ok" }] },
      drops: [{ field: "messages[0].content[0]", reason: "no_target_analog" }, { field: "messages[0].content[1]", reason: "no_target_analog" }],
    });
  });

  test("reasoning gate (§10.3, D6): a reasoning lane gets the word and max_completion_tokens; others neither", () => {
    const reasoningLane = { ...LANE, reasoning: true };
    const words = ([{ effort: "minimal" }, { effort: "high" }, { budget: 500 }, { budget: 6000 }, { budget: 8192 }, { budget: 20000 }, "dynamic"] as const)
      .map((reasoning) => write(ir({ reasoning, maxTokens: 100 }), reasoningLane))
      .map((w) => [w.body.reasoning_effort, w.body.max_completion_tokens, w.body.max_tokens, w.drops.length]);
    expect(words).toEqual([
      ["low", 100, undefined, 0], ["high", 100, undefined, 0], ["low", 100, undefined, 0], ["low", 100, undefined, 0],
      ["medium", 100, undefined, 0], ["high", 100, undefined, 0], ["medium", 100, undefined, 0],
    ]);
    const gated = write(ir({ reasoning: { effort: "high" }, maxTokens: 100 }));
    expect({ body: gated.body, drops: gated.drops }).toEqual({
      body: { model: "gpt-lane", messages: [{ role: "user", content: "hi" }], max_tokens: 100 },
      drops: [{ field: "reasoning", reason: "capability_gate" }],
    });
  });

  test("a Responses caller's shared knobs are honoured; its other fields are recorded", () => {
    const got = write(ir({ extra: { source: "responses", fields: { store: false, metadata: { a: "b" }, previous_response_id: "resp_1", include: ["x"] } } }), { ...LANE, stream: true });
    expect({ body: got.body, drops: got.drops }).toEqual({
      body: {
        model: "gpt-lane", messages: [{ role: "user", content: "hi" }], stream: true, stream_options: { include_usage: true },
        store: false, metadata: { a: "b" },
      },
      drops: [{ field: "extra.previous_response_id", reason: "source_only" }, { field: "extra.include", reason: "source_only" }],
    });
  });

  test("structured output: a schema without a name is named `response`; text stays text", () => {
    expect(write(ir({ responseFormat: { json: true, schema: { type: "object" } } })).body.response_format)
      .toEqual({ type: "json_schema", json_schema: { name: "response", schema: { type: "object" } } });
    expect(write(ir({ responseFormat: { json: false } })).body.response_format).toEqual({ type: "text" });
  });

  test("an empty user turn and an empty tool-free assistant turn get empty text, never an empty array", () => {
    expect(write(ir({ messages: [{ role: "user", content: [] }, { role: "assistant", content: [] }] })).body.messages)
      .toEqual([{ role: "user", content: "" }, { role: "assistant", content: "" }]);
  });
});
