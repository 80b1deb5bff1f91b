// `/metrics` (platform.md §5.2, reliability.md §12): the metric table, fed from completed request records, a few
// direct calls (routing decisions, governance refusals, health probes), and live state read at scrape. Every label
// value comes from an operator-controlled set: a configured pool or model, `adhoc`, `unresolved`, a `vk_` id, or a
// closed enum; never a raw client string (OBS-03).
import { Registry } from "prom-client";
import type { Governor } from "../govern/governor.ts";
import { PERIODS } from "../govern/store/types.ts";
import type { Cell } from "../route/breaker.ts";
import type { Lane, Pool } from "../route/lanes.ts";
import type { Logger } from "./log.ts";
import { KeyedCounter, KeyedHistogram, type Sample, ScrapeMetric } from "./prom.ts";
import { type AttemptDisposition, type AttemptRecord, outcomeOf, type RequestRecord } from "./record.ts";

/** A lane's `lane` label: its configured model name, or `adhoc` for `/{provider}/{model}/…` lanes. */
export const laneLabel = (lane: Lane): string => (lane.model === undefined ? "adhoc" : lane.name);

/** `upstream_failures_total{disposition}` (§5.2): what the breaker made of a failed attempt. */
function failureDisposition(d: AttemptDisposition): string | undefined {
  switch (d) {
    case "ok":
    case "client_fault":
    case "invalid":
    case "aborted":
      return undefined;
    case "attempt_timeout":
    case "hard_down":
    case "context_length":
      return d;
    case "connect":
    case "timeout":
    case "transient_upstream":
    case "stream_precommit":
      return "transient_upstream";
  }
}

const STATE_VALUE = { closed: 0, half_open: 1, open: 2 } as const;

/** Live state the scrape reads; attached once the runtime exists. */
export interface ScrapeSources {
  readonly pools: () => Iterable<Pool>;
  readonly lanes: () => Iterable<Lane>;
  readonly governor: Governor | undefined;
  readonly nowMs: () => number;
  readonly keyGaugeLimit: number;
  readonly log: Logger;
  readonly build: { readonly version: string; readonly commit: string; readonly target: string };
  /** Records or spans each sink dropped so far. */
  readonly sinkDrops: () => { readonly webhook: number; readonly otlp: number };
}

const startedAt = Date.now() / 1000;

export class GatewayMetrics {
  readonly registry = new Registry();
  private sources: ScrapeSources | undefined;
  private inflight = 0;
  private warnedKeys = false;

  private readonly requests = new KeyedCounter(this.registry, "busbar_requests_total", "Requests by ingress protocol, pool and outcome.", ["ingress_protocol", "pool", "outcome"]);
  private readonly duration = new KeyedHistogram(this.registry, "busbar_request_duration_seconds", "Request time to the last byte delivered, failover hops included.", ["ingress_protocol", "pool"]);
  private readonly overhead = new KeyedHistogram(this.registry, "busbar_gateway_overhead_seconds", "Gateway time per request: the Server-Timing value (platform.md §5.5).", ["ingress_protocol"]);
  private readonly attempts = new KeyedCounter(this.registry, "busbar_upstream_attempts_total", "Upstream attempts by pool and lane.", ["pool", "lane"]);
  private readonly failures = new KeyedCounter(this.registry, "busbar_upstream_failures_total", "Failed upstream attempts by pool, lane and disposition.", ["pool", "lane", "disposition"]);
  private readonly ttft = new KeyedHistogram(this.registry, "busbar_ttft_seconds", "Time to first byte of served streams, from dispatch.", ["pool", "lane"]);
  private readonly translations = new KeyedCounter(this.registry, "busbar_translations_total", "Served requests translated between protocols.", ["from", "to"]);
  private readonly lossy = new KeyedCounter(this.registry, "busbar_translation_dropped_total", "Translated requests that dropped fields (x-busbar-dropped).", ["from", "to"]);
  private readonly midstream = new KeyedCounter(this.registry, "busbar_midstream_failures_total", "Committed streams that failed after their first byte.", ["pool", "lane"]);
  private readonly decisions = new KeyedCounter(this.registry, "busbar_route_decisions_total", "Routing policy decisions by outcome (reliability.md §11.4).", ["pool", "policy", "outcome"]);
  private readonly decisionSeconds = new KeyedHistogram(this.registry, "busbar_route_decision_seconds", "Latency of webhook and script routing policies.", ["pool", "policy"]);
  private readonly rejections = new KeyedCounter(this.registry, "busbar_governance_rejections_total", "Requests governance refused, by the bucket that blocked.", ["reason"]);
  private readonly usageMissingC = new KeyedCounter(this.registry, "busbar_usage_missing_total", "Governed 2xx answers that reported no token usage.", ["lane"]);
  private readonly probes = new KeyedCounter(this.registry, "busbar_health_probes_total", "Active health probes by lane and outcome.", ["lane", "outcome"]);
  private readonly edge = new KeyedCounter(this.registry, "busbar_edge_refusals_total", "Requests refused at the edge before routing: auth failures and load shedding.", ["reason"]);

  constructor() {
    const reg = this.registry;
    const src = () => this.sources;
    new ScrapeMetric(reg, "busbar_failovers_total", "Failovers by pool and reason.", "counter", () =>
      [...(src()?.pools() ?? [])].flatMap((p) => Object.entries(p.counters.failovers).map(([reason, n]) => ({ labels: { pool: p.name, reason }, value: n ?? 0 }))));
    new ScrapeMetric(reg, "busbar_breaker_trips_total", "Closed→Open transitions and hard-downs per pool cell.", "counter", () =>
      this.cells().map(({ pool, lane, cell }) => ({ labels: { pool, lane }, value: cell.trips })));
    new ScrapeMetric(reg, "busbar_lane_state", "Breaker state per pool and lane: 0 Closed, 1 HalfOpen, 2 Open or hard-down.", "gauge", () =>
      this.cells().map(({ pool, lane, cell }) => ({ labels: { pool, lane }, value: STATE_VALUE[cell.state] })));
    new ScrapeMetric(reg, "busbar_degraded_dispatch_total", "least_bad dispatches that ignored the breaker.", "counter", () =>
      [...(src()?.pools() ?? [])].map((p) => ({ labels: { pool: p.name }, value: p.counters.degraded })));
    new ScrapeMetric(reg, "busbar_route_policy_selections_total", "Routing policy decisions that preferred an order.", "counter", () =>
      this.decisionSamples().filter((s) => s.outcome === "prefer").map((s) => ({ labels: { pool: s.pool, policy: s.policy }, value: s.value })));
    new ScrapeMetric(reg, "busbar_store_errors_total", "Governance store failures by operation.", "counter", () =>
      Object.entries(src()?.governor?.storeErrors ?? {}).map(([op, n]) => ({ labels: { op }, value: n })));
    new ScrapeMetric(reg, "busbar_webhook_logs_dropped_total", "Audit webhook records dropped (too many deliveries in flight).", "counter", () =>
      [{ labels: {}, value: src()?.sinkDrops().webhook ?? 0 }]);
    new ScrapeMetric(reg, "busbar_otlp_spans_dropped_total", "Trace spans dropped (queue full or export failed).", "counter", () =>
      [{ labels: {}, value: src()?.sinkDrops().otlp ?? 0 }]);
    new ScrapeMetric(reg, "busbar_inflight_requests", "Requests admitted and not yet delivered.", "gauge", () => [{ labels: {}, value: this.inflight }]);
    new ScrapeMetric(reg, "busbar_build_info", "The running build.", "gauge", () => {
      const b = src()?.build;
      return b === undefined ? [] : [{ labels: { version: b.version, commit: b.commit, target: b.target }, value: 1 }];
    });
    new ScrapeMetric(reg, "process_resident_memory_bytes", "Resident memory size in bytes.", "gauge", () => [{ labels: {}, value: process.memoryUsage.rss() }]);
    new ScrapeMetric(reg, "process_start_time_seconds", "Start time of the process since the Unix epoch, in seconds.", "gauge", () => [{ labels: {}, value: startedAt }]);
    new ScrapeMetric(reg, "process_cpu_seconds_total", "User and system CPU time spent, in seconds.", "counter", () => {
      const u = process.cpuUsage();
      return [{ labels: {}, value: (u.user + u.system) / 1e6 }];
    });
    const keys = () => this.keyGauges();
    new ScrapeMetric(reg, "busbar_key_spend_cents", "Spend per virtual key in its current budget window, in cents.", "gauge", async () => (await keys()).spend);
    new ScrapeMetric(reg, "busbar_key_budget_remaining_cents", "Budget left per capped virtual key in its current window, in cents, floored at 0.", "gauge", async () => (await keys()).remaining);
    new ScrapeMetric(reg, "busbar_key_tokens_total", "Tokens per virtual key in its current budget window.", "gauge", async () => (await keys()).tokens);
  }

  attach(sources: ScrapeSources): void {
    this.sources = sources;
  }

  // ---- the request path ----

  requestStarted(): void {
    this.inflight++;
  }

  /** A completed record: counters and histograms (called once per request, after delivery). */
  requestEnded(r: RequestRecord): void {
    this.inflight--;
    const proto = r.ingressProtocol;
    if (proto === undefined) return; // not a generation request (discovery, /stats, an unknown path)
    const outcome = outcomeOf(r);
    this.requests.inc(`${proto}\u0000${r.pool}\u0000${outcome}`, [proto, r.pool, outcome]);
    const pk = `${proto}\u0000${r.pool}`;
    this.duration.observe(pk, [proto, r.pool], Math.max(0, r.endMs - r.startMs) / 1000);
    this.overhead.observe(proto, [proto], r.gatewayNs / 1e9);
    let served: AttemptRecord | undefined;
    for (const a of r.attempts) {
      const lk = `${a.pool}\u0000${a.lane}`;
      this.attempts.inc(lk, [a.pool, a.lane]);
      const d = failureDisposition(a.disposition);
      if (d !== undefined) this.failures.inc(`${lk}\u0000${d}`, [a.pool, a.lane, d]);
      if (a.disposition === "ok") served = a;
    }
    if (served === undefined) return;
    const lk = `${served.pool}\u0000${served.lane}`;
    if (served.ttftMs !== undefined) this.ttft.observe(lk, [served.pool, served.lane], served.ttftMs / 1000);
    if (r.midstreamFailure) this.midstream.inc(lk, [served.pool, served.lane]);
    if (served.translated) {
      const tk = `${proto}\u0000${served.egressProtocol}`;
      this.translations.inc(tk, [proto, served.egressProtocol]);
      if (r.dropped !== undefined) this.lossy.inc(tk, [proto, served.egressProtocol]);
    }
  }

  /** `seconds`: a webhook's or script's own latency; a native strategy ranks in-process and has none to report. */
  routeDecision(pool: string, policy: string, outcome: string, seconds?: number): void {
    this.decisions.inc(`${pool}\u0000${policy}\u0000${outcome}`, [pool, policy, outcome]);
    if (seconds !== undefined) this.decisionSeconds.observe(`${pool}\u0000${policy}`, [pool, policy], seconds);
  }

  governanceRejected(reason: string): void {
    this.rejections.inc(reason, [reason]);
  }

  usageMissing(lane: Lane | undefined): void {
    const l = lane === undefined ? "unknown" : laneLabel(lane);
    this.usageMissingC.inc(l, [l]);
  }

  healthProbe(lane: Lane, outcome: string): void {
    const l = laneLabel(lane);
    this.probes.inc(`${l}\u0000${outcome}`, [l, outcome]);
  }

  /** `auth` (a bad or missing credential) or `shed` (max_inbound_concurrent). */
  edgeRefused(reason: "auth" | "shed"): void {
    this.edge.inc(reason, [reason]);
  }

  /** The exposition text (`text/plain; version=0.0.4`). */
  async expose(): Promise<string> {
    return this.registry.metrics();
  }

  // ---- scrape-time readers ----

  /** Every breaker cell with its labels: pool members, and each configured model's direct-route cell. */
  private cells(): { pool: string; lane: string; cell: Cell }[] {
    const s = this.sources;
    if (s === undefined) return [];
    const out: { pool: string; lane: string; cell: Cell }[] = [];
    for (const p of s.pools()) for (const m of p.members) out.push({ pool: p.name, lane: laneLabel(m.lane), cell: m.cell });
    for (const l of s.lanes()) out.push({ pool: l.name, lane: l.name, cell: l.defaultCell });
    return out;
  }

  private decisionSamples(): { pool: string; policy: string; outcome: string; value: number }[] {
    return this.decisions.samples().map((s) => ({
      pool: s.labels["pool"] ?? "", policy: s.labels["policy"] ?? "", outcome: s.labels["outcome"] ?? "", value: s.value,
    }));
  }

  /** One store read per key, at most `key_gauge_limit` keys (§5.2); a failing store leaves the gauges empty. */
  private async keyGauges(): Promise<{ spend: Sample[]; remaining: Sample[]; tokens: Sample[] }> {
    const out = { spend: [] as Sample[], remaining: [] as Sample[], tokens: [] as Sample[] };
    const s = this.sources;
    const gov = s?.governor;
    if (s === undefined || gov === undefined) return out;
    try {
      const all = await gov.store.listKeys();
      all.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      if (all.length > s.keyGaugeLimit && !this.warnedKeys) {
        this.warnedKeys = true;
        s.log.warn("per-key gauges truncated", { keys: all.length, key_gauge_limit: s.keyGaugeLimit });
      }
      const now = s.nowMs();
      for (const k of all.slice(0, s.keyGaugeLimit)) {
        const period = PERIODS.includes(k.budgetPeriod) ? k.budgetPeriod : "monthly";
        const u = await gov.store.usage(k.id, period, now);
        const labels = { key: k.id };
        out.spend.push({ labels, value: u.spendMicros / 1e6 });
        out.tokens.push({ labels, value: u.tokens });
        if (k.maxBudgetMicros !== undefined && k.maxBudgetMicros !== null) {
          out.remaining.push({ labels, value: Math.max(0, k.maxBudgetMicros - u.spendMicros) / 1e6 });
        }
      }
    } catch {
      // Counted by the store's own callers; a scrape never fails on it.
    }
    return out;
  }
}
