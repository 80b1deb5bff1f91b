// The audit webhook (platform.md §5.4, §8 OBS-05) against a real receiver on loopback: one record per request with
// the documented fields, a signature that verifies, deliveries beyond webhook_max_inflight dropped and counted,
// each delivery cut at its timeout, refusals and redirects counted as failures, and a gateway whose receiver never
// answers still serving every request. The sink is built directly with an http://127.0.0.1 URL: loading such a
// URL from config is refused (§4.2 webhook column), which tests/config covers.
import { describe, expect, test } from "bun:test";
import { createHmac } from "node:crypto";
import { type AuditSpec, AuditSink } from "../../src/observe/audit-webhook.ts";
import { jsonLogger } from "../../src/observe/log.ts";
import { epochMs, newRecord, type RequestRecord } from "../../src/observe/record.ts";
import { LANE_ENV, sixProtocolYaml, startGateway } from "../helpers/gateway.ts";
import { stopAfterEach } from "../helpers/teardown.ts";

const SECRET = "audit-hmac-secret-0123";
const { servers, gateway } = stopAfterEach();

interface Received { readonly body: string; readonly headers: Headers }

/** A receiver that answers `status`, or holds every request until `release()` when `hold` is set. */
function receiver(o: { status?: number; hold?: boolean; location?: string } = {}) {
  const got: Received[] = [];
  let release: () => void = () => {};
  const released = new Promise<void>((r) => { release = r; });
  const server = Bun.serve({
    hostname: "127.0.0.1", port: 0,
    fetch: async (req) => {
      got.push({ body: await req.text(), headers: req.headers });
      if (o.hold === true) await released;
      return new Response(null, { status: o.status ?? 204, headers: o.location === undefined ? {} : { location: o.location } });
    },
  });
  servers.push(server);
  return { url: `http://127.0.0.1:${server.port}/audit`, got, release };
}

const spec = (url: string, over: Partial<AuditSpec> = {}): AuditSpec => ({ url, authorization: undefined, secret: SECRET, maxInflight: 64, timeoutMs: 2000, ...over });

function record(i = 0): RequestRecord {
  const r = newRecord(`req-${i}`, "POST", "/v1/chat/completions", null);
  r.ingressProtocol = "openai";
  r.pool = "fast";
  r.status = 200;
  r.keyId = "vk_0123456789abcdef";
  r.usage = { input: 12, output: 48, cacheRead: 3 };
  r.costMicros = 15_600;
  r.gatewayNs = 52_345;
  r.failovers = 1;
  r.attempts.push(
    { attempt: 1, pool: "fast", lane: "gpt", provider: "openai", egressProtocol: "openai", serverAddress: "api.openai.com", translated: false, startMs: r.startMs, endMs: r.startMs + 5, status: 503, disposition: "transient_upstream", ttftMs: undefined },
    { attempt: 2, pool: "fast", lane: "claude", provider: "anthropic", egressProtocol: "anthropic", serverAddress: "api.anthropic.com", translated: true, startMs: r.startMs + 5, endMs: r.startMs + 412, status: 200, disposition: "ok", ttftMs: undefined },
  );
  r.endMs = epochMs();
  return r;
}

const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe("payload and signature", () => {
  test("one POST per record with the §5.4 fields; X-Busbar-Signature is the HMAC of the exact body", async () => {
    const rx = receiver();
    const sink = new AuditSink(spec(rx.url), { fetch, log: silent });
    sink.record(record(1));
    await sink.flush(5000);
    expect(rx.got).toHaveLength(1);
    const { body, headers } = rx.got[0]!;
    expect(headers.get("x-busbar-signature")).toBe(`sha256=${createHmac("sha256", SECRET).update(body).digest("hex")}`);
    expect(headers.get("content-type")).toBe("application/json");
    const p = JSON.parse(body);
    expect(p).toEqual({
      ts: expect.any(Number), ingress_protocol: "openai", pool: "fast", outcome: "ok", latency_ms: expect.any(Number),
      request_id: "req-1", status: 200, stream: false, key_id: "vk_0123456789abcdef", lane: "claude", attempts: 2, failovers: 1,
      lanes_tried: [
        { lane: "gpt", provider: "openai", disposition: "transient_upstream", status: 503, ms: 5 },
        { lane: "claude", provider: "anthropic", disposition: "ok", status: 200, ms: 407 },
      ],
      input_tokens: 15, output_tokens: 48, cost_microcents: 15_600, dropped_fields: null, gateway_ms: 0.052,
    });
    expect(Number.isInteger(p.ts)).toBe(true);
    expect(sink.delivered).toBe(1);
  });

  test("URL userinfo becomes the Authorization header, and no log line carries it or the secret", async () => {
    const rx = receiver({ status: 500 });
    const lines: string[] = [];
    const sink = new AuditSink(spec(rx.url, { authorization: "Basic dXNlcjpodW50ZXIy" }), { fetch, log: jsonLogger("debug", (l) => { lines.push(l); }) });
    sink.record(record());
    await sink.flush(5000);
    expect(rx.got[0]!.headers.get("authorization")).toBe("Basic dXNlcjpodW50ZXIy");
    expect(sink.failed).toBe(1);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l).not.toContain("dXNlcjpodW50ZXIy");
      expect(l).not.toContain(SECRET);
    }
  });
});

describe("bounded, never blocking", () => {
  test("64 held in flight: the next 36 are dropped and counted, not queued; record() returns at once", async () => {
    const rx = receiver({ hold: true });
    const sink = new AuditSink(spec(rx.url), { fetch, log: silent });
    for (let i = 0; i < 100; i++) sink.record(record(i));
    expect(sink.dropped).toBe(36);
    while (rx.got.length < 64) await new Promise((r) => setImmediate(r));
    rx.release();
    await sink.flush(5000);
    expect([rx.got.length, sink.delivered, sink.dropped]).toEqual([64, 64, 36]);
    sink.record(record(101)); // room again
    await sink.flush(5000);
    expect(sink.delivered).toBe(65);
  });

  test("each held delivery is cut at webhook_timeout_ms and counted as failed", async () => {
    const rx = receiver({ hold: true });
    const sink = new AuditSink(spec(rx.url, { timeoutMs: 50 }), { fetch, log: silent });
    for (let i = 0; i < 5; i++) sink.record(record(i));
    await sink.flush(10_000);
    expect([sink.failed, sink.delivered, sink.dropped]).toEqual([5, 0, 0]);
    rx.release();
  });

  test("a receiver that is down, or that redirects, is a failure; nothing throws", async () => {
    const down = receiver();
    const url = down.url;
    await servers.pop()!.stop(true); // the port is closed now
    const redirect = receiver({ status: 302, location: "http://127.0.0.1:9/elsewhere" });
    const a = new AuditSink(spec(url), { fetch, log: silent });
    const b = new AuditSink(spec(redirect.url), { fetch, log: silent });
    a.record(record());
    b.record(record());
    await Promise.all([a.flush(5000), b.flush(5000)]);
    expect([a.failed, b.failed, redirect.got.length]).toEqual([1, 1, 1]);
  });
});

describe("through the gateway", () => {
  test("a receiver that never answers: every request still succeeds, one record each, the excess dropped", async () => {
    const rx = receiver({ hold: true });
    const sink = new AuditSink(spec(rx.url, { maxInflight: 8 }), { fetch, log: silent });
    const gw = gateway(await startGateway({
      yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"),
      env: LANE_ENV,
      runtime: { sinks: { audit: sink } },
    }));
    const statuses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "pool-openai", messages: [{ role: "user", content: "hi" }] }),
    }).then(async (r) => { await r.arrayBuffer(); return r.status; })));
    expect(statuses).toEqual(Array(20).fill(200));
    while (rx.got.length < 8) await new Promise((r) => setImmediate(r));
    expect(sink.dropped).toBe(12);
    rx.release();
    await sink.flush(5000);
    expect(rx.got.map((g) => JSON.parse(g.body).pool)).toEqual(Array(8).fill("pool-openai"));
    const metrics = await (await fetch(`${gw.url}/metrics`)).text();
    expect(metrics).toContain("busbar_webhook_logs_dropped_total 12");
  });
});
