// Built-in routing strategies (reliability.md §11.1): once per request, before the first attempt in a pool, rank its
// members by one signal. Selection then takes the first ranked member that is still a ready candidate; members
// without the signal are left out of the ranking (demoted, served by SWRR once the ranked ones are used up); when no
// member has it the strategy abstains (plain SWRR). Ties go to the lower index. Never a gate: the breaker, permits,
// exclusions and the hop cap still apply.
import type { GovernanceSpec, NativeStrategy } from "../config/model.ts";
import { priceSource } from "../govern/price.ts";
import type { Pool, PoolMember } from "./lanes.ts";

/** A member's signal: lower ranks first. Undefined = missing. */
type Signal = (m: PoolMember, gov: GovernanceSpec, now: number) => number | undefined;

/** cents per Mtok: the member's `cost_per_mtok`, else the mean of input and output from the rate lookup (§3.3). */
export function memberCost(m: PoolMember, gov: GovernanceSpec): number | undefined {
  if (m.spec.costPerMtok !== undefined) return m.spec.costPerMtok;
  const src = priceSource(gov, { model: m.lane.name, upstreamModel: m.lane.upstreamModel, catalog: m.lane.provider.pricing });
  switch (src.kind) {
    case "rate_card":
    case "catalog":
      return (src.rates.inputCentsPerMtok + src.rates.outputCentsPerMtok) / 2;
    case "flat":
      // µ¢ per token is ¢ per Mtok; 0 means no price was configured at all.
      return src.microsPerToken > 0 ? src.microsPerToken : undefined;
    default: {
      const never: never = src;
      throw new Error(`unknown price source ${String(never)}`);
    }
  }
}

const SIGNALS: Record<NativeStrategy, Signal> = {
  cheapest: memberCost,
  fastest: (m) => m.lane.state.latencyEwmaMs ?? undefined,
  // Most free permits first: negate so that lower ranks first.
  least_busy: (m) => -m.lane.state.permits.free,
  // Most headroom first. The provider's part only: the key's part is the same for every member (§11.2).
  usage: (m, _gov, now) => {
    const h = m.lane.state.headroom;
    return h !== undefined && h.until > now ? -h.value : undefined;
  },
};

export function isNative(policy: string): policy is NativeStrategy {
  return Object.hasOwn(SIGNALS, policy);
}

/** The ranked members, or undefined when the strategy abstains (no member has the signal). */
export function nativeOrder(pool: Pool, strategy: NativeStrategy, gov: GovernanceSpec, now: number): PoolMember[] | undefined {
  const signal = SIGNALS[strategy];
  const scored: { m: PoolMember; v: number }[] = [];
  for (const m of pool.members) {
    const v = signal(m, gov, now);
    if (v !== undefined && Number.isFinite(v)) scored.push({ m, v });
  }
  if (scored.length === 0) return undefined;
  // Array.prototype.sort is stable, and members are in index order: equal signals keep the lower index first.
  scored.sort((a, b) => a.v - b.v);
  return scored.map((s) => s.m);
}
