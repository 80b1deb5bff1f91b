// What tracing costs per request (issue #10: "use the maintained OpenTelemetry JS packages unless measurement
// shows they cost too much"): CPU per request for the same four-span tree (request, forward, two attempts) built
// (a) with the OpenTelemetry SDK (BasicTracerProvider + BatchSpanProcessor + OTLPTraceExporter, JSON over HTTP)
// and (b) with busbar's own sink (src/observe/otlp.ts), both exporting to the same local collector on loopback.
// Usage: bun bench/otlp.ts [requests]   (bounded: default 20 000 requests per side, three rounds, alternating)
import { context, SpanKind, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BasicTracerProvider, BatchSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { OtlpSink } from "../src/observe/otlp.ts";
import { epochMs, newRecord, type RequestRecord } from "../src/observe/record.ts";

const N = Number(process.argv[2] ?? 20_000);
const collector = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async (req) => { await req.arrayBuffer(); return Response.json({}); } });
const url = `http://127.0.0.1:${collector.port}/v1/traces`;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

function record(i: number): RequestRecord {
  const r = newRecord(`req-${i}`, "POST", "/v1/chat/completions", null);
  Object.assign(r, { ingressProtocol: "openai", pool: "fast", status: 200, requestedModel: "fast", failovers: 1, usage: { input: 12, output: 48 } });
  const t = r.startMs;
  r.attempts.push(
    { attempt: 1, pool: "fast", lane: "gpt", provider: "openai", egressProtocol: "openai", serverAddress: "api.openai.com", translated: false, startMs: t, endMs: t + 5, status: 503, disposition: "transient_upstream", ttftMs: undefined },
    { attempt: 2, pool: "fast", lane: "claude", provider: "anthropic", egressProtocol: "anthropic", serverAddress: "api.anthropic.com", translated: true, startMs: t + 5, endMs: t + 40, status: 200, disposition: "ok", ttftMs: undefined },
  );
  r.endMs = epochMs();
  return r;
}

const provider = new BasicTracerProvider({
  resource: resourceFromAttributes({ "service.name": "busbar" }),
  spanProcessors: [new BatchSpanProcessor(new OTLPTraceExporter({ url }), { maxQueueSize: 2048, maxExportBatchSize: 512, scheduledDelayMillis: 5000 })],
});
const tracer = provider.getTracer("busbar");

function sdkTree(r: RequestRecord): void {
  const root = tracer.startSpan("busbar.request", {
    kind: SpanKind.SERVER, startTime: r.startMs,
    attributes: { "http.request.method": r.method, "http.route": r.route, "http.response.status_code": r.status, "busbar.pool": r.pool, "busbar.outcome": "ok", "gen_ai.usage.input_tokens": 12, "gen_ai.usage.output_tokens": 48 },
  });
  const rootCtx = trace.setSpan(context.active(), root);
  const fwd = tracer.startSpan("forward", { kind: SpanKind.INTERNAL, startTime: r.attempts[0]!.startMs, attributes: { "busbar.pool": r.pool } }, rootCtx);
  const fwdCtx = trace.setSpan(context.active(), fwd);
  for (const a of r.attempts) {
    tracer.startSpan("forward_once", {
      kind: SpanKind.CLIENT, startTime: a.startMs,
      attributes: { "busbar.lane": a.lane, "busbar.provider": a.provider, "server.address": a.serverAddress, "busbar.disposition": a.disposition, "busbar.attempt": a.attempt },
    }, fwdCtx).end(a.endMs);
  }
  fwd.end(r.attempts[1]!.endMs);
  root.end(r.endMs);
}

const ours = new OtlpSink({ url, authorization: undefined, serviceName: "busbar" }, { fetch, log: silent });

/** CPU µs per request, export included (the queue is flushed inside the measurement). */
async function measure(side: "sdk" | "busbar"): Promise<number> {
  const records = Array.from({ length: N }, (_, i) => record(i));
  Bun.gc(true);
  const c0 = process.cpuUsage();
  // In chunks of 128 requests (512 spans, one batch), flushed each time: neither queue (2048 spans) ever overflows,
  // so neither side gets cheaper by dropping spans.
  for (let i = 0; i < records.length; i += 128) {
    for (const r of records.slice(i, i + 128)) {
      if (side === "sdk") sdkTree(r);
      else ours.record(r);
    }
    if (side === "sdk") await provider.forceFlush();
    else while (ours.queued > 0) await ours.exportOnce();
  }
  if (side === "busbar" && ours.dropped > 0) throw new Error("busbar dropped spans: the measurement is void");
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / N;
}

const rows: { side: string; us: number }[] = [];
for (let round = 0; round < 3; round++) {
  for (const side of round % 2 === 0 ? ["sdk", "busbar"] as const : ["busbar", "sdk"] as const) rows.push({ side, us: await measure(side) });
}
for (const side of ["sdk", "busbar"]) {
  const v = rows.filter((r) => r.side === side).map((r) => r.us).sort((a, b) => a - b);
  console.log(`${side.padEnd(7)} CPU per request (4 spans, exported): median ${v[1]!.toFixed(2)} µs  (rounds: ${v.map((x) => x.toFixed(2)).join(", ")})`);
}
await provider.shutdown();
await collector.stop(true);
