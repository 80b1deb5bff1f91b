import { describe, expect, test } from "bun:test";
import { setTopLevel, topLevelValueRanges } from "../../src/proto/splice.ts";

describe("setTopLevel", () => {
  test("replaces only the model value, keeping every other byte", () => {
    const body = '{ "messages" : [{"role":"user","content":"say \\"model\\": no"}],\n  "model":"caller-pool" ,"temperature":0.10}';
    expect(setTopLevel(body, "model", '"claude-x"')).toBe(
      '{ "messages" : [{"role":"user","content":"say \\"model\\": no"}],\n  "model":"claude-x" ,"temperature":0.10}',
    );
  });

  test("ignores nested keys named model and replaces duplicates at the top level", () => {
    const body = '{"tools":[{"model":"inner"}],"model":"a","x":{"model":"b"},"model":"c"}';
    const out = setTopLevel(body, "model", '"m"');
    expect(out).toBe('{"tools":[{"model":"inner"}],"model":"m","x":{"model":"b"},"model":"m"}');
    expect(JSON.parse(out).model).toBe("m");
  });

  test("inserts the key first when absent, in empty and non-empty objects", () => {
    expect(setTopLevel('{"a":1}', "model", '"m"')).toBe('{"model":"m","a":1}');
    expect(setTopLevel("  { }", "model", '"m"')).toBe('  {"model":"m" }');
  });

  test("finds a key spelled with escapes, as JSON.parse does", () => {
    const body = '{"mod\\u0065l":"x","n":[1,{"a":"}"}]}';
    expect(JSON.parse(setTopLevel(body, "model", '"y"'))).toEqual({ model: "y", n: [1, { a: "}" }] });
  });

  test("value ranges cover numbers, literals, strings with escaped quotes and nested arrays", () => {
    const body = '{"a":-1.5e3,"b":true,"c":"q\\"}","d":[[1],[2]],"e":null}';
    const spans = ["a", "b", "c", "d", "e"].map((k) => topLevelValueRanges(body, k).map(([s, e]) => body.slice(s, e)));
    expect(spans).toEqual([["-1.5e3"], ["true"], ['"q\\"}"'], ["[[1],[2]]"], ["null"]]);
  });
});

test("escaped quotes and runs of backslashes end strings exactly where JSON.parse says", () => {
  for (const v of ['a\\"b', "a\\\\", "\\\\\\\"x", '"', "\\", "é\\\"😀\\\\"]) {
    const body = JSON.stringify({ before: v, model: "old", after: [v, { model: v }] });
    const out = setTopLevel(body, "model", '"new"');
    expect(JSON.parse(out)).toEqual({ before: v, model: "new", after: [v, { model: v }] });
  }
});
