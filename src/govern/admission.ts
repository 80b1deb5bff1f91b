// The request-path side of governance (platform.md §3.2–§3.3, spec README platform decision 3): what a governed
// request reserves before it is forwarded, and the settlement that replaces the reservation by what the answering
// lane really cost. The edge (ingress/generate.ts) calls `reserve` after the body is read and the pool resolved,
// and `settle` exactly once when the answer is delivered, failed or abandoned.
import type { ProtocolName } from "../ir/protocol.ts";
import type { Usage } from "../ir/usage.ts";
import type { Lane, Pool } from "../route/lanes.ts";
import type { Admission, Governor, Ticket } from "./governor.ts";
import { priceSource, tokenCostMicros, usageTokens, worstCase, type PriceSource } from "./price.ts";
import type { KeyRecord } from "./store/types.ts";

/** The output cap a request asks for, per protocol (its own field names); undefined when it sets none. */
const OUTPUT_CAP: Record<ProtocolName, (b: Record<string, unknown>) => unknown> = {
  openai: (b) => b["max_completion_tokens"] ?? b["max_tokens"],
  responses: (b) => b["max_output_tokens"],
  anthropic: (b) => b["max_tokens"],
  gemini: (b) => (b["generationConfig"] as Record<string, unknown> | undefined)?.["maxOutputTokens"],
  bedrock: (b) => (b["inferenceConfig"] as Record<string, unknown> | undefined)?.["maxTokens"],
  cohere: (b) => b["max_tokens"],
};

/**
 * When a request names no output cap, this many output tokens are reserved (the `default_max_tokens` busbar writes
 * for protocols that require one). A longer answer is still charged in full at settlement: the difference is the
 * documented overshoot (docs/governance.md).
 */
export const DEFAULT_RESERVED_OUTPUT = 4096;

export function requestedOutputCap(protocol: ProtocolName, body: Record<string, unknown>, fallback: number): number {
  const v = OUTPUT_CAP[protocol](body);
  return typeof v === "number" && Number.isSafeInteger(v) && v > 0 ? v : fallback;
}

/** The pool and every pool it can spill into through `on_exhausted: fallback_pool`, in order, without repeats. */
export function reachablePools(pool: Pool, lookup: (name: string) => Pool | undefined): Pool[] {
  const out: Pool[] = [pool];
  let at: Pool | undefined = pool;
  while (at !== undefined) {
    const next: string | undefined = at.spec.onExhausted.action === "fallback_pool" ? at.spec.onExhausted.pool : undefined;
    if (next === undefined || out.some((p) => p.name === next)) break;
    at = lookup(next);
    if (at !== undefined) out.push(at);
  }
  return out;
}

export function lanePrice(governor: Governor, lane: Lane): PriceSource {
  return priceSource(governor.spec, { model: lane.name, upstreamModel: lane.upstreamModel, catalog: lane.provider.pricing });
}

export interface ReserveInput {
  readonly key: KeyRecord;
  readonly pools: readonly Pool[];
  readonly caller: ProtocolName;
  readonly body: Record<string, unknown>;
  /** UTF-8 byte length of the request body: no text input can hold more tokens than bytes. */
  readonly bodyBytes: number;
  readonly requestId: string;
  /** Only generation writes output tokens; embeddings and token counts reserve input only. */
  readonly generates: boolean;
}

export async function reserve(governor: Governor, r: ReserveInput): Promise<Admission> {
  const sources: PriceSource[] = [];
  let outputCap = 0;
  for (const pool of r.pools) {
    for (const m of pool.members) {
      sources.push(lanePrice(governor, m.lane));
      outputCap = Math.max(outputCap, m.lane.model?.defaultMaxTokens ?? DEFAULT_RESERVED_OUTPUT);
    }
  }
  const worst = worstCase(sources, r.bodyBytes, r.generates ? requestedOutputCap(r.caller, r.body, outputCap) : 0);
  return governor.admit({
    key: r.key,
    pools: r.pools.map((p) => p.name),
    requestId: r.requestId,
    reserveMicros: worst.micros,
    reserveTokens: worst.tokens,
  });
}

/** How a governed request ended: the lane that answered (if any), its usage, and whether it was a 2xx. */
export interface Outcome {
  readonly lane: Lane | undefined;
  readonly usage: Usage | undefined;
  readonly ok: boolean;
}

/** Settles once; later calls are ignored (a stream's end and a client's cancel may both report). */
export function settlement(governor: Governor, ticket: Ticket): (o: Outcome) => number | undefined {
  let done = false;
  return (o) => {
    if (done) return undefined;
    done = true;
    const cost = o.lane !== undefined && o.usage !== undefined ? tokenCostMicros(lanePrice(governor, o.lane), o.usage) : 0;
    const tokens = o.usage !== undefined ? usageTokens(o.usage) : 0;
    void governor.settle(ticket, { costMicros: cost, tokens, success: o.ok });
    // What the request cost the key, as the store books it: tokens, plus the fee on success (§3.3).
    return cost + (o.ok ? ticket.feeMicros : 0);
  };
}
