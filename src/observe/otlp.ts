// OTLP/HTTP traces, JSON encoding (platform.md §5.3): each completed request becomes a span tree built from its
// record after the fact, with the record's own timestamps: `busbar.request` (SERVER) → `governance.admit` and
// `forward` (INTERNAL) → one `forward_once` (CLIENT) per attempt. Spans are queued and exported in batches, every
// 5 s or at 512 spans; the queue holds 2048 and drops (and counts) beyond; one export at a time, cut at 10 s; a
// failed export drops its batch. Nothing here runs on the request's path but `record`, which only builds spans.
import type { ObservabilitySpec } from "../config/model.ts";
import { buildInfo } from "../build-info.ts";
import { totalInput } from "../ir/usage.ts";
import type { FetchFn } from "../runtime.ts";
import type { Logger } from "./log.ts";
import { outcomeOf, type RecordSink, type RequestRecord } from "./record.ts";

export type OtlpSpec = NonNullable<ObservabilitySpec["otlp"]>;

export const BATCH_SPANS = 512;
export const QUEUE_SPANS = 2048;
export const EXPORT_EVERY_MS = 5000;
export const EXPORT_TIMEOUT_MS = 10_000;

/** OTLP `Span.SpanKind` and `Status.StatusCode` (opentelemetry-proto trace.proto). */
const KIND = { internal: 1, server: 2, client: 3 } as const;
const STATUS_OK = 1;
const STATUS_ERROR = 2;

type AttrValue = string | number | boolean;
interface KeyValue { readonly key: string; readonly value: Record<string, AttrValue> }

export interface OtlpSpan {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly kind: number;
  readonly startTimeUnixNano: string;
  readonly endTimeUnixNano: string;
  readonly attributes: KeyValue[];
  readonly status: { readonly code: number };
}

function attr(key: string, v: AttrValue | undefined | null): KeyValue | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === "string") return { key, value: { stringValue: v } };
  if (typeof v === "boolean") return { key, value: { boolValue: v } };
  // OTLP JSON carries 64-bit integers as strings.
  return Number.isInteger(v) ? { key, value: { intValue: String(v) } } : { key, value: { doubleValue: v } };
}

const attrs = (...kv: (KeyValue | undefined)[]): KeyValue[] => kv.filter((x): x is KeyValue => x !== undefined);

/** Epoch ms with a fraction → unix nanoseconds as a decimal string (exact to the microsecond). */
export function nanos(ms: number): string {
  const us = Math.round(ms * 1000);
  return `${us}000`;
}

function hexId(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  let s = "";
  for (const x of b) s += x.toString(16).padStart(2, "0");
  return s;
}

/** The span tree of one request (§5.3 attribute table). No prompt, output, header or secret. */
export function spansOf(r: RequestRecord): OtlpSpan[] {
  const [, traceFromCaller, parentFromCaller] = r.traceparent?.split("-") ?? [];
  const traceId = traceFromCaller ?? hexId(16);
  const rootId = hexId(8);
  const outcome = outcomeOf(r);
  const spans: OtlpSpan[] = [{
    traceId, spanId: rootId, ...(parentFromCaller === undefined ? {} : { parentSpanId: parentFromCaller }),
    name: "busbar.request", kind: KIND.server, startTimeUnixNano: nanos(r.startMs), endTimeUnixNano: nanos(r.endMs),
    attributes: attrs(
      attr("http.request.method", r.method), attr("http.route", r.route), attr("http.response.status_code", r.status),
      attr("busbar.ingress_protocol", r.ingressProtocol), attr("busbar.pool", r.pool), attr("busbar.outcome", outcome),
      attr("busbar.stream", r.stream), attr("busbar.key_id", r.keyId), attr("gen_ai.request.model", r.requestedModel),
      attr("gen_ai.usage.input_tokens", r.usage === undefined ? undefined : totalInput(r.usage)),
      attr("gen_ai.usage.output_tokens", r.usage?.output), attr("busbar.failovers", r.failovers),
      attr("busbar.request_id", r.requestId),
    ),
    status: { code: outcome === "ok" ? STATUS_OK : STATUS_ERROR },
  }];
  if (r.governance !== undefined) {
    spans.push({
      traceId, spanId: hexId(8), parentSpanId: rootId, name: "governance.admit", kind: KIND.internal,
      startTimeUnixNano: nanos(r.governance.startMs), endTimeUnixNano: nanos(r.governance.endMs),
      attributes: attrs(attr("busbar.decision", r.governance.decision)),
      status: { code: r.governance.decision === "admit" ? STATUS_OK : STATUS_ERROR },
    });
  }
  const first = r.attempts[0];
  if (first === undefined) return spans;
  const forwardId = hexId(8);
  const last = r.attempts[r.attempts.length - 1]!;
  spans.push({
    traceId, spanId: forwardId, parentSpanId: rootId, name: "forward", kind: KIND.internal,
    startTimeUnixNano: nanos(first.startMs), endTimeUnixNano: nanos(Math.max(last.endMs, first.startMs)),
    attributes: attrs(attr("busbar.pool", r.pool), attr("busbar.ingress_protocol", r.ingressProtocol)),
    status: { code: last.disposition === "ok" ? STATUS_OK : STATUS_ERROR },
  });
  for (const a of r.attempts) {
    spans.push({
      traceId, spanId: hexId(8), parentSpanId: forwardId, name: "forward_once", kind: KIND.client,
      startTimeUnixNano: nanos(a.startMs), endTimeUnixNano: nanos(Math.max(a.endMs, a.startMs)),
      attributes: attrs(
        attr("busbar.lane", a.lane), attr("busbar.provider", a.provider), attr("busbar.egress_protocol", a.egressProtocol),
        attr("busbar.attempt", a.attempt), attr("server.address", a.serverAddress), attr("http.response.status_code", a.status),
        attr("busbar.disposition", a.disposition), attr("busbar.translated", a.translated),
      ),
      status: { code: a.disposition === "ok" ? STATUS_OK : STATUS_ERROR },
    });
  }
  return spans;
}

/** `ExportTraceServiceRequest` in OTLP/JSON. */
export function exportBody(spans: readonly OtlpSpan[], serviceName: string): string {
  const b = buildInfo();
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: attrs(attr("service.name", serviceName), attr("service.version", b.version), attr("busbar.commit", b.commit)) },
      scopeSpans: [{ scope: { name: "busbar", version: b.version }, spans }],
    }],
  });
}

export interface OtlpDeps {
  readonly fetch: FetchFn;
  readonly log: Logger;
  /** Calls `fn` every `ms` until the returned function is called; injectable so tests drive the timer. */
  readonly every?: (ms: number, fn: () => void) => () => void;
}

const realEvery = (ms: number, fn: () => void): (() => void) => {
  const t = setInterval(fn, ms);
  t.unref?.(); // never keeps the process alive
  return () => clearInterval(t);
};

export class OtlpSink implements RecordSink {
  private queue: OtlpSpan[] = [];
  private droppedN = 0;
  private exportedN = 0;
  private exporting: Promise<void> | undefined;
  private readonly stop: () => void;

  constructor(private readonly spec: OtlpSpec, private readonly deps: OtlpDeps) {
    this.stop = (deps.every ?? realEvery)(EXPORT_EVERY_MS, () => { void this.exportOnce(); });
  }

  /** Spans dropped: the queue was full, or their export failed. */
  get dropped(): number {
    return this.droppedN;
  }

  get exported(): number {
    return this.exportedN;
  }

  get queued(): number {
    return this.queue.length;
  }

  record(r: RequestRecord): void {
    const spans = spansOf(r);
    const room = QUEUE_SPANS - this.queue.length;
    if (spans.length > room) {
      // A request's spans go in whole or not at all, so a trace is never half there.
      this.droppedN += spans.length;
      return;
    }
    for (const s of spans) this.queue.push(s);
    if (this.queue.length >= BATCH_SPANS) void this.exportOnce();
  }

  /** Exports everything queued (shutdown), batch by batch, within `timeoutMs`. */
  async flush(timeoutMs: number): Promise<void> {
    const deadline = performance.now() + timeoutMs;
    this.stop();
    while ((this.queue.length > 0 || this.exporting !== undefined) && performance.now() < deadline) {
      await (this.exporting ?? this.exportOnce());
    }
  }

  /** One batch, unless one is already on its way (then that one). */
  exportOnce(): Promise<void> {
    if (this.exporting !== undefined) return this.exporting;
    if (this.queue.length === 0) return Promise.resolve();
    const batch = this.queue.splice(0, BATCH_SPANS);
    this.exporting = this.send(batch).catch(() => {}).finally(() => { this.exporting = undefined; });
    return this.exporting;
  }

  private async send(batch: OtlpSpan[]): Promise<void> {
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (this.spec.authorization !== undefined) headers["authorization"] = this.spec.authorization;
    try {
      const res = await this.deps.fetch(new URL(this.spec.url), {
        method: "POST", headers, body: exportBody(batch, this.spec.serviceName), redirect: "manual",
        signal: AbortSignal.timeout(EXPORT_TIMEOUT_MS),
      });
      await res.arrayBuffer().catch(() => undefined);
      if (res.status >= 200 && res.status < 300) {
        this.exportedN += batch.length;
        return;
      }
      this.lost(batch, `status ${res.status}`);
    } catch (e) {
      this.lost(batch, e instanceof Error && e.name === "TimeoutError" ? "timeout" : "unreachable");
    }
  }

  private lost(batch: OtlpSpan[], reason: string): void {
    this.droppedN += batch.length;
    // Never the URL: its userinfo was a credential (moved to the header, but the operator's URL is theirs).
    this.deps.log.debug("OTLP export failed", { reason, spans: batch.length });
  }
}
