// OBS-05 (platform.md §8): what the audit webhook costs a request when its endpoint is healthy, slow, or never
// answers, against the same gateway with the webhook off. Real sockets on loopback: client → gateway → mock upstream,
// one request at a time, rounds alternating between the four setups.
// Usage: bun bench/audit.ts [requests per round]   (bounded: default 2 000 × 3 rounds per setup)
import { AuditSink } from "../src/observe/audit-webhook.ts";
import type { RecordSink } from "../src/observe/record.ts";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../tests/helpers/gateway.ts";

const N = Number(process.argv[2] ?? 2000);
const silent = { debug() {}, info() {}, warn() {}, error() {} };
let hold: Promise<void> = new Promise(() => {});
const receivers = {
  healthy: Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response(null, { status: 204 }) }),
  slow: Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Promise<Response>((r) => setTimeout(() => r(new Response(null, { status: 204 })), 200)) }),
  hung: Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: async () => { await hold; return new Response(null); } }),
};
const sink = (s: { port?: number | undefined }, timeoutMs: number): RecordSink =>
  new AuditSink({ url: `http://127.0.0.1:${s.port}/audit`, authorization: undefined, secret: "k", maxInflight: 64, timeoutMs }, { fetch, log: silent });

const setups: Record<string, RecordSink | undefined> = {
  off: undefined,
  healthy: sink(receivers.healthy, 2000),
  slow: sink(receivers.slow, 2000),
  hung: sink(receivers.hung, 10_000),
};
const gateways: Record<string, TestGateway> = {};
for (const [name, s] of Object.entries(setups)) {
  gateways[name] = await startGateway({
    yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"),
    env: LANE_ENV,
    ...(s === undefined ? {} : { runtime: { sinks: { audit: s } } }),
  });
}

const body = JSON.stringify({ model: "pool-openai", messages: [{ role: "user", content: "hi" }] });
async function round(g: TestGateway): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < N; i++) {
    const t = Bun.nanoseconds();
    const res = await fetch(`${g.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body });
    await res.arrayBuffer();
    out.push(Bun.nanoseconds() - t);
    if (res.status !== 200) throw new Error(`status ${res.status}`);
  }
  return out;
}

const names = Object.keys(setups);
for (const n of names) await round(gateways[n]!); // warm-up, discarded
const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
for (let r = 0; r < 3; r++) for (const n of r % 2 === 0 ? names : [...names].reverse()) samples[n]!.push(...await round(gateways[n]!));
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! / 1000;
for (const n of names) samples[n]!.sort((a, b) => a - b);
const base = samples["off"]!;
for (const n of names) {
  const s = samples[n]!;
  const dropped = setups[n]?.dropped ?? 0;
  console.log(`${n.padEnd(8)} p50 ${pct(s, 0.5).toFixed(0)} µs  p99 ${pct(s, 0.99).toFixed(0)} µs  (vs off: p50 ${(pct(s, 0.5) - pct(base, 0.5)).toFixed(0)}, p99 ${(pct(s, 0.99) - pct(base, 0.99)).toFixed(0)} µs; n=${s.length}; dropped ${dropped})`);
}
hold = Promise.resolve();
process.exit(0);
