// Spend in integer micro-cents (platform.md §3.3; spec README platform decision 4). Tokens × cents-per-Mtok is
// exactly micro-cents, so a whole-number rate never rounds; fractional rates round half-up once per request.
import type { GovernanceSpec, TokenRates } from "../config/model.ts";
import { totalInput, type Usage } from "../ir/usage.ts";

/** Where a lane's token prices come from; `/stats` shows it (spec README platform decision 4). */
export type PriceSource =
  | { readonly kind: "rate_card"; readonly rates: TokenRates }
  | { readonly kind: "catalog"; readonly rates: TokenRates; readonly asOf: string }
  /** `price_per_1k_tokens_cents` on input + output (0 when unset: budgets then count only the fee). */
  | { readonly kind: "flat"; readonly microsPerToken: number };

export interface LanePricing {
  /** The config's model name (the rate_card key). */
  readonly model: string;
  /** Catalog prices of the provider, keyed by upstream model. */
  readonly catalog: { readonly asOf: string; readonly models: Readonly<Record<string, TokenRates>> } | undefined;
  readonly upstreamModel: string;
}

/** rate_card[model] → catalog pricing[upstream model] → flat per-1k price (platform.md §3.3 lookup order). */
export function priceSource(gov: GovernanceSpec, lane: LanePricing): PriceSource {
  const card = Object.hasOwn(gov.rateCard, lane.model) ? gov.rateCard[lane.model] : undefined;
  if (card !== undefined) return { kind: "rate_card", rates: card };
  const listed = lane.catalog !== undefined && Object.hasOwn(lane.catalog.models, lane.upstreamModel)
    ? lane.catalog.models[lane.upstreamModel]
    : undefined;
  if (listed !== undefined && lane.catalog !== undefined) return { kind: "catalog", rates: listed, asOf: lane.catalog.asOf };
  return { kind: "flat", microsPerToken: gov.flatMicrosPerToken };
}

/** Half-up to a whole micro-cent; every input is >= 0. */
function roundMicros(x: number): number {
  return Math.floor(x + 0.5);
}

/**
 * The token cost of one response. Usage is the IR's (protocols.md §5.3): `input` is uncached input, cache reads
 * and writes are additive, `output` includes reasoning. An unset cache tier is priced at the input rate.
 */
export function tokenCostMicros(source: PriceSource, u: Usage): number {
  switch (source.kind) {
    case "flat":
      return roundMicros((totalInput(u) + u.output) * source.microsPerToken);
    case "rate_card":
    case "catalog": {
      const r = source.rates;
      const micros = u.input * r.inputCentsPerMtok
        + u.output * r.outputCentsPerMtok
        + (u.cacheRead ?? 0) * (r.cacheReadCentsPerMtok ?? r.inputCentsPerMtok)
        + (u.cacheWrite ?? 0) * (r.cacheWriteCentsPerMtok ?? r.inputCentsPerMtok);
      return roundMicros(micros);
    }
    default: {
      const never: never = source;
      throw new Error(`unknown price source ${String(never)}`);
    }
  }
}

/** Total tokens for TPM (input of every tier + output). */
export function usageTokens(u: Usage): number {
  return totalInput(u) + u.output;
}

/**
 * The worst case reserved at admission (spec README platform decision 3): every body byte counted as an input
 * token (a BPE token is at least one byte, so text input cannot exceed it; images can, see docs/governance.md)
 * and the request's output cap, priced at the dearest member the request may reach.
 */
export function worstCase(sources: readonly PriceSource[], bodyBytes: number, maxOutputTokens: number): { micros: number; tokens: number } {
  const u: Usage = { input: bodyBytes, output: maxOutputTokens };
  let micros = 0;
  for (const s of sources) micros = Math.max(micros, tokenCostMicros(s, u));
  return { micros, tokens: bodyBytes + maxOutputTokens };
}

/** µ¢ → cents for display, with up to six decimals. */
export function microsToCents(micros: number): number {
  return micros / 1_000_000;
}
