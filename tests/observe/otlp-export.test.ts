// OTLP/HTTP JSON traces (platform.md §5.3, §8 OBS-04) into a local collector: the span tree of a request that
// failed over, with the §5.3 attributes and the caller's traceparent; batching by size and by the (injected)
// timer; a full queue drops and counts exactly; a collector that is down costs requests nothing; flush delivers
// what is queued. No sleeps: the timer is driven by hand and held exports are released by the test.
import { describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { jsonLogger } from "../../src/observe/log.ts";
import { type OtlpSpan, OtlpSink, type OtlpSpec, QUEUE_SPANS, spansOf } from "../../src/observe/otlp.ts";
import { epochMs, newRecord } from "../../src/observe/record.ts";
import type { FetchFn } from "../../src/runtime.ts";
import { chat, membersYaml } from "../e2e/reliability-kit.ts";
import { startGateway } from "../helpers/gateway.ts";
import { stopAfterEach } from "../helpers/teardown.ts";

const { servers, gateway } = stopAfterEach();

interface Export { resourceSpans: { resource: { attributes: unknown[] }; scopeSpans: { spans: OtlpSpan[] }[] }[] }

function collector() {
  const exports: { body: Export; headers: Headers }[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: async (req) => {
      exports.push({ body: await req.json() as Export, headers: req.headers });
      return Response.json({});
    },
  });
  servers.push(server);
  const spans = () => exports.flatMap((e) => e.body.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
  return { url: `http://127.0.0.1:${server.port}/v1/traces`, exports, spans };
}

/** A timer the test fires by hand. */
function manualTimer() {
  const fns: (() => void)[] = [];
  return { every: (_ms: number, fn: () => void) => { fns.push(fn); return () => {}; }, fire: () => { for (const f of fns) f(); } };
}

const spec = (url: string, authorization?: string): OtlpSpec => ({ url, authorization, serviceName: "busbar-test" });
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const attrOf = (s: OtlpSpan, key: string) => {
  const v = s.attributes.find((a) => a.key === key)?.value;
  return v === undefined ? undefined : Object.values(v)[0];
};

/** A record that makes exactly one span (no attempts, no governance). */
function oneSpanRecord() {
  const r = newRecord("r", "POST", "/v1/chat/completions", null);
  r.ingressProtocol = "openai";
  r.status = 200;
  r.endMs = epochMs();
  return r;
}

describe("OBS-04: the span tree through the gateway", () => {
  test("busbar.request → forward → forward_once × hops, with the §5.3 attributes, under the caller's trace", async () => {
    const rx = collector();
    const timer = manualTimer();
    const sink = new OtlpSink(spec(rx.url), { fetch, log: silent, every: timer.every });
    const gw = gateway(await startGateway({
      yaml: (m) => membersYaml(m, { A: "openai", B: "anthropic" }, "  p: { members: [ { target: A, weight: 100 }, { target: B } ] }"),
      runtime: { sinks: { otlp: sink } },
      mock: { memberTag: true },
    }));
    await mockControl(gw.mock.url).queue("A", { kind: "server_error" });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await chat(gw.url, "p", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(res.status).toBe(200);
    await res.text();
    while (sink.queued < 4) await new Promise((r) => setImmediate(r));
    timer.fire();
    await sink.flush(5000);

    const spans = rx.spans();
    expect(spans.map((s) => s.name)).toEqual(["busbar.request", "forward", "forward_once", "forward_once"]);
    const [root, forward, a1, a2] = spans as [OtlpSpan, OtlpSpan, OtlpSpan, OtlpSpan];
    for (const s of spans) expect(s.traceId).toBe(traceId);
    expect(root.parentSpanId).toBe("00f067aa0ba902b7");
    expect([forward.parentSpanId, a1.parentSpanId, a2.parentSpanId]).toEqual([root.spanId, forward.spanId, forward.spanId]);
    expect([root.kind, forward.kind, a1.kind]).toEqual([2, 1, 3]);
    expect(Object.fromEntries(["http.request.method", "http.route", "http.response.status_code", "busbar.ingress_protocol", "busbar.pool",
      "busbar.outcome", "busbar.stream", "gen_ai.request.model", "busbar.failovers"].map((k) => [k, attrOf(root, k)]))).toEqual({
      "http.request.method": "POST", "http.route": "/v1/chat/completions", "http.response.status_code": "200",
      "busbar.ingress_protocol": "openai", "busbar.pool": "p", "busbar.outcome": "ok", "busbar.stream": false,
      "gen_ai.request.model": "p", "busbar.failovers": "1",
    });
    expect([attrOf(a1, "busbar.lane"), attrOf(a1, "busbar.disposition"), attrOf(a1, "http.response.status_code"), attrOf(a1, "busbar.translated")])
      .toEqual(["A", "transient_upstream", "500", false]);
    expect([attrOf(a2, "busbar.lane"), attrOf(a2, "busbar.disposition"), attrOf(a2, "busbar.egress_protocol"), attrOf(a2, "busbar.translated"), attrOf(a2, "server.address"), attrOf(a2, "busbar.attempt")])
      .toEqual(["B", "ok", "anthropic", true, "127.0.0.1", "2"]);
    expect([a1.status.code, a2.status.code, root.status.code]).toEqual([2, 1, 1]);
    expect(BigInt(root.startTimeUnixNano) <= BigInt(a1.startTimeUnixNano)).toBe(true);
    expect(BigInt(a2.endTimeUnixNano) <= BigInt(root.endTimeUnixNano)).toBe(true);
    expect(rx.exports[0]!.body.resourceSpans[0]!.resource.attributes).toContainEqual({ key: "service.name", value: { stringValue: "busbar-test" } });
    expect(JSON.stringify(spans)).not.toContain("hi"); // no prompt text
  });

  test("a collector that is down: requests unaffected, the spans counted as dropped", async () => {
    const rx = collector();
    const url = rx.url;
    await servers.pop()!.stop(true);
    const sink = new OtlpSink(spec(url), { fetch, log: silent, every: manualTimer().every });
    const gw = gateway(await startGateway({
      yaml: (m) => membersYaml(m, { A: "openai" }, "  p: { members: [ { target: A } ] }"),
      runtime: { sinks: { otlp: sink } },
    }));
    for (let i = 0; i < 5; i++) expect((await (await chat(gw.url, "p")).text()).length).toBeGreaterThan(0);
    while (sink.queued < 15) await new Promise((r) => setImmediate(r));
    await sink.flush(5000);
    expect([sink.dropped, sink.exported]).toEqual([15, 0]);
    expect((await (await fetch(`${gw.url}/metrics`)).text())).toContain("busbar_otlp_spans_dropped_total 15");
  });
});

describe("batching and the queue", () => {
  test("512 spans export at once; fewer wait for the timer", async () => {
    const rx = collector();
    const timer = manualTimer();
    const sink = new OtlpSink(spec(rx.url), { fetch, log: silent, every: timer.every });
    for (let i = 0; i < 511; i++) sink.record(oneSpanRecord());
    expect(rx.exports).toHaveLength(0);
    sink.record(oneSpanRecord());
    await sink.exportOnce();
    expect(rx.spans()).toHaveLength(512);
    for (let i = 0; i < 3; i++) sink.record(oneSpanRecord());
    timer.fire();
    await sink.exportOnce();
    expect([rx.exports.length, rx.spans().length, sink.exported]).toEqual([2, 515, 515]);
  });

  test(`the queue holds ${QUEUE_SPANS} spans beyond the batch in flight; the next is dropped and counted`, async () => {
    let release: () => void = () => {};
    const held = new Promise<void>((r) => { release = r; });
    const bodies: string[] = [];
    const holdingFetch: FetchFn = async (_url, init) => {
      bodies.push(String(init.body));
      await held;
      return new Response("{}");
    };
    const sink = new OtlpSink(spec("http://127.0.0.1:4318/v1/traces"), { fetch: holdingFetch, log: silent, every: manualTimer().every });
    for (let i = 0; i < 512; i++) sink.record(oneSpanRecord()); // one batch, held in flight
    for (let i = 0; i < QUEUE_SPANS; i++) sink.record(oneSpanRecord());
    expect([sink.queued, sink.dropped]).toEqual([QUEUE_SPANS, 0]);
    sink.record(oneSpanRecord());
    expect(sink.dropped).toBe(1);
    release();
    await sink.flush(10_000);
    expect([sink.exported, sink.queued, bodies.length]).toEqual([512 + QUEUE_SPANS, 0, 5]);
  });

  test("Basic auth from the URL's userinfo is sent, and never logged", async () => {
    const rx = collector();
    const lines: string[] = [];
    const sink = new OtlpSink(spec(rx.url, "Basic b3RlbDpzM2NyZXQ="), { fetch, log: jsonLogger("debug", (l) => { lines.push(l); }), every: manualTimer().every });
    sink.record(oneSpanRecord());
    await sink.flush(5000);
    expect(rx.exports[0]!.headers.get("authorization")).toBe("Basic b3RlbDpzM2NyZXQ=");
    const down = new OtlpSink(spec("http://127.0.0.1:9/v1/traces", "Basic b3RlbDpzM2NyZXQ="), { fetch, log: jsonLogger("debug", (l) => { lines.push(l); }), every: manualTimer().every });
    down.record(oneSpanRecord());
    await down.flush(5000);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).not.toContain("b3RlbDpzM2NyZXQ=");
  });
});

test("governance.admit is a child of the root with the decision", () => {
  const r = oneSpanRecord();
  r.governance = { decision: "rate_limited", startMs: r.startMs, endMs: r.startMs + 0.2 };
  r.status = 429;
  const [root, admit] = spansOf(r) as [OtlpSpan, OtlpSpan];
  expect([admit.name, admit.parentSpanId, attrOf(admit, "busbar.decision"), admit.status.code, attrOf(root, "busbar.outcome")])
    .toEqual(["governance.admit", root.spanId, "rate_limited", 2, "client_error"]);
});
