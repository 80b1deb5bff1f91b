// Name resolution (protocols.md §2.1): pools first, then models; `/{provider}/{model}` is an ad-hoc lane.
import type { GatewayConfig } from "../config/model.ts";
import { protocol } from "../proto/registry.ts";
import type { Lane, Pool } from "./lanes.ts";
import { swrrPick } from "./swrr.ts";

export type Resolution =
  | { readonly kind: "lane"; readonly lane: Lane; readonly pool: Pool | undefined; readonly reasoning: boolean }
  /** The name exists, but none of its lanes can serve this request (e.g. another protocol, another operation). */
  | { readonly kind: "unserved"; readonly lanes: readonly Lane[] }
  | { readonly kind: "unknown" };

export class Resolver {
  constructor(
    private readonly config: GatewayConfig,
    private readonly lanes: ReadonlyMap<string, Lane>,
    private readonly pools: ReadonlyMap<string, Pool>,
  ) {}

  /** Pools are tried first, then models. Selection within a pool is smooth weighted round-robin. */
  resolve(name: string, accepts: (lane: Lane) => boolean): Resolution {
    const pool = this.pools.get(name);
    if (pool !== undefined) {
      const usable = pool.members.filter((m) => accepts(m.lane));
      const i = swrrPick(usable);
      const member = usable[i];
      if (member === undefined) return { kind: "unserved", lanes: pool.members.map((m) => m.lane) };
      return { kind: "lane", lane: member.lane, pool, reasoning: member.reasoning };
    }
    const lane = this.lanes.get(name);
    if (lane === undefined) return { kind: "unknown" };
    return accepts(lane) ? { kind: "lane", lane, pool: undefined, reasoning: lane.model?.reasoning ?? false } : { kind: "unserved", lanes: [lane] };
  }

  /** `/{provider}/{model}/v1/messages`: a configured provider and a literal upstream model, bypassing pools. */
  adHoc(providerName: string, model: string): Resolution {
    if (!Object.hasOwn(this.config.providers, providerName)) return { kind: "unknown" };
    const provider = this.config.providers[providerName]!;
    return {
      kind: "lane",
      lane: { name: `${providerName}/${model}`, upstreamModel: model, provider, protocol: protocol(provider.protocol), model: undefined },
      pool: undefined,
      reasoning: false,
    };
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
