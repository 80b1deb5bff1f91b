// Smoke test of a built binary (CI, and by hand after `bun build.ts`): `--version`, then `demo` on an
// ephemeral port answering one request from the official OpenAI SDK and one from the Anthropic SDK, then a config
// with a script routing policy: its QuickJS worker thread must be embedded in the binary and pick the member.
// Usage: bun release/smoke.ts [path/to/busbar] [--runner "cmd args"]   (default: this host's binary in dist/)
// `--runner` runs a cross-compiled binary through an emulator, e.g. the linux-arm64 build under
// `qemu-aarch64-static -L /usr/aarch64-linux-gnu` (CI does), so that artifact is proven, not assumed.
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
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
    let timer: Timer | undefined;
    const expired = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), deadline - Date.now()); });
    // The timer is cleared each round: a pending one would keep this script alive for the whole bound after success.
    const next = await Promise.race([reader.read(), expired]).finally(() => clearTimeout(timer));
    if (next === undefined || next.done) break;
    seen += dec.decode(next.value, { stream: true });
    const m = seen.match(pattern);
    if (m !== null) { reader.releaseLock(); return m; }
  }
  fail(`binary did not print ${pattern} within ${ms} ms; it printed:\n${seen}`);
}

const { values, positionals } = parseArgs({ args: Bun.argv.slice(2), allowPositionals: true, options: { runner: { type: "string" } } });
const host = hostTarget(process.platform, process.arch, false);
const bin = resolve(positionals[0] ?? (host === undefined ? fail("no host target") : `dist/${binaryName(host)}`));
const runner = values.runner?.split(" ").filter(Boolean) ?? [];
/** An emulated binary starts ~10× slower (JIT included): its start-up bounds grow with it. */
const slow = runner.length > 0 ? 10 : 1;
const cmd = (...args: string[]) => [...runner, bin, ...args];

const version = Bun.spawnSync(cmd("--version"));
const versionText = version.stdout.toString().trim();
if (version.exitCode !== 0 || !/^busbar \d+\.\d+\.\d+ /.test(versionText)) fail(`--version printed "${versionText}"`);
console.log(`smoke: ${versionText}`);

// Run from an empty directory with an empty environment: the demo needs no files, keys or network.
const proc = Bun.spawn(cmd("demo", "--port", "0"), { stdout: "pipe", stderr: "inherit", cwd: "/tmp", env: {} });
try {
  const [, url] = await readUntil(proc.stdout, /busbar demo is up on (http:\/\/127\.0\.0\.1:\d+)/, 10_000 * slow);
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
  p: { members: [ { target: a }, { target: b } ], policy: { name: script, script: "function route(req, c) { return [1]; }", timeout_ms: ${5 * slow * slow} } }
`);
const served = Bun.spawn(cmd("--config", cfg), { stdout: "ignore", stderr: "pipe", cwd: dir, env: {} });
try {
  const [, url] = await readUntil(served.stderr, /"busbar listening".*?"url":"([^"]+)"/, 20_000 * slow);
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
