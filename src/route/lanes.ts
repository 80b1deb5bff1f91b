// Lanes and pools built from the config snapshot: a lane is a model bound to its provider and protocol.
import type { GatewayConfig, ModelSpec, PoolSpec, ProviderSpec } from "../config/model.ts";
import { protocol } from "../proto/registry.ts";
import type { Protocol } from "../proto/types.ts";
import type { SwrrCell } from "./swrr.ts";

export interface Lane {
  /** The model name from config (also the `lane` label, spec README platform decision 6). */
  readonly name: string;
  readonly upstreamModel: string;
  readonly provider: ProviderSpec;
  readonly protocol: Protocol;
  readonly model: ModelSpec | undefined;
}

export interface PoolMember {
  readonly lane: Lane;
  readonly weight: number;
  readonly cell: SwrrCell;
  /** The reasoning ask may cross to this member: the member's flag, else the model's (protocols.md §10.3). */
  readonly reasoning: boolean;
}

export interface Pool {
  readonly name: string;
  readonly members: readonly PoolMember[];
  readonly spec: PoolSpec;
}

export function laneOf(model: ModelSpec, provider: ProviderSpec): Lane {
  return { name: model.name, upstreamModel: model.upstreamModel, provider, protocol: protocol(provider.protocol), model };
}

export function buildLanes(config: GatewayConfig): Map<string, Lane> {
  const lanes = new Map<string, Lane>();
  for (const m of Object.values(config.models)) {
    const p = config.providers[m.provider];
    if (p !== undefined) lanes.set(m.name, laneOf(m, p));
  }
  return lanes;
}

export function buildPools(config: GatewayConfig, lanes: ReadonlyMap<string, Lane>): Map<string, Pool> {
  const pools = new Map<string, Pool>();
  for (const p of Object.values(config.pools)) {
    const members: PoolMember[] = [];
    for (const m of p.members) {
      const lane = lanes.get(m.target);
      if (lane !== undefined) {
        members.push({ lane, weight: m.weight, cell: { currentWeight: 0 }, reasoning: m.reasoning ?? lane.model?.reasoning ?? false });
      }
    }
    pools.set(p.name, { name: p.name, members, spec: p });
  }
  return pools;
}
