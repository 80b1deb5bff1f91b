// The audit webhook (platform.md §5.4): one JSON POST per completed request, governance refusals included (auth
// failures never reach a record). Deliveries never touch the request: the record is serialised and sent on a
// later turn of the event loop, at most `webhook_max_inflight` are in flight and a record beyond that is dropped,
// not queued; each delivery is cut at `webhook_timeout_ms`; no retry (§5.4); redirects are failures.
import { createHmac } from "node:crypto";
import type { ObservabilitySpec } from "../config/model.ts";
import { totalInput } from "../ir/usage.ts";
import type { FetchFn } from "../runtime.ts";
import type { Logger } from "./log.ts";
import { outcomeOf, type RecordSink, type RequestRecord } from "./record.ts";

export type AuditSpec = NonNullable<ObservabilitySpec["audit"]>;

/** The §5.4 payload: the reference's five fields, then busbar's additions. No prompt, output, header or secret. */
export function auditPayload(r: RequestRecord): Record<string, unknown> {
  const served = r.attempts.findLast((a) => a.disposition === "ok") ?? r.attempts.at(-1);
  return {
    ts: Math.floor(r.startMs / 1000),
    ingress_protocol: r.ingressProtocol ?? null,
    pool: r.pool,
    outcome: outcomeOf(r),
    latency_ms: Math.round(r.endMs - r.startMs),
    request_id: r.requestId,
    status: r.status,
    stream: r.stream,
    key_id: r.keyId ?? null,
    lane: served?.lane ?? null,
    attempts: r.attempts.length,
    failovers: r.failovers,
    lanes_tried: r.attempts.map((a) => ({
      lane: a.lane, provider: a.provider, disposition: a.disposition, status: a.status ?? null, ms: Math.round(a.endMs - a.startMs),
    })),
    input_tokens: r.usage === undefined ? null : totalInput(r.usage),
    output_tokens: r.usage?.output ?? null,
    cost_microcents: r.costMicros ?? null,
    dropped_fields: r.dropped ?? null,
    gateway_ms: Number((r.gatewayNs / 1e6).toFixed(3)),
  };
}

export class AuditSink implements RecordSink {
  private inFlight = 0;
  private droppedN = 0;
  private failedN = 0;
  private deliveredN = 0;
  private readonly pending = new Set<Promise<void>>();

  constructor(private readonly spec: AuditSpec, private readonly deps: { readonly fetch: FetchFn; readonly log: Logger }) {}

  /** Records dropped because `webhook_max_inflight` deliveries were already under way. */
  get dropped(): number {
    return this.droppedN;
  }

  /** Deliveries that timed out, were refused, redirected or answered non-2xx. */
  get failed(): number {
    return this.failedN;
  }

  get delivered(): number {
    return this.deliveredN;
  }

  record(r: RequestRecord): void {
    if (this.inFlight >= this.spec.maxInflight) {
      this.droppedN++;
      return;
    }
    this.inFlight++;
    // setImmediate: after the response has been handed to Bun, so serialising and signing never delay it.
    const p = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.deliver(r))
      .catch(() => {}) // only a throwing logger gets here; a delivery never rejects otherwise
      .finally(() => {
        this.inFlight--;
        this.pending.delete(p);
      });
    this.pending.add(p);
  }

  async flush(timeoutMs: number): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const limit = new Promise<void>((r) => { timer = setTimeout(r, timeoutMs); });
    await Promise.race([Promise.allSettled([...this.pending]), limit]);
    clearTimeout(timer);
  }

  private async deliver(r: RequestRecord): Promise<void> {
    const body = JSON.stringify(auditPayload(r));
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.spec.authorization !== undefined) headers["authorization"] = this.spec.authorization;
    if (this.spec.secret !== undefined) headers["x-busbar-signature"] = `sha256=${createHmac("sha256", this.spec.secret).update(body).digest("hex")}`;
    try {
      const res = await this.deps.fetch(new URL(this.spec.url), {
        method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(this.spec.timeoutMs),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.deliveredN++;
        return;
      }
      this.fail(`status ${res.status}`, r);
    } catch (e) {
      this.fail(e instanceof Error && (e.name === "TimeoutError" || e.name === "AbortError") ? "timeout" : "unreachable", r);
    }
  }

  /** Logged at debug with the request id only: the URL may carry credentials, the body is the record. */
  private fail(reason: string, r: RequestRecord): void {
    this.failedN++;
    this.deps.log.debug("audit webhook delivery failed", { reason, request_id: r.requestId });
  }
}
