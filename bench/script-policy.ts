// What a script routing policy adds per request (issue #9: under 50 µs at p50 over the weighted default), in-process:
// the real handler against a canned upstream, the same two-member pool with `policy: weighted` and with a trivial
// script, requests one at a time, interleaved. Latency per request, not CPU: the script runs in a worker
// thread, so its cost is mostly the message round trip, which a CPU sum on this thread would not see.
// Usage: bun bench/script-policy.ts [N]   (bounded: 4 × N requests per side, default N = 5 000)
import { embeddedCatalogText } from "../src/config/catalog.ts";
import { loadConfig } from "../src/config/load.ts";
import { nativeRoutes } from "../src/app.ts";
import { buildRuntime } from "../src/runtime.ts";
import { scriptProblems } from "../src/route/script-policy.ts";

const N = Number(process.argv[2] ?? 5000);
const cfg = `auth: { mode: none }
providers:
  up: { protocol: openai, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true }
models:
  a: { provider: up, upstream_model: a }
  b: { provider: up, upstream_model: b }
pools:
  weighted: { members: [ { target: a }, { target: b } ] }
  script: { members: [ { target: a }, { target: b } ], policy: { name: script, script: "function route(req, c) { return [1, 0]; }", instances: 1 } }
`;
const loaded = loadConfig({ configText: cfg, configFile: "c", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {} });
if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
const body = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "a", choices: [{ index: 0, message: { role: "assistant", content: "hi" }, finish_reason: "stop" }], usage: { prompt_tokens: 5, completion_tokens: 1, total_tokens: 6 } });
const fakeFetch = async () => new Response(body, { headers: { "content-type": "application/json", "content-length": String(body.length) } });
const rt = buildRuntime(loaded.config, { fetch: fakeFetch as never });
const problems = await scriptProblems(loaded.config.pools, rt.log);
if (problems.length > 0) throw new Error(problems.join("\n"));
const post = nativeRoutes(rt)["/v1/chat/completions"]!.POST;

let seq = 0;
async function once(pool: string): Promise<number> {
  const req = new Request("http://127.0.0.1/v1/chat/completions", { method: "POST", body: `{"model":"${pool}","messages":[{"role":"user","content":"req ${seq++}"}]}` });
  const t = Bun.nanoseconds();
  const res = await post(req);
  await res.text();
  const ns = Bun.nanoseconds() - t;
  if (pool === "script" && res.headers.get("x-busbar-route-policy") !== "script") throw new Error("the script did not decide");
  return ns;
}

// Interleaved request by request (weighted, script, script, weighted, …) so drift on a shared VM lands on both.
const samples: Record<string, number[]> = { weighted: [], script: [] };
for (let i = 0; i < 2000; i++) await once(i % 2 === 0 ? "weighted" : "script"); // warm-up, discarded
for (let i = 0; i < N * 4; i++) {
  const order = i % 2 === 0 ? ["weighted", "script"] : ["script", "weighted"];
  for (const pool of order) samples[pool]!.push(await once(pool));
}
const pct = (xs: number[], p: number) => xs[Math.min(xs.length - 1, Math.floor(xs.length * p))]! / 1000;
for (const s of Object.values(samples)) s.sort((a, b) => a - b);
const row = (name: string) => `${name.padEnd(9)} p50 ${pct(samples[name]!, 0.5).toFixed(1)} µs  p99 ${pct(samples[name]!, 0.99).toFixed(1)} µs  (n=${samples[name]!.length})`;
console.log(row("weighted"));
console.log(row("script"));
console.log(`added by the script policy: p50 ${(pct(samples["script"]!, 0.5) - pct(samples["weighted"]!, 0.5)).toFixed(1)} µs, p99 ${(pct(samples["script"]!, 0.99) - pct(samples["weighted"]!, 0.99)).toFixed(1)} µs`);
process.exit(0); // the worker is unref'd, but say so plainly
