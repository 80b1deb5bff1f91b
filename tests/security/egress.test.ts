// SEC-07 and B18/B19 (platform.md §4.4): the headers an upstream sees are built, never copied: exactly the egress
// set per protocol, whatever the caller sent; hop-by-hop headers (including those the upstream names in
// `Connection`) and Set-Cookie never come back; nothing names the gateway unless Server-Timing is on.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

/** Headers Bun's fetch itself adds to every upstream request. */
const TRANSPORT = ["host", "connection", "content-length", "user-agent"];
/** What busbar adds to every upstream request. */
const BASE = ["content-type", "accept", "accept-encoding", "x-request-id"];

const HOSTILE = {
  cookie: "session=abc", "x-forwarded-for": "10.0.0.1", "x-forwarded-host": "evil.example", forwarded: "for=10.0.0.1",
  "x-admin-token": "admin-secret", traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
  "x-busbar-debug": "1", "x-session-id": "affinity", "x-api-key": CALLER_TOKEN, "x-goog-api-key": CALLER_TOKEN,
  "proxy-authorization": "Basic eA==", te: "trailers", "x-amz-security-token": "tok",
};

const REQUESTS = {
  openai: ["/v1/chat/completions", { model: "pool-openai", messages: [{ role: "user", content: "hi" }] }],
  responses: ["/v1/responses", { model: "pool-responses", input: "hi" }],
  anthropic: ["/v1/messages", { model: "pool-anthropic", max_tokens: 5, messages: [{ role: "user", content: "hi" }] }],
  gemini: ["/v1beta/models/pool-gemini:generateContent", { contents: [{ role: "user", parts: [{ text: "hi" }] }] }],
  bedrock: ["/model/pool-bedrock/converse", { messages: [{ role: "user", content: [{ text: "hi" }] }] }],
  cohere: ["/v2/chat", { model: "pool-cohere", messages: [{ role: "user", content: "hi" }] }],
} as const;

/** Credentials and version headers per lane protocol; caller version headers only cross same-protocol (D7). */
const OWN: Record<keyof typeof REQUESTS, { same: string[]; cross: string[] }> = {
  openai: { same: ["authorization", "openai-beta"], cross: ["authorization"] },
  responses: { same: ["authorization", "openai-beta"], cross: ["authorization"] },
  anthropic: { same: ["x-api-key", "anthropic-version", "anthropic-beta"], cross: ["x-api-key", "anthropic-version"] },
  gemini: { same: ["x-goog-api-key"], cross: ["x-goog-api-key"] },
  bedrock: { same: ["authorization", "x-amz-date", "x-amz-content-sha256"], cross: ["authorization", "x-amz-date", "x-amz-content-sha256"] },
  cohere: { same: ["authorization"], cross: ["authorization"] },
};

const sorted = (xs: Iterable<string>) => [...xs].sort();

describe("egress headers are exactly the built set (SEC-07, B18)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: (m) => sixProtocolYaml(m), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  const send = async (path: string, body: unknown) => {
    const res = await fetch(`${gw.url}${path}`, {
      method: "POST",
      headers: { ...HOSTILE, "content-type": "application/json", authorization: `Bearer ${CALLER_TOKEN}`, "anthropic-version": "2023-06-01", "anthropic-beta": "b1", "openai-beta": "assistants=v2" },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    return gw.mock.requests.at(-1)?.headers ?? {};
  };

  test.each(Object.keys(REQUESTS) as (keyof typeof REQUESTS)[])("same protocol: %s", async (p) => {
    const [path, body] = REQUESTS[p];
    const seen = await send(path, body);
    expect(sorted(Object.keys(seen))).toEqual(sorted([...TRANSPORT, ...BASE, ...OWN[p].same]));
    expect(JSON.stringify(seen)).not.toContain(CALLER_TOKEN);
  });

  test.each((Object.keys(REQUESTS) as (keyof typeof REQUESTS)[]).filter((p) => p !== "openai"))("OpenAI caller, %s lane", async (p) => {
    const seen = await send("/v1/chat/completions", { model: `pool-${p}`, messages: [{ role: "user", content: "hi" }] });
    expect(sorted(Object.keys(seen))).toEqual(sorted([...TRANSPORT, ...BASE, ...OWN[p].cross]));
    expect(JSON.stringify(seen)).not.toContain(CALLER_TOKEN);
  });
});

describe("passthrough (B19)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: passthrough }"), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  test("the caller's credential arrives in the upstream's native header, never the operator key", async () => {
    const res = await fetch(`${gw.url}/v1/messages`, {
      method: "POST", headers: { "content-type": "application/json", authorization: "Bearer caller-own-key" }, body: JSON.stringify(REQUESTS.anthropic[1]),
    });
    await res.arrayBuffer();
    const seen = gw.mock.requests.at(-1)?.headers ?? {};
    expect(seen["x-api-key"]).toBe("caller-own-key");
    expect(seen["authorization"]).toBeUndefined();
  });

  test("no caller credential: an empty credential upstream, not the operator key", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(REQUESTS.openai[1]) });
    await res.arrayBuffer();
    const seen = JSON.stringify(gw.mock.requests.at(-1)?.headers ?? {});
    expect(seen).not.toContain("sk-lane-openai");
  });
});

describe("from upstream: hop-by-hop and Set-Cookie dropped; nothing names the gateway", () => {
  let upstream: ReturnType<typeof Bun.serve>;
  let gw: TestGateway;
  beforeAll(async () => {
    upstream = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => new Response(JSON.stringify({
        id: "c1", object: "chat.completion", created: 1, model: "m",
        choices: [{ index: 0, message: { role: "assistant", content: "ok" }, finish_reason: "stop" }],
        usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      }), {
        headers: {
          "content-type": "application/json", connection: "keep-alive, x-secret-hop", "x-secret-hop": "1", "keep-alive": "timeout=5",
          "set-cookie": "upstream=1", "x-powered-by": "upstream-framework", "x-kept": "yes", "proxy-authenticate": "Basic",
        },
      }),
    });
    gw = await startGateway({
      yaml: () => `providers:\n  up: { protocol: openai, base_url: "http://127.0.0.1:${upstream.port}", auth: none, allow_private_network: true }\nmodels:\n  m: { provider: up }\n`,
    });
  });
  afterAll(async () => {
    await gw.stop();
    await upstream.stop(true);
  });

  test("same-protocol answer", async () => {
    const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }) });
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    const names = [...res.headers.keys()];
    for (const dropped of ["x-secret-hop", "keep-alive", "set-cookie", "proxy-authenticate", "server-timing", "via"]) expect(names).not.toContain(dropped);
    expect(res.headers.get("x-kept")).toBe("yes");
    // The upstream's own x-powered-by is relayed as the upstream's; busbar adds no product header of its own.
    expect(names.filter((n) => /busbar/i.test(`${n}: ${res.headers.get(n)}`))).toEqual([]);
  });
});
