// Where completed requests go (platform.md §5): every admitted request gets a record at the edge, and when its
// delivery ends the record is handed to the metrics and then to each sink (audit webhook, OTLP, access log). Sinks
// queue and deliver on their own; nothing here awaits, so a slow or dead sink never delays a response.
import { totalInput } from "../ir/usage.ts";
import type { Logger } from "./log.ts";
import type { GatewayMetrics } from "./metrics.ts";
import { epochMs, newRecord, outcomeOf, type RecordSink, type RequestRecord } from "./record.ts";

/** The configured sinks (observability.request_log_webhook_url, observability.otlp_endpoint). */
export interface ObserverSinks {
  readonly audit?: RecordSink | undefined;
  readonly otlp?: RecordSink | undefined;
}

export class Observer {
  /** Token usage is worth extracting from every answer (a sink reports it); governance extracts it anyway. */
  readonly wantsUsage: boolean;

  private readonly sinks: readonly RecordSink[];

  constructor(readonly metrics: GatewayMetrics, private readonly named: ObserverSinks, private readonly log: Logger,
    private readonly accessLog: boolean) {
    this.sinks = [named.audit, named.otlp].filter((s): s is RecordSink => s !== undefined);
    this.wantsUsage = this.sinks.length > 0 || accessLog;
  }

  begin(requestId: string, method: string, route: string, traceparent: string | null): RequestRecord {
    this.metrics.requestStarted();
    return newRecord(requestId, method, route, traceparent);
  }

  /** Called exactly once per record, when the request's inbound place is released (ingress/limits.ts). */
  complete(r: RequestRecord): void {
    r.endMs = epochMs();
    this.metrics.requestEnded(r);
    if (r.ingressProtocol === undefined) return;
    for (const s of this.sinks) {
      try {
        s.record(r);
      } catch (e) {
        // A sink's bug must not reach the request path; it is the sink's loss, logged without the record.
        this.log.error("observability sink failed", { error: e instanceof Error ? e.name : "unknown" });
      }
    }
    if (this.accessLog) this.log.info("request", accessFields(r));
  }

  /** Records or spans dropped so far, by sink kind (for the `*_dropped_total` counters). */
  drops(): { webhook: number; otlp: number } {
    return { webhook: this.named.audit?.dropped ?? 0, otlp: this.named.otlp?.dropped ?? 0 };
  }

  /** Shutdown (platform.md §6.5): every sink delivers what it holds, within `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.flush(timeoutMs).catch(() => {})));
  }
}

/** The access log line (§5.6): the audit record's fields, no prompt, header or secret. */
export function accessFields(r: RequestRecord): Record<string, unknown> {
  const served = r.attempts.findLast((a) => a.disposition === "ok") ?? r.attempts.at(-1);
  return {
    request_id: r.requestId, ingress_protocol: r.ingressProtocol, pool: r.pool, outcome: outcomeOf(r), status: r.status,
    stream: r.stream, key_id: r.keyId ?? null, lane: served?.lane ?? null, attempts: r.attempts.length, failovers: r.failovers,
    latency_ms: Math.round(r.endMs - r.startMs), gateway_ms: Number((r.gatewayNs / 1e6).toFixed(3)),
    input_tokens: r.usage === undefined ? null : totalInput(r.usage), output_tokens: r.usage?.output ?? null,
    cost_microcents: r.costMicros ?? null, dropped: r.dropped ?? null,
  };
}
