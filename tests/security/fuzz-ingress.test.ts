// Seeded, bounded fuzzing of every ingress route (issue #7): random bytes and random mutations of valid requests.
// Against a healthy mock every 5xx is the gateway's own; every error must be a valid envelope in the caller's
// dialect; every 2xx must parse; the gateway keeps serving. The default seed is fixed so CI is repeatable;
// FUZZ_SEED=<n> replays a run, FUZZ_SEED=random explores, FUZZ_N sets its size.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { mulberry32 } from "../../src/ir/seeded.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

type Dialect = "openai" | "anthropic" | "gemini" | "bedrock" | "cohere";

interface Route {
  readonly method: string;
  readonly path: string;
  readonly dialect: Dialect;
  readonly body?: Record<string, unknown>;
}

const user = "fuzz me";
const ROUTES: readonly Route[] = [
  { method: "POST", path: "/v1/chat/completions", dialect: "openai", body: { model: "pool-openai", messages: [{ role: "user", content: user }], max_tokens: 20, tools: [{ type: "function", function: { name: "f", parameters: { type: "object", properties: { a: { type: "string" } } } } }] } },
  { method: "POST", path: "/v1/chat/completions", dialect: "openai", body: { model: "pool-anthropic", stream: true, messages: [{ role: "system", content: "s" }, { role: "user", content: [{ type: "text", text: user }] }] } },
  { method: "POST", path: "/v1/responses", dialect: "openai", body: { model: "pool-responses", input: [{ role: "user", content: [{ type: "input_text", text: user }] }], stream: false } },
  { method: "POST", path: "/v1/responses", dialect: "openai", body: { model: "pool-gemini", input: user, stream: true } },
  { method: "POST", path: "/v1/embeddings", dialect: "openai", body: { model: "pool-openai", input: ["a", "b"] } },
  { method: "POST", path: "/v1/messages", dialect: "anthropic", body: { model: "pool-anthropic", max_tokens: 20, messages: [{ role: "user", content: [{ type: "text", text: user }] }], tools: [{ name: "t", input_schema: { type: "object" } }] } },
  { method: "POST", path: "/v1/messages", dialect: "anthropic", body: { model: "pool-cohere", max_tokens: 20, stream: true, system: "s", messages: [{ role: "user", content: user }] } },
  { method: "POST", path: "/v1/messages/count_tokens", dialect: "anthropic", body: { model: "pool-anthropic", messages: [{ role: "user", content: user }] } },
  { method: "POST", path: "/pool-anthropic/v1/messages", dialect: "anthropic", body: { max_tokens: 20, messages: [{ role: "user", content: user }] } },
  { method: "POST", path: "/v1beta/models/pool-gemini:generateContent", dialect: "gemini", body: { contents: [{ role: "user", parts: [{ text: user }] }], generationConfig: { maxOutputTokens: 20 } } },
  { method: "POST", path: "/v1beta/models/pool-openai:streamGenerateContent?alt=sse", dialect: "gemini", body: { contents: [{ role: "user", parts: [{ text: user }] }], systemInstruction: { parts: [{ text: "s" }] } } },
  { method: "POST", path: "/model/pool-bedrock/converse", dialect: "bedrock", body: { messages: [{ role: "user", content: [{ text: user }] }], inferenceConfig: { maxTokens: 20 } } },
  { method: "POST", path: "/model/pool-anthropic/converse-stream", dialect: "bedrock", body: { messages: [{ role: "user", content: [{ text: user }] }], system: [{ text: "s" }] } },
  { method: "POST", path: "/v2/chat", dialect: "cohere", body: { model: "pool-cohere", messages: [{ role: "user", content: user }] } },
  { method: "POST", path: "/v2/chat", dialect: "cohere", body: { model: "pool-openai", stream: true, messages: [{ role: "user", content: user }] } },
  { method: "GET", path: "/v1/models", dialect: "openai" },
  { method: "GET", path: "/v1beta/models", dialect: "gemini" },
  { method: "GET", path: "/v1/models/pool-openai", dialect: "openai" },
];

const SEED = process.env["FUZZ_SEED"] === "random" ? Date.now() % 1_000_000 : Number(process.env["FUZZ_SEED"] ?? 20261122);
const N = Number(process.env["FUZZ_N"] ?? 1200);
const rand = mulberry32(SEED);
const int = (n: number) => Math.floor(rand() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;

function randomString(): string {
  const kinds = [
    () => "",
    () => "x".repeat(int(5000)),
    () => String.fromCharCode(...Array.from({ length: 1 + int(20) }, () => int(0x10000))), // lone surrogates included
    () => "\u0000\r\n\t\"\\",
    () => "gpt\r\nX-Injected: 1",
    () => "../../etc/passwd",
    () => "%2e%2e%2f",
    () => "😀".repeat(int(50)),
  ];
  return pick(kinds)();
}

function randomValue(depth = 0): unknown {
  const kinds: (() => unknown)[] = [
    () => null, () => true, () => int(1e6) - 5e5, () => 1e308 * 10 === Infinity ? 1e300 : 0, () => -0, () => 1.5e-300,
    () => Number.MAX_SAFE_INTEGER + 2, randomString,
    () => (depth > 3 ? [] : Array.from({ length: int(4) }, () => randomValue(depth + 1))),
    () => (depth > 3 ? {} : Object.fromEntries(Array.from({ length: int(4) }, () => [pick(["type", "text", "role", "content", "x", randomString()]), randomValue(depth + 1)]))),
  ];
  return pick(kinds)();
}

/** Random edit at a random place: replace, delete, or add. */
function mutate(v: unknown, depth = 0): unknown {
  if (depth > 6 || v === null || typeof v !== "object" || rand() < 0.25) return rand() < 0.5 ? randomValue() : v;
  if (Array.isArray(v)) {
    const out = [...v];
    const r = rand();
    if (r < 0.2) out.splice(int(out.length + 1), 0, randomValue());
    else if (r < 0.35 && out.length > 0) out.splice(int(out.length), 1);
    else if (out.length > 0) { const i = int(out.length); out[i] = mutate(out[i], depth + 1); }
    return out;
  }
  const out: Record<string, unknown> = { ...(v as Record<string, unknown>) };
  const keys = Object.keys(out);
  const r = rand();
  if (r < 0.15) out[pick(["stream", "model", "max_tokens", "tools", "temperature", "unknown_field", randomString()])] = randomValue();
  else if (r < 0.3 && keys.length > 0) delete out[pick(keys)];
  else if (keys.length > 0) { const k = pick(keys); out[k] = mutate(out[k], depth + 1); }
  return out;
}

function nested(levels: number): string {
  return "[".repeat(levels) + "]".repeat(levels);
}

interface Case {
  readonly route: Route;
  readonly body: string | Uint8Array | undefined;
  readonly contentType: string | undefined;
  readonly label: string;
}

function makeCase(): Case {
  const route = pick(ROUTES);
  const valid = route.body === undefined ? undefined : JSON.stringify(route.body);
  const r = rand();
  let body: string | Uint8Array | undefined = valid;
  let label = "valid";
  if (route.method === "GET") {
    label = "get";
  } else if (r < 0.15) {
    body = Uint8Array.from({ length: int(2000) }, () => int(256));
    label = "random bytes";
  } else if (r < 0.25 && valid !== undefined) {
    body = valid.slice(0, int(valid.length));
    label = "truncated";
  } else if (r < 0.3) {
    body = rand() < 0.5 ? nested(200 + int(2000)) : `{"a":${nested(150)}}`;
    label = "deep";
  } else if (r < 0.35 && valid !== undefined) {
    body = valid.replace("{", '{"model":"dup","model":' + JSON.stringify(randomString()) + ",");
    label = "duplicate keys";
  } else {
    body = JSON.stringify(mutate(route.body));
    label = "mutation";
  }
  const contentType = pick([undefined, "application/json", "application/json", "text/plain", "application/x-www-form-urlencoded", "application/json; charset=latin1"]);
  return { route, body, contentType, label };
}

function errorEnvelopeProblem(dialect: Dialect, status: number, headers: Headers, text: string): string | undefined {
  let j: any;
  try {
    j = JSON.parse(text);
  } catch {
    return "error body is not JSON";
  }
  const str = (x: unknown) => typeof x === "string";
  switch (dialect) {
    case "openai":
      return j?.error && str(j.error.message) && str(j.error.type) && "param" in j.error && "code" in j.error ? undefined : "not an OpenAI error envelope";
    case "anthropic":
      return j?.type === "error" && str(j.error?.type) && str(j.error?.message) ? undefined : "not an Anthropic error envelope";
    case "gemini":
      return typeof j?.error?.code === "number" && j.error.code === status && str(j.error.message) && str(j.error.status) ? undefined : "not a Gemini error envelope";
    case "bedrock":
      return str(j?.message) && headers.get("x-amzn-errortype") !== null ? undefined : "not a Bedrock error";
    case "cohere":
      return str(j?.message) ? undefined : "not a Cohere error";
  }
}

function successProblem(headers: Headers, body: Uint8Array): string | undefined {
  const ct = headers.get("content-type") ?? "";
  if (ct.includes("application/vnd.amazon.eventstream")) return body.byteLength > 0 ? undefined : "empty event stream";
  const text = new TextDecoder().decode(body);
  if (ct.includes("text/event-stream")) {
    for (const line of text.split("\n")) {
      if (!line.startsWith("data:")) continue;
      const data = line.slice(5).trim();
      if (data === "[DONE]" || data === "") continue;
      try { JSON.parse(data); } catch { return `unparseable SSE data: ${data.slice(0, 80)}`; }
    }
    return undefined;
  }
  try { JSON.parse(text); } catch { return "2xx body is not JSON"; }
  return undefined;
}

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (m) => sixProtocolYaml(m), env: LANE_ENV });
});
afterAll(() => gw.stop());

async function healthy(): Promise<number> {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}` },
    body: JSON.stringify({ model: "pool-openai", messages: [{ role: "user", content: "still there?" }] }),
  });
  await res.arrayBuffer();
  return res.status;
}

test(`fuzz: ${N} requests (seed ${SEED}); no crash, no gateway 5xx, every answer valid in its dialect`, async () => {
  console.log(`fuzz seed ${SEED} (replay with FUZZ_SEED=${SEED})`);
  const problems: string[] = [];
  const cases = Array.from({ length: N }, makeCase);
  const counts: Record<string, number> = {};
  const CONCURRENCY = 4;
  for (let i = 0; i < cases.length; i += CONCURRENCY) {
    await Promise.all(cases.slice(i, i + CONCURRENCY).map(async (c) => {
      const headers: Record<string, string> = { authorization: `Bearer ${CALLER_TOKEN}` };
      if (c.contentType !== undefined) headers["content-type"] = c.contentType;
      const res = await fetch(`${gw.url}${c.route.path}`, { method: c.route.method, headers, ...(c.body === undefined ? {} : { body: c.body }) });
      const body = new Uint8Array(await res.arrayBuffer());
      counts[`${Math.floor(res.status / 100)}xx`] = (counts[`${Math.floor(res.status / 100)}xx`] ?? 0) + 1;
      const where = `${c.route.method} ${c.route.path} [${c.label}] → ${res.status}`;
      if (res.status >= 500) problems.push(`${where}: gateway 5xx: ${new TextDecoder().decode(body).slice(0, 200)} REQ ${typeof c.body === "string" ? c.body.slice(0, 300) : "bytes"}`);
      else if (res.status >= 400) {
        const p = errorEnvelopeProblem(c.route.dialect, res.status, res.headers, new TextDecoder().decode(body));
        if (p !== undefined) problems.push(`${where}: ${p}: ${new TextDecoder().decode(body).slice(0, 200)}`);
      } else {
        const p = successProblem(res.headers, body);
        if (p !== undefined) problems.push(`${where}: ${p}`);
      }
    }));
    if (i % 200 === 0) expect(await healthy()).toBe(200);
  }
  expect(await healthy()).toBe(200);
  console.log(`fuzz outcomes: ${JSON.stringify(counts)}`);
  expect(problems.slice(0, 20)).toEqual([]);
  // The run exercised both sides: real successes and real rejections.
  expect(counts["2xx"] ?? 0).toBeGreaterThan(N / 20);
  expect(counts["4xx"] ?? 0).toBeGreaterThan(N / 5);
}, 120_000);
