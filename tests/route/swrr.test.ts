import { expect, test } from "bun:test";
import { swrrPick } from "../../src/route/swrr.ts";

function cycle(weights: number[], n: number): string {
  const c = weights.map((weight) => ({ weight, cell: { currentWeight: 0 } }));
  return Array.from({ length: n }, () => "abc"[swrrPick(c)]).join("");
}

test("smooth weighted round-robin sequences (reliability.md §4)", () => {
  expect([cycle([5, 1, 1], 7), cycle([8, 2], 5), cycle([1, 1], 4)]).toEqual(["aabacaa", "aabaa", "abab"]);
  expect(swrrPick([])).toBe(-1);
});
