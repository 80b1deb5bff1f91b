// Percentiles and the seed's latency tables: pure functions over nanosecond samples (platform.md §7.1).

/** p99.9 needs at least this many samples before it is printed (platform.md §7.1). */
export const MIN_P999_SAMPLES = 10_000;
export const INSUFFICIENT = "insufficient samples";

export interface Percentiles {
  /** Number of samples the percentiles were taken from. */
  readonly n: number;
  /** Nanoseconds; NaN when n = 0. */
  readonly p50: number;
  readonly p99: number;
  readonly p999: number;
}

export type PercentileKey = "p50" | "p99" | "p999";
export const PERCENTILE_KEYS: readonly PercentileKey[] = ["p50", "p99", "p999"];

/** Nearest-rank percentile of an ascending array: the value at rank ceil(p/100 · N), 1-based. */
export function nearestRank(sorted: ArrayLike<number>, p: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  // The epsilon keeps p·N/100 from landing a hair above an integer (99.9·1000/100 = 999.0000000000001).
  const rank = Math.min(n, Math.max(1, Math.ceil((p * n) / 100 - 1e-9)));
  return sorted[rank - 1] ?? Number.NaN;
}

export function sortedCopy(samples: readonly number[]): Float64Array {
  return Float64Array.from(samples).sort();
}

export function percentiles(samples: readonly number[]): Percentiles {
  const s = sortedCopy(samples);
  return { n: s.length, p50: nearestRank(s, 50), p99: nearestRank(s, 99), p999: nearestRank(s, 99.9) };
}

/** Whether a percentile can be reported from n samples: p99.9 only from MIN_P999_SAMPLES up. */
export function enoughFor(key: PercentileKey, n: number): boolean {
  return n > 0 && (key !== "p999" || n >= MIN_P999_SAMPLES);
}

/** `added = via − direct` per percentile; undefined where either side has too few samples. */
export function delta(direct: Percentiles, via: Percentiles): Record<PercentileKey, number | undefined> {
  const one = (k: PercentileKey) => (enoughFor(k, direct.n) && enoughFor(k, via.n) ? via[k] - direct[k] : undefined);
  return { p50: one("p50"), p99: one("p99"), p999: one("p999") };
}

/** Nanoseconds → milliseconds with microsecond resolution, e.g. `0.085`, `-0.012`, `200.431`. */
export function fmtMs(ns: number): string {
  const ms = ns / 1e6;
  return (Object.is(Math.round(ms * 1000), -0) ? 0 : ms).toFixed(3);
}

/** Nanoseconds → whole microseconds, e.g. `85`, `-12`. */
export function fmtUs(ns: number): string {
  const us = Math.round(ns / 1e3);
  return String(Object.is(us, -0) ? 0 : us);
}

export function cell(p: Percentiles, key: PercentileKey, fmt: (ns: number) => string = fmtMs): string {
  if (p.n === 0) return "no samples";
  return enoughFor(key, p.n) ? fmt(p[key]) : INSUFFICIENT;
}

export function deltaCell(direct: Percentiles, via: Percentiles, key: PercentileKey, fmt: (ns: number) => string = fmtMs): string {
  if (direct.n === 0 || via.n === 0) return "no samples";
  const d = delta(direct, via)[key];
  return d === undefined ? INSUFFICIENT : fmt(d);
}

/** 20000 → `20 000` (the seed's thin-space-free grouping, readable in plain Markdown). */
export function fmtCount(n: number): string {
  return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");
}

export interface SeedTableInput {
  /** e.g. `Full response (non-streaming) — latency, ms`. */
  readonly title: string;
  /** e.g. `mock` or `Anthropic`. */
  readonly upstream: string;
  readonly direct: Percentiles;
  readonly via: Percentiles;
  /** One line under the table: concurrency, delay, warm-up. */
  readonly note?: string;
}

/** The seed page's table: without / with / adds at p50, p99, p99.9, then the sample counts. */
export function seedTable(t: SeedTableInput): string {
  const row = (label: string, cells: string[]) => `| ${label} | ${cells.join(" | ")} |`;
  const lines = [
    t.title,
    "| Path | p50 | p99 | p99.9 |",
    "|---|---|---|---|",
    row(`Without Busbar — client → ${t.upstream}`, PERCENTILE_KEYS.map((k) => cell(t.direct, k))),
    row(`With Busbar — client → Busbar → ${t.upstream}`, PERCENTILE_KEYS.map((k) => cell(t.via, k))),
    row("Busbar adds (with − without)", PERCENTILE_KEYS.map((k) => deltaCell(t.direct, t.via, k))),
    "",
    `Samples: without N = ${fmtCount(t.direct.n)}, with N = ${fmtCount(t.via.n)}${t.note === undefined ? "" : `; ${t.note}`}.`,
  ];
  return lines.join("\n");
}

/** `busbar;dur=0.123` (possibly among other metrics) → 0.123 ms; undefined when absent. */
export function serverTimingMs(header: string | null | undefined, metric = "busbar"): number | undefined {
  if (header === null || header === undefined) return undefined;
  for (const entry of header.split(",")) {
    const [name, ...params] = entry.split(";").map((s) => s.trim());
    if (name !== metric) continue;
    for (const p of params) {
      const m = /^dur=("?)([0-9]*\.?[0-9]+(?:e[-+]?\d+)?)\1$/i.exec(p);
      if (m?.[2] !== undefined) return Number(m[2]);
    }
  }
  return undefined;
}

/** Median of a small list (RSS samples); NaN when empty. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = sortedCopy(values);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] ?? Number.NaN) : ((s[mid - 1] ?? 0) + (s[mid] ?? 0)) / 2;
}
