// SEC-06 (platform.md §4.4, §8): sentinel secrets never appear in anything the gateway prints or answers. The real
// process runs at debug level in front of a mock upstream with faults, through a workload with errors (auth
// failures on every carrier, upstream 401/429/500, failover, exhaustion, malformed bodies, streams), and every
// byte it wrote to stdout/stderr, every response (headers and bodies), /stats and /healthz are searched for each
// secret, its SHA-256 and its base64.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";

const SECRETS = {
  openai: "SENTINEL-openai-key-7f3a9c41d2",
  responses: "SENTINEL-responses-key-0b8e66a1",
  anthropicFile: "SENTINEL-anthropic-filekey-5d7c2e90",
  gemini: "SENTINEL-gemini-key-a41f0c3e",
  bedrockId: "AKIDSENTINEL0BEDROCK",
  bedrockSecret: "SENTINEL/bedrock+secret9Xq2",
  cohere: "SENTINEL-cohere-key-91c0aa7e",
  client: "SENTINEL-client-token-3e1b77f0c5",
} as const;

let dir: string;
let mock: MockUpstream;
let proc: ReturnType<typeof Bun.spawn>;
let url: string;
let stderrText = "";
const seen: string[] = [];

function forms(s: string): string[] {
  return [s, createHash("sha256").update(s).digest("hex"), Buffer.from(s).toString("base64")];
}

async function readUntil(stream: ReadableStream<Uint8Array>, marker: RegExp, sink: (s: string) => void): Promise<RegExpExecArray> {
  const reader = stream.getReader();
  const dec = new TextDecoder();
  let buf = "";
  for (;;) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`process ended before ${marker}: ${buf}`);
    const s = dec.decode(value, { stream: true });
    buf += s;
    sink(s);
    const m = marker.exec(buf);
    if (m !== null) {
      // Keep draining in the background so nothing the process writes later is lost.
      void (async () => {
        for (;;) {
          const r = await reader.read().catch(() => ({ done: true, value: undefined }));
          if (r.done) return;
          sink(dec.decode(r.value, { stream: true }));
        }
      })();
      return m;
    }
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "busbar-leak-"));
  mock = startMockUpstream({ port: 0, faults: true });
  const keyFile = join(dir, "anthropic.key");
  writeFileSync(keyFile, `${SECRETS.anthropicFile}\n`, { mode: 0o600 });
  const prov = (p: string, auth: string) => `  up-${p}: { protocol: ${p}, base_url: "${mock.url}", ${auth}, allow_private_network: true${p === "bedrock" ? ", region: us-west-2" : ""} }`;
  const protos = ["openai", "responses", "anthropic", "gemini", "bedrock", "cohere"];
  const yaml = [
    `listen: "127.0.0.1:0"`,
    `auth: { mode: token, client_tokens: ["\${CLIENT_TOKEN}"] }`,
    `observability: { emit_server_timing: true }`,
    "providers:",
    prov("openai", "api_key_env: KEY_OPENAI"),
    prov("responses", "api_key_env: KEY_RESPONSES"),
    prov("anthropic", `api_key_file: "${keyFile}"`),
    prov("gemini", "api_key_env: KEY_GEMINI"),
    prov("bedrock", "api_key_env: KEY_BEDROCK"),
    prov("cohere", "api_key_env: KEY_COHERE"),
    "models:",
    ...protos.map((p) => `  m-${p}: { provider: up-${p}, upstream_model: "${p === "bedrock" ? "vendor.model-v1:0" : `up-${p}`}" }`),
    ...protos.map((p) => `  bad-${p}: { provider: up-${p}, upstream_model: "x@fault-cycle=unauthorized;rate_limited;server_error" }`),
    "pools:",
    ...protos.map((p) => `  ok-${p}: { members: [ { target: m-${p} } ] }`),
    ...protos.map((p) => `  flaky-${p}: { members: [ { target: bad-${p} }, { target: m-${p} } ], policy: { name: ordered } }`),
    ...protos.map((p) => `  dead-${p}: { members: [ { target: bad-${p} } ], failover: { cap: 0 } }`),
  ].join("\n");
  const cfg = join(dir, "config.yaml");
  writeFileSync(cfg, `${yaml}\n`);
  proc = Bun.spawn(["bun", "src/main.ts", "--config", cfg], {
    env: {
      PATH: process.env["PATH"] ?? "", BUSBAR_LOG_LEVEL: "debug",
      CLIENT_TOKEN: SECRETS.client, KEY_OPENAI: SECRETS.openai, KEY_RESPONSES: SECRETS.responses, KEY_GEMINI: SECRETS.gemini,
      KEY_BEDROCK: `${SECRETS.bedrockId}:${SECRETS.bedrockSecret}`, KEY_COHERE: SECRETS.cohere,
    },
    stdout: "pipe",
    stderr: "pipe",
  });
  void (async () => {
    const r = (proc.stdout as ReadableStream<Uint8Array>).getReader();
    const dec = new TextDecoder();
    for (;;) {
      const x = await r.read();
      if (x.done) return;
      seen.push(dec.decode(x.value));
    }
  })();
  const m = await readUntil(proc.stderr as ReadableStream<Uint8Array>, /"busbar listening".*?"url":"(http:\/\/[^"]+)"/, (s) => { stderrText += s; });
  url = m[1] ?? "";
}, 20_000);

afterAll(async () => {
  proc.kill();
  await proc.exited;
  await mock.stop();
  rmSync(dir, { recursive: true, force: true });
});

interface Call {
  readonly path: string;
  readonly body: unknown;
  readonly headers?: Record<string, string>;
}

function calls(pool: (p: string) => string, auth: (p: string) => Record<string, string>): Call[] {
  const msg = "please echo nothing secret";
  const out: Call[] = [];
  for (const stream of [false, true]) {
    out.push(
      { path: "/v1/chat/completions", body: { model: pool("openai"), stream, messages: [{ role: "user", content: msg }] }, headers: auth("openai") },
      { path: "/v1/responses", body: { model: pool("responses"), stream, input: msg }, headers: auth("responses") },
      { path: "/v1/messages", body: { model: pool("anthropic"), stream, max_tokens: 16, messages: [{ role: "user", content: msg }] }, headers: auth("anthropic") },
      { path: `/v1beta/models/${pool("gemini")}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`, body: { contents: [{ role: "user", parts: [{ text: msg }] }] }, headers: auth("gemini") },
      { path: `/model/${pool("bedrock")}/${stream ? "converse-stream" : "converse"}`, body: { messages: [{ role: "user", content: [{ text: msg }] }] }, headers: auth("bedrock") },
      { path: "/v2/chat", body: { model: pool("cohere"), stream, messages: [{ role: "user", content: msg }] }, headers: auth("cohere") },
    );
  }
  return out;
}

/** The caller's usual carrier per SDK: Bearer, x-api-key (Anthropic), x-goog-api-key (Gemini). */
function carrier(token: string): (p: string) => Record<string, string> {
  return (p): Record<string, string> => p === "anthropic" ? { "x-api-key": token } : p === "gemini" ? { "x-goog-api-key": token } : { authorization: `Bearer ${token}` };
}

async function run(c: Call): Promise<number> {
  const res = await fetch(`${url}${c.path}`, { method: "POST", headers: { "content-type": "application/json", ...c.headers }, body: JSON.stringify(c.body) });
  seen.push(JSON.stringify([...res.headers]), await res.text());
  return res.status;
}

test("a workload with errors leaves no trace of any secret in output, answers, /stats or /healthz", async () => {
  const statuses: number[] = [];
  for (const pools of [(p: string) => `ok-${p}`, (p: string) => `flaky-${p}`, (p: string) => `dead-${p}`]) {
    for (const c of calls(pools, carrier(SECRETS.client))) statuses.push(await run(c));
  }
  // Wrong tokens on every carrier, including Gemini's ?key= (which must not be logged).
  for (const c of calls((p) => `ok-${p}`, carrier(`${SECRETS.client}x`))) statuses.push(await run(c));
  statuses.push(await run({ path: `/v1beta/models/ok-gemini:generateContent?key=${SECRETS.client}x`, body: { contents: [] } }));
  statuses.push(await run({ path: `/v1beta/models/ok-gemini:generateContent?key=${SECRETS.client}`, body: { contents: [{ role: "user", parts: [{ text: "q" }] }] } }));
  // Malformed bodies and unknown routes, authenticated.
  for (const body of ["{", "[", "null", '{"model":'])
    statuses.push((await fetch(`${url}/v1/chat/completions`, { method: "POST", headers: { authorization: `Bearer ${SECRETS.client}` }, body })).status);
  statuses.push((await fetch(`${url}/nope`, { headers: { authorization: `Bearer ${SECRETS.client}` } })).status);

  const stats = await fetch(`${url}/stats`, { headers: { authorization: `Bearer ${SECRETS.client}` } });
  seen.push(await stats.text());
  seen.push(await (await fetch(`${url}/healthz`)).text());

  // The workload really had successes, client errors, failovers and exhaustion.
  expect(statuses.filter((s) => s === 200).length).toBeGreaterThan(20);
  expect(statuses).toContain(401);
  expect(statuses).toContain(400);
  expect(statuses.some((s) => s >= 500)).toBe(true);

  proc.kill("SIGTERM");
  await proc.exited;
  const everything = stderrText + seen.join("\n");
  expect(everything.length).toBeGreaterThan(10_000);
  const leaked = Object.entries(SECRETS).flatMap(([name, s]) => forms(s).filter((f) => everything.includes(f)).map(() => name));
  expect(leaked).toEqual([]);

  // Upstream: the lane keys arrive (that is their job); the caller's token and ?key= never do.
  const upstream = JSON.stringify(mock.requests);
  expect(upstream).toContain(SECRETS.openai);
  expect(upstream).not.toContain(SECRETS.client);
  expect(upstream).not.toContain("key=");
}, 60_000);
