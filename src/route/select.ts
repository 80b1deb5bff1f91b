// Member selection (reliability.md §4): the candidates are the pool's members minus exclusions, members already
// tried, members pruned by a context-length failover, members whose protocol cannot serve the request, and members
// not ready in this pool's cell. Among candidates with a free permit the pick is smooth weighted round-robin, or
// list order under `policy: ordered` (spec README); a pinned session member wins when it is usable now. When every
// candidate is saturated the request waits on the pick's permits (FIFO).
import type { Lane, Pool, PoolMember } from "./lanes.ts";
import { swrrPick } from "./swrr.ts";

export interface SelectInput {
  readonly pool: Pool;
  readonly now: number;
  /** Lanes already tried by this request, across fallback pools (§8.1). */
  readonly tried: readonly Lane[];
  /** Lanes pruned by context-length failover (§8.5). */
  readonly pruned: readonly Lane[];
  /** The member's protocol can serve this request (natively or by translation). */
  readonly serves: (m: PoolMember) => boolean;
  /** The value of the pool's affinity header, if it has an affinity block and the header is present. */
  readonly affinityKey: string | undefined;
  /** A native strategy's ranking for this request (§11.1); undefined = SWRR or list order decides. */
  readonly order?: readonly PoolMember[] | undefined;
}

export type Selection =
  /** Dispatch now: a permit is free. */
  | { readonly kind: "now"; readonly member: PoolMember }
  /** Every candidate is saturated: wait on this member's permits. */
  | { readonly kind: "wait"; readonly member: PoolMember }
  | { readonly kind: "none" };

/** Ready = budget left and the cell admits a request now. Reads state only (I3). */
export function isReady(m: PoolMember, now: number): boolean {
  return m.lane.state.hasBudget && m.cell.isReady(now);
}

export function candidates(s: SelectInput): PoolMember[] {
  const { exclusions } = s.pool.spec.failover;
  const out: PoolMember[] = [];
  for (const m of s.pool.members) {
    if (exclusions.length > 0 && exclusions.includes(m.lane.name)) continue;
    if (s.tried.includes(m.lane) || s.pruned.includes(m.lane)) continue;
    if (!s.serves(m) || !isReady(m, s.now)) continue;
    out.push(m);
  }
  return out;
}

function hasPermit(m: PoolMember): boolean {
  const p = m.lane.state.permits;
  return p.free > 0 && p.waiting === 0;
}

function pick(pool: Pool, among: PoolMember[], order: readonly PoolMember[] | undefined): PoolMember | undefined {
  if (among.length === 0) return undefined;
  if (order !== undefined) {
    // The first ranked member still in the running; unranked ones are demoted to SWRR below (§11.1).
    for (const m of order) if (among.includes(m)) return m;
  }
  if (pool.spec.policy === "ordered") return among[0];
  return among[swrrPick(among)];
}

export function select(s: SelectInput): Selection {
  const ready = candidates(s);
  if (ready.length === 0) return { kind: "none" };
  if (s.affinityKey !== undefined) {
    const pinned = s.pool.members[pinIndex(s.affinityKey, s.pool.members.length)];
    if (pinned !== undefined && ready.includes(pinned) && hasPermit(pinned)) return { kind: "now", member: pinned };
  }
  const free = ready.filter(hasPermit);
  const now = pick(s.pool, free, s.order);
  if (now !== undefined) return { kind: "now", member: now };
  return { kind: "wait", member: pick(s.pool, ready, s.order)! };
}

const FNV_OFFSET = 0xcbf29ce484222325n;
const FNV_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;
const utf8 = new TextEncoder();

/** FNV-1a, 64-bit, over the UTF-8 bytes: stable across restarts and replicas (§4). */
export function fnv1a64(s: string): bigint {
  let h = FNV_OFFSET;
  for (const b of utf8.encode(s)) h = ((h ^ BigInt(b)) * FNV_PRIME) & MASK64;
  return h;
}

export function pinIndex(key: string, members: number): number {
  return Number(fnv1a64(key) % BigInt(members));
}
