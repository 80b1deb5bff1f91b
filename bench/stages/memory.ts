// Resident memory: idle after boot, peak under load, after load, and a large-payload soak (platform.md §7.2).
import type { Running } from "../gateways/types.ts";
import { runLoad } from "../loadgen.ts";
import type { RssSampler } from "../proc.ts";
import { seqBlock } from "../record.ts";
import { median } from "../stats.ts";

export const MIB = 1024;
/** Budget: after the soak, RSS is back within this of idle (KiB) … */
export const SOAK_RETURN_KIB = 64 * MIB;

/** Median VmRSS over the next `secs` (no traffic is sent meanwhile). */
export async function idleRss(sampler: RssSampler, secs: number): Promise<number | null> {
  const from = sampler.now();
  await Bun.sleep(Math.max(300, secs * 1000));
  const m = median(sampler.window(from));
  return Number.isFinite(m) ? m : null;
}

/** Median VmRSS over the last second of a window that ends now. */
export function rssNow(sampler: RssSampler): number | null {
  const m = median(sampler.window(sampler.now() - 1000));
  return Number.isFinite(m) ? m : (sampler.samples.at(-1)?.kib ?? null);
}

export interface SoakResult {
  readonly gateway: string;
  readonly secs: number;
  readonly conc: number;
  readonly body_bytes: number;
  readonly ok: number;
  readonly errors: number;
  readonly first_error?: string;
  readonly rps: number;
  readonly idle_kib: number | null;
  readonly peak_kib: number | null;
  /** Seconds after the load stopped until RSS ≤ idle + 64 MiB; null if it did not within the window. */
  readonly returned_after_s: number | null;
  readonly end_kib: number | null;
  readonly post_window_s: number;
}

export async function soak(path: Running, sampler: RssSampler, idleKib: number | null, o: { secs: number; conc: number; bytes: number; postSecs: number; nonce: string }): Promise<SoakResult | { gateway: string; notServed: string }> {
  const t = path.call("openai", { nonce: o.nonce, bytes: o.bytes });
  if ("notServed" in t) return { gateway: path.name, notServed: t.notServed };
  sampler.refresh();
  const from = sampler.now();
  const r = await runLoad({ call: t.call, concurrency: o.conc, requests: 100_000_000, maxMs: o.secs * 1000, measure: "full", seqBase: seqBlock(100_000_000), keepSamples: false, requestTimeoutMs: 60_000 });
  const loadEnd = sampler.now();
  const during = sampler.window(from, loadEnd + 1);
  let returned: number | null = null;
  const limit = idleKib === null ? null : idleKib + SOAK_RETURN_KIB;
  const until = performance.now() + o.postSecs * 1000;
  // Bounded by postSecs; stops early once RSS is back under the limit.
  while (performance.now() < until) {
    const last = sampler.samples.at(-1);
    if (limit !== null && last !== undefined && last.t > loadEnd && last.kib <= limit) {
      returned = Math.round((last.t - loadEnd) / 100) / 10;
      break;
    }
    await Bun.sleep(250);
  }
  const secs = r.elapsedNs / 1e9;
  return {
    gateway: path.name,
    secs: Math.round(secs * 10) / 10,
    conc: o.conc,
    body_bytes: o.bytes,
    ok: r.ok,
    errors: r.errors,
    ...(r.firstError === undefined ? {} : { first_error: r.firstError }),
    rps: Math.round(r.ok / secs),
    idle_kib: idleKib,
    peak_kib: during.length > 0 ? Math.max(...during) : null,
    returned_after_s: returned,
    end_kib: sampler.samples.at(-1)?.kib ?? null,
    post_window_s: o.postSecs,
  };
}
