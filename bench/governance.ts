// What governance adds per request (issue #8): the real handler in-process against a canned upstream answer, with
// governance off, and on over the memory, sqlite and redis stores (a real redis-server on loopback). Each governed
// request authenticates a virtual key, reserves (one store round trip) and settles (another, off the answer's path).
// Prints wall-time p50/p99 per request (serial, so a store round trip shows in full) and CPU µs/request, and the
// difference against "off". Usage: bun bench/governance.ts [requests=5000]
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nativeRoutes } from "../src/app.ts";
import { embeddedCatalogText } from "../src/config/catalog.ts";
import { loadConfig } from "../src/config/load.ts";
import { Governor } from "../src/govern/governor.ts";
import { hashSecret, mintKeyId, mintSecret } from "../src/govern/keys.ts";
import { openStore, type StoreSpec } from "../src/govern/store/index.ts";
import { silentLogger } from "../src/observe/log.ts";
import { buildRuntime } from "../src/runtime.ts";
import { startRedis } from "../tests/helpers/redis.ts";

const N = Number(process.argv[2] ?? 5000);
const oaBody = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "mock-gpt", choices: [{ index: 0, message: { role: "assistant", content: "Hello from the bench upstream." }, finish_reason: "stop" }], usage: { prompt_tokens: 256, completion_tokens: 30, total_tokens: 286 } });
const fakeFetch = async () => new Response(oaBody, { status: 200, headers: { "content-type": "application/json" } });
const pad = "lorem ipsum dolor sit amet ".repeat(35);

function config(governed: boolean) {
  const text = `auth: { mode: ${governed ? "token" : "none"} }
providers:
  up: { protocol: openai, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true }
models:
  gpt: { provider: up, upstream_model: mock-gpt }
pools:
  bench: { members: [ { target: gpt } ] }
${governed ? `governance: { enabled: true, store: { kind: memory }, rate_card: { gpt: { input_cents_per_mtok: 250, output_cents_per_mtok: 1000 } } }\nadmin: { token: t }\n` : ""}`;
  const loaded = loadConfig({ configText: text, configFile: "c", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {} });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  return loaded.config;
}

interface Row { readonly name: string; readonly p50: number; readonly p99: number; readonly cpu: number }

async function measure(name: string, store: StoreSpec | undefined): Promise<Row> {
  const cfg = config(store !== undefined);
  let governor: Governor | undefined;
  let secret = "";
  if (store !== undefined) {
    governor = new Governor({ ...cfg.governance, keyCacheMs: 1000 }, await openStore(store), Date.now, silentLogger);
    secret = mintSecret();
    await governor.store.createKey({
      id: mintKeyId(), hash: hashSecret(secret), name: "bench", labels: {}, allowedPools: ["bench"], maxBudgetMicros: 1e15,
      budgetPeriod: "monthly", rpmLimit: 10_000_000, tpmLimit: 1e12, enabled: true, expiresAt: undefined, createdAt: Date.now(),
    });
  }
  const rt = buildRuntime(cfg, { fetch: fakeFetch as never, ...(governor === undefined ? {} : { governor }) });
  const post = nativeRoutes(rt)["/v1/chat/completions"]!.POST;
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (secret !== "") headers["authorization"] = `Bearer ${secret}`;
  const one = async (i: number) => {
    const res = await post(new Request("http://127.0.0.1:8080/v1/chat/completions", {
      method: "POST", headers, body: `{"model":"bench","max_tokens":64,"messages":[{"role":"user","content":"req ${i} ${pad}"}]}`,
    }));
    if (res.status !== 200) throw new Error(`${name}: status ${res.status}: ${await res.text()}`);
    await res.text();
  };
  for (let i = 0; i < Math.min(2000, N); i++) await one(i);
  const lat: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < N; i++) {
    const t = Bun.nanoseconds();
    await one(i);
    lat.push((Bun.nanoseconds() - t) / 1000);
  }
  const c = process.cpuUsage(c0);
  await governor?.close();
  lat.sort((a, b) => a - b);
  const q = (p: number) => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))]!;
  return { name, p50: q(0.5), p99: q(0.99), cpu: (c.user + c.system) / N };
}

const dir = mkdtempSync(join(tmpdir(), "busbar-bench-gov-"));
const redis = await startRedis();
try {
  const rows = [
    await measure("off", undefined),
    await measure("memory", { kind: "memory" }),
    await measure("sqlite", { kind: "sqlite", path: join(dir, "gov.db"), busyTimeoutMs: 5000 }),
    await measure("redis", { kind: "redis", url: redis.url, prefix: "bench:" }),
  ];
  const off = rows[0]!;
  console.log(`governance cost, ${N} serial requests in-process (canned upstream), µs`);
  console.log("| store | p50 | p99 | CPU/req | Δp50 vs off | Δp99 vs off | ΔCPU vs off |");
  console.log("|---|---|---|---|---|---|---|");
  for (const r of rows) {
    const d = (a: number, b: number) => (r === off ? "—" : `+${(a - b).toFixed(1)}`);
    console.log(`| ${r.name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.cpu.toFixed(1)} | ${d(r.p50, off.p50)} | ${d(r.p99, off.p99)} | ${d(r.cpu, off.cpu)} |`);
  }
} finally {
  await redis.stop();
  rmSync(dir, { recursive: true, force: true });
}
