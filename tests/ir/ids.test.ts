import { expect, test } from "bun:test";
import { randomIds } from "../../src/ir/ids.ts";

test("base62 ids have the asked length and alphabet", () => {
  for (const n of [1, 24, 29, 100]) expect(randomIds.base62(n)).toMatch(new RegExp(`^[0-9A-Za-z]{${n}}$`));
});

test("base62 is uniform over its alphabet (no modulo bias)", () => {
  // 124 000 symbols: 2 000 expected per symbol, σ ≈ 44. A byte % 62 minter gives '0'–'7' ≈ 2 420: caught at ±300.
  const counts = new Map<string, number>();
  for (let i = 0; i < 1000; i++) for (const c of randomIds.base62(124)) counts.set(c, (counts.get(c) ?? 0) + 1);
  expect(counts.size).toBe(62);
  for (const n of counts.values()) {
    expect(n).toBeGreaterThan(1700);
    expect(n).toBeLessThan(2300);
  }
});

test("uuid is a v4 uuid", () => {
  expect(randomIds.uuid()).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
});
