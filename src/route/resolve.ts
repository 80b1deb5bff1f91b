// Name resolution (protocols.md §2.1): pools first, then models; `/{provider}/{model}` is an ad-hoc lane.
// A direct model route and an ad-hoc lane resolve to an implicit one-member pool (reliability.md §3), so every
// request goes through the same selection and failover loop.
import type { GatewayConfig } from "../config/model.ts";
import type { Jitter } from "./breaker.ts";
import { implicitPool, type Lane, laneOf, type Pool } from "./lanes.ts";

export type Resolution =
  | { readonly kind: "pool"; readonly pool: Pool }
  | { readonly kind: "unknown" };

/** Ad-hoc lanes are kept so their breaker state lives on between requests; bounded like any cache keyed by callers. */
const AD_HOC_MAX = 1024;

export class Resolver {
  private readonly adHocLanes = new Map<string, Lane>();

  constructor(
    private readonly config: GatewayConfig,
    readonly lanes: ReadonlyMap<string, Lane>,
    readonly pools: ReadonlyMap<string, Pool>,
    private readonly jitter: Jitter,
  ) {}

  /** Pools are tried first, then models. */
  resolve(name: string): Resolution {
    const pool = this.pools.get(name);
    if (pool !== undefined) return { kind: "pool", pool };
    const lane = this.lanes.get(name);
    return lane === undefined ? { kind: "unknown" } : { kind: "pool", pool: implicitPool(lane) };
  }

  /** `/{provider}/{model}/v1/messages`: a configured provider and a literal upstream model, bypassing pools. */
  adHoc(providerName: string, model: string): Resolution {
    if (!Object.hasOwn(this.config.providers, providerName)) return { kind: "unknown" };
    const key = `${providerName}/${model}`;
    let lane = this.adHocLanes.get(key);
    if (lane === undefined) {
      if (this.adHocLanes.size >= AD_HOC_MAX) this.adHocLanes.clear();
      lane = laneOf({ config: this.config, jitter: this.jitter }, undefined, this.config.providers[providerName]!, key, model);
      this.adHocLanes.set(key, lane);
    }
    return { kind: "pool", pool: implicitPool(lane) };
  }

  /** Names a caller can route to, for discovery: pools sorted, then models sorted, de-duplicated. */
  names(): string[] {
    const pools = [...this.pools.keys()].sort();
    const models = [...this.lanes.keys()].filter((m) => !this.pools.has(m)).sort();
    return [...pools, ...models];
  }

  has(name: string): boolean {
    return this.pools.has(name) || this.lanes.has(name);
  }
}
