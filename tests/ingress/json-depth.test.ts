// The nesting guard decides on the text alone (platform.md §4.3 max_json_depth), before any value is built.
import { expect, test } from "bun:test";
import { deeperThan } from "../../src/ingress/json-depth.ts";

const nest = (depth: number, inner = "") => "[".repeat(depth) + inner + "]".repeat(depth);

test("depth is counted exactly at the limit, for arrays and objects alike", () => {
  const objs = (d: number) => '{"a":'.repeat(d - 1) + "{}" + "}".repeat(d - 1);
  expect([
    deeperThan(nest(128), 128), deeperThan(nest(129), 128),
    deeperThan(objs(128), 128), deeperThan(objs(129), 128),
    deeperThan("{}", 1), deeperThan('{"a":[]}', 1),
  ]).toEqual([false, true, false, true, false, true]);
});

test("brackets inside strings, escaped quotes included, are not structure", () => {
  const quoted = JSON.stringify({ s: "[".repeat(500), t: 'say \\"[[[[\\" and "{{{{"', u: "\\" });
  expect(deeperThan(quoted, 3)).toBe(false);
  // The same brackets outside a string would be structure: the escape handling is what keeps them inside.
  expect(deeperThan(`{"t":"a\\\\", "x":${nest(5)}}`, 3)).toBe(true);
});

test("many openers but shallow takes the full scan and passes; deep or unclosed fails fast", () => {
  const wide = JSON.stringify({ messages: Array.from({ length: 1000 }, (_, i) => ({ role: "user", content: [{ type: "text", text: `m${i}` }] })) });
  const t0 = performance.now();
  const deep = deeperThan("[".repeat(100_000), 128);
  const fast = performance.now() - t0;
  expect([deeperThan(wide, 128), deeperThan(wide, 3), deep, deeperThan(nest(100_000), 128)]).toEqual([false, true, true, true]);
  expect(fast).toBeLessThan(50); // it stops at level 129, not at the end of the text
  // Unclosed strings and stray closers do not crash it (the parser rejects them afterwards).
  expect([deeperThan('{"a":"[[[[', 2), deeperThan("]]]]}}}}", 2)]).toEqual([false, false]);
});
