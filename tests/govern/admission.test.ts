import { describe, expect, test } from "bun:test";
import { DEFAULT_RESERVED_OUTPUT, reachablePools, requestedOutputCap } from "../../src/govern/admission.ts";
import type { Pool } from "../../src/route/lanes.ts";

describe("the output cap a request asks for, in each protocol's words", () => {
  test.each([
    ["openai", { max_completion_tokens: 7, max_tokens: 9 }, 7],
    ["openai", { max_tokens: 9 }, 9],
    ["responses", { max_output_tokens: 11 }, 11],
    ["anthropic", { max_tokens: 13 }, 13],
    ["gemini", { generationConfig: { maxOutputTokens: 15 } }, 15],
    ["bedrock", { inferenceConfig: { maxTokens: 17 } }, 17],
    ["cohere", { max_tokens: 19 }, 19],
  ] as const)("%s %j → %d", (p, body, want) => {
    expect(requestedOutputCap(p, body, 100)).toBe(want);
  });

  test("absent, zero, negative, fractional or non-numeric caps fall back", () => {
    for (const v of [undefined, 0, -5, 2.5, "10", null, 1e300]) expect(requestedOutputCap("openai", { max_tokens: v }, DEFAULT_RESERVED_OUTPUT)).toBe(DEFAULT_RESERVED_OUTPUT);
    expect(requestedOutputCap("gemini", { generationConfig: "x" }, 5)).toBe(5);
  });
});

describe("pools a request can reach (allowed_pools is checked on all of them)", () => {
  const pool = (name: string, fallback?: string) =>
    ({ name, spec: { onExhausted: fallback === undefined ? { action: "reject" } : { action: "fallback_pool", pool: fallback } } }) as unknown as Pool;
  const table = new Map([pool("a", "b"), pool("b", "c"), pool("c", "a"), pool("d")].map((p) => [p.name, p]));
  const names = (start: string) => reachablePools(table.get(start)!, (n) => table.get(n)).map((p) => p.name);

  test("follows fallback_pool to the end, stopping at a cycle", () => {
    expect(names("a")).toEqual(["a", "b", "c"]);
    expect(names("c")).toEqual(["c", "a", "b"]);
    expect(names("d")).toEqual(["d"]);
  });
});
