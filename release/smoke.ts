// Smoke test of a built binary (CI, and by hand after `bun build.ts`): `--version`, then `demo` on an
// ephemeral port answering one request from the official OpenAI SDK and one from the Anthropic SDK, then a config
// with a script routing policy: its QuickJS worker thread must be embedded in the binary and pick the member.
// Usage: bun release/smoke.ts [path/to/busbar]   (default: this host's binary in dist/)
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { startMockUpstream } from "../src/mock/index.ts";
import { binaryName, hostTarget } from "../build.ts";

function fail(msg: string): never {
  console.error(`smoke: FAIL: ${msg}`);
  process.exit(1);
}

async function readUntil(stream: ReadableStream<Uint8Array>, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let seen = "";
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    const next = await Promise.race([reader.read(), Bun.sleep(deadline - Date.now()).then(() => undefined)]);
    if (next === undefined || next.done) break;
    seen += dec.decode(next.value, { stream: true });
    const m = seen.match(pattern);
    if (m !== null) { reader.releaseLock(); return m; }
  }
  fail(`binary did not print ${pattern} within ${ms} ms; it printed:\n${seen}`);
}

const host = hostTarget(process.platform, process.arch, false);
const bin = resolve(process.argv[2] ?? (host === undefined ? fail("no host target") : `dist/${binaryName(host)}`));

const version = Bun.spawnSync([bin, "--version"]);
const versionText = version.stdout.toString().trim();
if (version.exitCode !== 0 || !/^busbar \d+\.\d+\.\d+ /.test(versionText)) fail(`--version printed "${versionText}"`);
console.log(`smoke: ${versionText}`);

// Run from an empty directory with an empty environment: the demo needs no files, keys or network.
const proc = Bun.spawn([bin, "demo", "--port", "0"], { stdout: "pipe", stderr: "inherit", cwd: "/tmp", env: {} });
try {
  const [, url] = await readUntil(proc.stdout, /busbar demo is up on (http:\/\/127\.0\.0\.1:\d+)/, 10_000);
  const oa = await new OpenAI({ apiKey: "unused", baseURL: `${url}/v1`, maxRetries: 0 }).chat.completions.create({
    model: "demo-openai", messages: [{ role: "user", content: "smoke" }],
  });
  const oaText = oa.choices[0]?.message.content ?? "";
  const an = await new Anthropic({ apiKey: "unused", baseURL: url, maxRetries: 0 }).messages.create({
    model: "demo-anthropic", max_tokens: 32, messages: [{ role: "user", content: "smoke" }],
  });
  const first = an.content[0];
  const anText = first?.type === "text" ? first.text : "";
  if (!oaText.includes("(openai)")) fail(`openai SDK got "${oaText}"`);
  if (!anText.includes("(anthropic)")) fail(`anthropic SDK got "${anText}"`);
  console.log(`smoke: openai SDK → ${oaText}`);
  console.log(`smoke: anthropic SDK → ${anText}`);
  console.log("smoke: demo ok");
} finally {
  proc.kill();
  await proc.exited;
}

// The script policy: a worker entrypoint of its own inside the binary (build.ts), QuickJS's wasm embedded in its JS.
const dir = mkdtempSync(join(tmpdir(), "busbar-smoke-"));
const mock = startMockUpstream({ port: 0 });
const cfg = join(dir, "config.yaml");
writeFileSync(cfg, `listen: "127.0.0.1:0"
auth: { mode: none }
providers:
  up: { protocol: openai, base_url: "${mock.url}", auth: none, allow_private_network: true }
models:
  a: { provider: up, upstream_model: a }
  b: { provider: up, upstream_model: b }
pools:
  p: { members: [ { target: a }, { target: b } ], policy: { name: script, script: "function route(req, c) { return [1]; }" } }
`);
const served = Bun.spawn([bin, "--config", cfg], { stdout: "ignore", stderr: "pipe", cwd: dir, env: {} });
try {
  const [, url] = await readUntil(served.stderr, /"busbar listening".*?"url":"([^"]+)"/, 20_000);
  const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", body: JSON.stringify({ model: "p", messages: [{ role: "user", content: "smoke" }] }) });
  await res.text();
  const picked = [res.status, res.headers.get("x-busbar-route-policy"), res.headers.get("x-busbar-route-target")];
  if (JSON.stringify(picked) !== JSON.stringify([200, "script", "b"])) fail(`script policy answered ${JSON.stringify(picked)}`);
  console.log("smoke: script policy → b (QuickJS worker in the binary)");
} finally {
  served.kill();
  await served.exited;
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
}
console.log("smoke: ok");
