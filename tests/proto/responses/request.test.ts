// Responses requests ↔ IR (protocols.md §6, §10.3, §10.4): golden fixtures both ways, plus the small mappings.
import { describe, expect, test } from "bun:test";
import type { Drop } from "../../../src/ir/ledger.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrRequest } from "../../../src/ir/request.ts";
import type { EgressOptions, JsonObject } from "../../../src/proto/codec.ts";
import { responsesCodec as codec } from "../../../src/proto/responses/codec.ts";
import { cases, json, text } from "./golden.ts";

function read(body: JsonObject, raw = JSON.stringify(body)): { ir: IrRequest; drops: Drop[] } {
  const ledger = new Ledger();
  const ir = codec.readRequest(body, { raw, ledger });
  return { ir, drops: ledger.drops };
}

const LANE: EgressOptions = { model: "gpt-4.1", stream: false, defaultMaxTokens: 4096, reasoning: true, promptCaching: false };

function write(ir: IrRequest, lane: EgressOptions = LANE): { body: JsonObject; drops: Drop[] } {
  const ledger = new Ledger();
  const body = codec.writeRequest(ir, lane, ledger);
  return { body, drops: ledger.drops };
}

function irOf(over: Partial<IrRequest>): IrRequest {
  return { system: [], messages: [{ role: "user", content: [{ kind: "text", text: "hi" }] }], tools: [], stop: [], stream: false, extra: { source: "openai", fields: {} }, ...over };
}

describe("read: native fixtures → IR", () => {
  for (const name of cases("request-read", ".native.json")) {
    test(name, () => {
      const raw = text(`request-read/${name}.native.json`);
      expect(read(JSON.parse(raw), raw)).toEqual(json(`request-read/${name}.ir.json`));
    });
  }

  test("a seed beyond 2^53 keeps its lexeme in extra and is written back exactly", () => {
    const raw = text("request-read/extra.native.json");
    const { ir } = read(JSON.parse(raw), raw);
    expect(JSON.stringify(ir.extra.fields.seed)).toBe("9007199254740993");
    expect(JSON.stringify(write(ir).body.seed)).toBe("9007199254740993");
  });

  test("tool_choice variants", () => {
    const choice = (tool_choice: unknown) => {
      const { ir } = read({ model: "m", input: "x", tool_choice });
      return { toolChoice: ir.toolChoice, extra: ir.extra.fields.tool_choice };
    };
    expect([choice("auto"), choice("none"), choice("required"), choice({ type: "function", name: "f" }), choice({ type: "allowed_tools", mode: "auto", tools: [] })]).toEqual([
      { toolChoice: "auto", extra: undefined },
      { toolChoice: "none", extra: undefined },
      { toolChoice: "required", extra: undefined },
      { toolChoice: { tool: "f" }, extra: undefined },
      { toolChoice: undefined, extra: { type: "allowed_tools", mode: "auto", tools: [] } },
    ]);
  });

  test("text.format variants and reasoning words (§6.5, §10.3)", () => {
    const fmt = (format: unknown) => read({ model: "m", input: "x", text: { format } }).ir.responseFormat;
    expect([fmt({ type: "text" }), fmt({ type: "json_object" }), fmt({ type: "json_schema", name: "n", schema: { type: "object" } })]).toEqual([
      { json: false }, { json: true }, { json: true, name: "n", schema: { type: "object" } },
    ]);
    const effort = (e: unknown) => read({ model: "m", input: "x", reasoning: { effort: e } });
    expect(["minimal", "low", "medium", "high", "xhigh", null].map((e) => { const r = effort(e); return [r.ir.reasoning, r.drops]; })).toEqual([
      [{ effort: "minimal" }, []], [{ effort: "low" }, []], [{ effort: "medium" }, []], [{ effort: "high" }, []],
      [undefined, [{ field: "reasoning.effort", reason: "no_target_analog" }]], [undefined, []],
    ]);
  });

  test("a malformed shape is rejected (the seam answers 400)", () => {
    expect(() => read({ model: "m", input: [{ type: "function_call", name: "f" }] })).toThrow();
    expect(() => read({ model: "m", input: [{ role: "user", content: [{ type: "input_text", text: 5 }] }] })).toThrow();
    expect(() => read({ model: "m", temperature: "hot" })).toThrow();
    expect(() => read({ model: "m", input: [{ role: "bot", content: "x" }] })).toThrow();
    expect(() => read({ model: "m", input: [{ role: "user", content: 5 }] })).toThrow();
    expect(() => read({ model: "m", input: [{ type: "function_call_output", call_id: "c", output: { text: "x" } }] })).toThrow();
  });

  test("parts without an IR form are recorded at their native path, in messages and in function outputs", () => {
    const { ir, drops } = read({ model: "m", input: [
      { role: "user", content: [{ type: "input_text", text: "a", prompt_cache_breakpoint: { mode: "explicit" } }, { type: "input_audio", input_audio: {} }] },
      { type: "function_call_output", call_id: "c", output: [{ type: "input_text", text: "b" }, { type: "input_image", detail: "auto" }] },
      { type: "item_reference", id: "msg_1" },
    ] });
    expect({ messages: ir.messages, drops }).toEqual({
      messages: [
        { role: "user", content: [{ kind: "text", text: "a" }] },
        { role: "tool", content: [{ kind: "tool_result", toolUseId: "c", content: [{ kind: "text", text: "b" }], isError: false }] },
      ],
      drops: [
        { field: "input[0].content[0].prompt_cache_breakpoint", reason: "no_target_analog" },
        { field: "input[0].content[1]", reason: "no_target_analog" },
        { field: "input[1].output[1]", reason: "no_target_analog" },
        { field: "input[2]", reason: "no_target_analog" },
      ],
    });
  });
});

describe("write: IR → native fixtures", () => {
  for (const name of cases("request-write", ".in.json")) {
    test(name, () => {
      const { lane, ir } = json<{ lane: EgressOptions; ir: IrRequest }>(`request-write/${name}.in.json`);
      expect(write(ir, lane)).toEqual(json(`request-write/${name}.out.json`));
    });
  }

  test("reasoning: budgets map to the largest word reached, dynamic → medium, minimal → low; gated by the lane", () => {
    const word = (reasoning: IrRequest["reasoning"]) => write(irOf({ reasoning })).body.reasoning;
    expect([word({ budget: 500 }), word({ budget: 4096 }), word({ budget: 8191 }), word({ budget: 8192 }), word({ budget: 20000 }), word("dynamic"), word({ effort: "minimal" }), word({ effort: "high" })]).toEqual([
      { effort: "low" }, { effort: "low" }, { effort: "low" }, { effort: "medium" }, { effort: "high" }, { effort: "medium" }, { effort: "low" }, { effort: "high" },
    ]);
    expect(write(irOf({ reasoning: { effort: "high" } }), { ...LANE, reasoning: false })).toEqual({
      body: { model: "gpt-4.1", input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }] },
      drops: [{ field: "reasoning", reason: "capability_gate" }],
    });
  });

  test("absence is preserved: a bare IR writes only model and input", () => {
    expect(write(irOf({}))).toEqual({ body: { model: "gpt-4.1", input: [{ type: "message", role: "user", content: [{ type: "input_text", text: "hi" }] }] }, drops: [] });
  });
});

describe("round trip: Responses → IR → Responses", () => {
  test("a canonical request (typed items, calls, outputs, hosted tool, own extras) comes back as sent", () => {
    const native = {
      model: "gpt-4.1",
      instructions: "Be brief.",
      input: [
        { type: "message", role: "user", content: [{ type: "input_text", text: "Weather?" }, { type: "input_image", image_url: "https://example.com/sky.png", detail: "auto" }] },
        { type: "reasoning", summary: [{ type: "summary_text", text: "Call the tool." }], encrypted_content: "gAAAAABenc==" },
        { type: "function_call", call_id: "call_1", name: "get_weather", arguments: "{\"city\": \"Paris\"}" },
        { type: "function_call", call_id: "call_2", name: "get_weather", arguments: "{\"city\":\"Rome\"}" },
        { type: "function_call_output", call_id: "call_1", output: "18°C" },
        { type: "function_call_output", call_id: "call_2", output: [{ type: "input_text", text: "22°C" }, { type: "input_file", filename: "r.pdf", file_data: "data:application/pdf;base64,JVBERi0=" }] },
        { type: "message", role: "assistant", content: [{ type: "output_text", text: "Paris 18°C, Rome 22°C." }] },
      ],
      tools: [{ type: "function", name: "get_weather", description: "Weather", parameters: { type: "object" }, strict: false }, { type: "web_search_preview" }],
      tool_choice: { type: "function", name: "get_weather" },
      parallel_tool_calls: true,
      max_output_tokens: 300,
      temperature: 0.2,
      top_p: 0.5,
      text: { format: { type: "json_schema", name: "w", schema: { type: "object" }, strict: true } },
      reasoning: { effort: "high" },
      user: "u",
      stream: true,
      previous_response_id: "resp_x",
      store: false,
    };
    const raw = JSON.stringify(native);
    const { ir, drops } = read(native, raw);
    expect(drops).toEqual([]);
    expect(write(ir, { ...LANE, stream: true })).toEqual({ body: native, drops: [] });
  });
});
