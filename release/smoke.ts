// Smoke test of a built binary (CI, and by hand after `bun build.ts`): `--version`, then `demo` on an
// ephemeral port answering one request from the official OpenAI SDK and one from the Anthropic SDK.
// Usage: bun release/smoke.ts [path/to/busbar]   (default: this host's binary in dist/)
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { resolve } from "node:path";
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
  console.log("smoke: ok");
} finally {
  proc.kill();
  await proc.exited;
}
