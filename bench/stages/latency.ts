// Latency: identical load over two paths and the per-percentile difference (platform.md §7.1).
// Order alternates (A, B, B, A) so a machine that drifts during the run drifts on both paths alike.
import type { CallKind, Running } from "../gateways/types.ts";
import { runLoad, type Call, type LoadResult, type Measure } from "../loadgen.ts";
import { seqBlock } from "../record.ts";
import { percentiles, serverTimingMs, type Percentiles } from "../stats.ts";

export interface PathSamples {
  readonly samples: number[];
  ok: number;
  errors: number;
  firstError?: string;
  /** Server-Timing `busbar;dur` values in ns, where the header was present. */
  readonly serverTimingNs: number[];
  /** Responses that carried no busbar Server-Timing. */
  serverTimingMissing: number;
}

export function emptySamples(): PathSamples {
  return { samples: [], ok: 0, errors: 0, serverTimingNs: [], serverTimingMissing: 0 };
}

export interface LoadShape {
  readonly conc: number;
  readonly perPath: number;
  readonly warmup: number;
  readonly maxSecs: number;
  readonly measure: Measure;
}

function absorb(into: PathSamples, r: LoadResult): void {
  for (const s of r.latenciesNs) into.samples.push(s);
  into.ok += r.ok;
  into.errors += r.errors;
  if (into.firstError === undefined && r.firstError !== undefined) into.firstError = r.firstError;
  for (const h of r.headerValues) {
    const ms = serverTimingMs(h);
    if (ms === undefined) into.serverTimingMissing++;
    else into.serverTimingNs.push(ms * 1e6);
  }
}

async function load(call: Call, requests: number, shape: LoadShape, collect: boolean): Promise<LoadResult> {
  return runLoad({
    call,
    concurrency: shape.conc,
    requests,
    maxMs: shape.maxSecs * 1000,
    measure: shape.measure,
    seqBase: seqBlock(requests),
    ...(collect ? { collectHeader: "server-timing" } : {}),
  });
}

export interface PathCall {
  readonly name: string;
  readonly call: Call;
  /** Collect Server-Timing (busbar only). */
  readonly collect: boolean;
}

/**
 * Runs `paths` in the order p1 … pn, pn … p1, each segment perPath/2 requests, with a discarded warm-up
 * before a path's first segment. Returns the pooled samples per path name.
 */
export async function alternate(paths: readonly PathCall[], shape: LoadShape, log: (l: string) => void): Promise<Map<string, PathSamples>> {
  const out = new Map<string, PathSamples>();
  const warmed = new Set<string>();
  const order = [...paths, ...[...paths].reverse()];
  const half = Math.max(1, Math.ceil(shape.perPath / 2));
  for (const p of order) {
    if (!warmed.has(p.name) && shape.warmup > 0) {
      await load(p.call, shape.warmup, shape, false);
      warmed.add(p.name);
    }
    const r = await load(p.call, half, shape, p.collect);
    const acc = out.get(p.name) ?? emptySamples();
    absorb(acc, r);
    out.set(p.name, acc);
    log(`  ${p.name.padEnd(10)} ${shape.measure} c=${shape.conc}: ${r.ok} ok, ${r.errors} errors in ${(r.elapsedNs / 1e9).toFixed(1)} s`);
  }
  return out;
}

export function pathPercentiles(s: PathSamples | undefined): Percentiles {
  return percentiles(s?.samples ?? []);
}

export function callFor(path: Running, kind: CallKind, nonce: string, upstream?: string): Call | { notServed: string } {
  const t = path.call(kind, { nonce, ...(upstream === undefined ? {} : { upstream }) });
  return "call" in t ? t.call : t;
}
