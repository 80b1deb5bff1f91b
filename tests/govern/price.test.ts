import { describe, expect, test } from "bun:test";
import type { GovernanceSpec } from "../../src/config/model.ts";
import { priceSource, tokenCostMicros, worstCase } from "../../src/govern/price.ts";

const rates = (input: number, output: number, cacheRead?: number, cacheWrite?: number) => ({
  inputCentsPerMtok: input, outputCentsPerMtok: output, cacheReadCentsPerMtok: cacheRead, cacheWriteCentsPerMtok: cacheWrite,
});

const gov = (over: Partial<GovernanceSpec> = {}): GovernanceSpec => ({
  enabled: true, store: { kind: "memory" }, feeMicros: 1_000_000, flatMicrosPerToken: 0, rateCard: {},
  onStoreError: "allow", keyCacheMs: 1000, reservationLeaseSecs: 3600, encryptionKey: undefined, ...over,
});

describe("token cost (platform.md §3.3)", () => {
  test("GOV-06: 300/1500 ¢/Mtok, 1000 in / 2000 out = 3 300 000 µ¢ (+ the 1 ¢ fee = 4 300 000)", () => {
    const cost = tokenCostMicros({ kind: "rate_card", rates: rates(300, 1500) }, { input: 1000, output: 2000 });
    expect(cost).toBe(3_300_000);
    expect(cost + gov().feeMicros).toBe(4_300_000);
  });

  test("cache tiers use their own rates, or the input rate when unset", () => {
    const u = { input: 100, output: 10, cacheRead: 1000, cacheWrite: 50 };
    expect(tokenCostMicros({ kind: "rate_card", rates: rates(300, 1500, 30, 375) }, u)).toBe(100 * 300 + 10 * 1500 + 1000 * 30 + 50 * 375);
    expect(tokenCostMicros({ kind: "rate_card", rates: rates(300, 1500) }, u)).toBe((100 + 1000 + 50) * 300 + 10 * 1500);
  });

  test("fractional rates round half-up once per request", () => {
    // 3 tokens × 0.5 ¢/Mtok = 1.5 µ¢ → 2; 1 × 0.25 = 0.25 → 0.
    expect(tokenCostMicros({ kind: "rate_card", rates: rates(0.5, 0) }, { input: 3, output: 0 })).toBe(2);
    expect(tokenCostMicros({ kind: "rate_card", rates: rates(0.25, 0) }, { input: 1, output: 0 })).toBe(0);
  });

  test("the flat per-1k price counts every input tier and output", () => {
    // 2 ¢ per 1k tokens = 2000 µ¢ per token.
    expect(tokenCostMicros({ kind: "flat", microsPerToken: 2000 }, { input: 10, output: 5, cacheRead: 5 })).toBe(40_000);
  });
});

describe("price lookup: rate_card → catalog → flat", () => {
  const catalog = { asOf: "2026-01-01", models: { "up-model": rates(100, 200) } };
  test("rate_card by model name wins", () => {
    const g = gov({ rateCard: { m: rates(1, 2) } });
    expect(priceSource(g, { model: "m", upstreamModel: "up-model", catalog })).toEqual({ kind: "rate_card", rates: rates(1, 2) });
  });
  test("then the catalog by upstream model, with its date", () => {
    expect(priceSource(gov(), { model: "m", upstreamModel: "up-model", catalog })).toEqual({ kind: "catalog", rates: rates(100, 200), asOf: "2026-01-01" });
  });
  test("then the flat price; an inherited property name is never a price", () => {
    expect(priceSource(gov({ flatMicrosPerToken: 7 }), { model: "constructor", upstreamModel: "toString", catalog })).toEqual({ kind: "flat", microsPerToken: 7 });
  });
});

test("the worst case prices every body byte as input plus the output cap at the dearest member", () => {
  const cheap = { kind: "rate_card", rates: rates(1, 1) } as const;
  const dear = { kind: "rate_card", rates: rates(10, 100) } as const;
  expect(worstCase([cheap, dear], 1000, 50)).toEqual({ micros: 1000 * 10 + 50 * 100, tokens: 1050 });
});
