// Metric primitives for prom-client's Registry, shaped for the request path. prom-client's own Counter and Histogram
// hash a labels object on every call (sorting its keys); these key a series by a string the caller already has and
// build the labels object once per series, so recording costs a Map lookup and a few adds. Exposition, escaping and
// the text format stay prom-client's: each primitive is a metric object its Registry reads at scrape.
import type { Registry } from "prom-client";

type Labels = Record<string, string>;
type MetricType = "counter" | "gauge" | "histogram";
export interface Sample {
  readonly labels: Labels;
  readonly value: number;
  readonly metricName?: string;
}

/** What prom-client's Registry reads from a metric (`registerMetric`, `getMetricsAsString`). */
interface RegistryMetric {
  readonly name: string;
  readonly help: string;
  readonly type: MetricType;
  get(): Promise<{ name: string; help: string; type: MetricType; values: Sample[]; aggregator: "sum" }>;
}

function register(reg: Registry, m: RegistryMetric): void {
  reg.registerMetric(m as unknown as Parameters<Registry["registerMetric"]>[0]);
}

/** A counter whose series are keyed by a caller-built string (label values joined by `\u0000`). */
export class KeyedCounter implements RegistryMetric {
  readonly type: MetricType = "counter";
  private readonly series = new Map<string, { readonly labels: Labels; value: number }>();

  constructor(reg: Registry, readonly name: string, readonly help: string, private readonly labelNames: readonly string[]) {
    register(reg, this);
  }

  /** `values` are the label values in `labelNames` order; used only the first time the key is seen. */
  inc(key: string, values: readonly string[], by = 1): void {
    const s = this.series.get(key);
    if (s !== undefined) {
      s.value += by;
      return;
    }
    const labels: Labels = {};
    this.labelNames.forEach((n, i) => { labels[n] = values[i] ?? ""; });
    this.series.set(key, { labels, value: by });
  }

  /** The current value of one series (tests and /stats). */
  value(key: string): number {
    return this.series.get(key)?.value ?? 0;
  }

  /** Every series' labels and value. */
  samples(): Sample[] {
    return [...this.series.values()].map((s) => ({ labels: s.labels, value: s.value }));
  }

  async get() {
    const values = this.samples();
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" as const };
  }
}

/** platform.md §5.2 buckets, in seconds. */
export const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;

interface HistogramSeries {
  readonly labels: Labels;
  /** Per-bucket (not cumulative) counts; the last slot is +Inf. */
  readonly counts: Float64Array;
  sum: number;
  count: number;
}

export class KeyedHistogram implements RegistryMetric {
  readonly type: MetricType = "histogram";
  private readonly series = new Map<string, HistogramSeries>();

  constructor(reg: Registry, readonly name: string, readonly help: string, private readonly labelNames: readonly string[],
    private readonly buckets: readonly number[] = BUCKETS) {
    register(reg, this);
  }

  observe(key: string, values: readonly string[], seconds: number): void {
    let s = this.series.get(key);
    if (s === undefined) {
      const labels: Labels = {};
      this.labelNames.forEach((n, i) => { labels[n] = values[i] ?? ""; });
      s = { labels, counts: new Float64Array(this.buckets.length + 1), sum: 0, count: 0 };
      this.series.set(key, s);
    }
    let i = 0;
    while (i < this.buckets.length && seconds > (this.buckets[i] as number)) i++;
    (s.counts as Float64Array)[i] = (s.counts[i] ?? 0) + 1;
    s.sum += seconds;
    s.count++;
  }

  count(key: string): number {
    return this.series.get(key)?.count ?? 0;
  }

  async get() {
    const values: Sample[] = [];
    for (const s of this.series.values()) {
      let acc = 0;
      this.buckets.forEach((b, i) => {
        acc += s.counts[i] ?? 0;
        values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: String(b) }, value: acc });
      });
      values.push({ metricName: `${this.name}_bucket`, labels: { ...s.labels, le: "+Inf" }, value: s.count });
      values.push({ metricName: `${this.name}_sum`, labels: s.labels, value: s.sum });
      values.push({ metricName: `${this.name}_count`, labels: s.labels, value: s.count });
    }
    return { name: this.name, help: this.help, type: this.type, values, aggregator: "sum" as const };
  }
}

/** A metric read from live state at scrape, never on the request path (§5.2). */
export class ScrapeMetric implements RegistryMetric {
  constructor(reg: Registry, readonly name: string, readonly help: string, readonly type: "counter" | "gauge",
    private readonly read: () => Sample[] | Promise<Sample[]>) {
    register(reg, this);
  }

  async get() {
    return { name: this.name, help: this.help, type: this.type, values: await this.read(), aggregator: "sum" as const };
  }
}
