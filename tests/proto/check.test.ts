// The fast guard in front of valibot must never change an outcome: for every schema kind it compiles, and for
// valid and invalid values alike, `parse` returns what `v.parse` returns or throws what it throws.
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { parse } from "../../src/proto/check.ts";
import { Request as OpenAiRequest } from "../../src/proto/openai/wire.ts";
import { Response as AnthropicResponse } from "../../src/proto/anthropic/wire.ts";

function outcome(f: () => unknown): { ok: true; value: unknown } | { ok: false; message: string } {
  try {
    return { ok: true, value: f() };
  } catch (e) {
    return { ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

function agrees(schema: v.GenericSchema, value: unknown): void {
  const fast = outcome(() => parse(schema, value));
  const slow = outcome(() => v.parse(schema, value));
  expect(fast).toEqual(slow);
}

const Block = v.variant("type", [
  v.looseObject({ type: v.literal("text"), text: v.string() }),
  v.looseObject({ type: v.literal("image"), url: v.nullish(v.string()) }),
]);
const schemas: Record<string, v.GenericSchema> = {
  loose: v.looseObject({ a: v.string(), b: v.optional(v.number()), c: v.nullish(v.boolean()), d: v.unknown() }),
  closed: v.object({ a: v.string(), b: v.optional(v.picklist(["x", "y"])) }),
  nested: v.looseObject({ items: v.array(Block), n: v.nullable(v.number()) }),
  union: v.union([v.string(), v.array(v.string())]),
  custom: v.looseObject({ list: v.custom<unknown[]>(Array.isArray, "list please") }),
  // Not compilable: the guard must hand these to valibot, whose output differs from the input.
  defaulted: v.looseObject({ a: v.optional(v.string(), "dflt") }),
  piped: v.looseObject({ a: v.pipe(v.string(), v.transform((s) => s.toUpperCase())) }),
  fallback: v.looseObject({ a: v.fallback(v.string(), "fb") }),
};
const values: unknown[] = [
  { a: "s", b: 1, c: null, d: [1], extra: true }, { a: "s" }, { a: 1 }, { b: 1 }, { a: "s", b: "1" }, { a: "s", b: NaN },
  { a: "s", b: "x" }, { a: "s", b: "z" }, { a: "s", other: 1 },
  { items: [{ type: "text", text: "t" }, { type: "image", url: null }], n: null }, { items: [{ type: "text" }], n: 1 },
  { items: [{ type: "video" }], n: 1 }, { items: "no", n: 1 }, { items: [], n: undefined },
  "str", ["a", "b"], ["a", 1], [], null, undefined, 42, { list: [1] }, { list: {} },
];

describe("parse agrees with v.parse", () => {
  for (const [name, schema] of Object.entries(schemas)) {
    test(name, () => {
      for (const value of values) agrees(schema, value);
    });
  }

  test("a valid value compiles to the input itself (no copy)", () => {
    const value = { a: "s", b: 1, d: null };
    expect(parse(schemas.loose!, value)).toBe(value as never);
  });

  test("a defaulted or transformed entry still gets valibot's output", () => {
    expect(parse(schemas.defaulted!, {})).toEqual({ a: "dflt" });
    expect(parse(schemas.piped!, { a: "x" })).toEqual({ a: "X" });
    expect(parse(schemas.fallback!, { a: 1 })).toEqual({ a: "fb" });
  });

  test("the real wire schemas", () => {
    const requests: unknown[] = [
      { model: "m", messages: [{ role: "user", content: "hi" }], temperature: 0.2, stop: ["x"], tools: [{ type: "function", function: { name: "f" } }] },
      { model: "m", messages: "nope" },
      { model: "m", messages: [], stop: 3 },
      { model: "m", messages: [], response_format: { type: "json_schema", json_schema: { name: "n", schema: {} } } },
      { model: "m", messages: [], response_format: { type: "bogus" } },
    ];
    for (const r of requests) agrees(OpenAiRequest, r);
    const responses: unknown[] = [
      { model: "c", content: [{ type: "text", text: "t" }], stop_reason: "end_turn", usage: { input_tokens: 1, output_tokens: 2 } },
      { model: "c", content: [{ type: "tool_use", id: "t", name: "f", input: {} }], stop_reason: null },
      { model: "c", content: "x" },
      { content: [{ type: "text", text: 5 }] },
    ];
    for (const r of responses) agrees(AnthropicResponse, r);
  });
});
