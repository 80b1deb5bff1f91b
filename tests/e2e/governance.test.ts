// Governance end to end (platform.md §3, §8 GOV-01..06, GOV-09): keys minted over the admin API, every official SDK
// authenticating with one, native rejections per ingress, and spend that equals the answers' usage × the rate card.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { GoogleGenAI } from "@google/genai";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { CohereClientV2 } from "cohere-ai";
import OpenAI from "openai";
import { hashSecret } from "../../src/govern/keys.ts";
import { governedYaml, LANE_ENV, startGateway, type TestGateway } from "../helpers/gateway.ts";

const ADMIN = "admin-token-for-tests-0123";
let gw: TestGateway;

beforeAll(async () => {
  gw = await startGateway({
    yaml: (m) => governedYaml(m, ADMIN, {
      pools: '  spill: { members: [ { target: m-openai } ], on_exhausted: { action: "fallback_pool:pool-cohere" } }\n',
      rateCard: `    m-openai: { input_cents_per_mtok: 300, output_cents_per_mtok: 1500 }
    m-anthropic: { input_cents_per_mtok: 100, output_cents_per_mtok: 500, cache_read_cents_per_mtok: 10 }`,
    }),
    env: LANE_ENV,
  });
});
afterAll(() => gw.stop());

async function admin(method: string, path: string, body?: unknown, token = ADMIN): Promise<{ status: number; json: any }> { // eslint-disable-line
  const res = await fetch(`${gw.adminUrl}/api/v1/admin${path}`, {
    method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

async function mint(body: Record<string, unknown> = {}): Promise<any> {
  const r = await admin("POST", "/keys", { name: "team", ...body });
  expect(r.status).toBe(201);
  return r.json;
}

describe("admin API (GOV-01, GOV-02, GOV-09)", () => {
  test("mint: secret shown once, only its SHA-256 stored, no read returns it", async () => {
    const k = await mint({ labels: { team: "a" }, max_budget_cents: 250, budget_period: "daily", rpm_limit: 10 });
    expect(k.secret).toMatch(/^sk-bb-[0-9a-f]{64}$/);
    expect(k.id).toMatch(/^vk_[0-9a-f]{16}$/);
    const stored = await gw.governor!.store.getKey(k.id);
    expect(stored?.hash).toBe(hashSecret(k.secret));
    expect(JSON.stringify(stored)).not.toContain(k.secret);
    const reads = [await admin("GET", "/keys"), await admin("GET", `/keys/${k.id}`), await admin("GET", `/keys/${k.id}/usage`)];
    for (const r of reads) {
      expect(r.status).toBe(200);
      expect(JSON.stringify(r.json)).not.toContain(k.secret);
      expect(JSON.stringify(r.json)).not.toContain(stored!.hash);
    }
    expect(reads[1]!.json).toMatchObject({ name: "team", labels: { team: "a" }, max_budget_cents: 250, budget_period: "daily", rpm_limit: 10, tpm_limit: null, enabled: true });
  });

  test.each([
    [{ name: "x", budget_period: "weekly" }, "budget_period"],
    [{ name: "x", max_budget_cents: -1 }, "max_budget_cents"],
    [{ name: "x", rpm_limit: 0 }, "rpm_limit"],
    [{ name: "x", tpm_limit: 0 }, "tpm_limit"],
    [{ name: "" }, "name"],
    [{ name: "x", budget: 5 }, "budget: unknown field"],
    [{ name: "x", expires_at: "2001-01-01T00:00:00Z" }, "expires_at"],
  ])("mint %j → 400 naming %s", async (body, field) => {
    const r = await admin("POST", "/keys", body);
    expect(r.status).toBe(400);
    expect(r.json.error.code).toBe("invalid_request");
    expect(r.json.error.message).toContain(field);
  });

  test("PATCH: absent keeps, null clears, a value sets; a disabled key is refused at the data plane", async () => {
    const k = await mint({ rpm_limit: 5, tpm_limit: 7 });
    let r = await admin("PATCH", `/keys/${k.id}`, { rpm_limit: null, name: "renamed" });
    expect(r.json).toMatchObject({ name: "renamed", rpm_limit: null, tpm_limit: 7 });
    const chat = () => fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${k.secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "pool-openai", messages: [{ role: "user", content: "hi" }] }),
    });
    expect((await chat()).status).toBe(200);
    r = await admin("PATCH", `/keys/${k.id}`, { enabled: false });
    expect(r.json.enabled).toBe(false);
    const refused = await chat();
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ error: { message: "Incorrect API key provided.", type: "authentication_error", param: null, code: "invalid_api_key" } });
    expect((await admin("DELETE", `/keys/${k.id}`)).json).toEqual({ deleted: k.id });
    expect((await admin("GET", `/keys/${k.id}`)).status).toBe(404);
  });

  test("the admin token: wrong or blank → 401 envelope; Bearer and X-Admin-Token both work; data port has no admin API", async () => {
    expect(await admin("GET", "/keys", undefined, "wrong")).toEqual({ status: 401, json: { error: { code: "unauthorized", message: expect.any(String) } } });
    const viaHeader = await fetch(`${gw.adminUrl}/api/v1/admin/info`, { headers: { "x-admin-token": ADMIN } });
    expect(viaHeader.status).toBe(200);
    expect(((await viaHeader.json()) as { store_kind: string }).store_kind).toBe("memory");
    expect((await fetch(`${gw.adminUrl}/api/v1/admin/info`, { headers: { "x-admin-token": " " } })).status).toBe(401);
    expect((await admin("PUT", "/keys")).status).toBe(405);
    for (const p of ["/admin/keys", "/api/v1/admin/keys"]) {
      const res = await fetch(`${gw.url}${p}`, { headers: { authorization: `Bearer ${ADMIN}` } });
      expect(res.status).toBe(401); // the data plane does not know the admin token, and has no such route
    }
  });

  test("/stats needs a virtual key, and a restricted key sees only its pools (OBS-01)", async () => {
    expect((await fetch(`${gw.url}/stats`)).status).toBe(401);
    const open = await mint();
    const all = (await (await fetch(`${gw.url}/stats`, { headers: { authorization: `Bearer ${open.secret}` } })).json()) as { pools: Record<string, string[]>; lanes: { model: string }[] };
    expect(Object.keys(all.pools).length).toBeGreaterThan(2);
    const restricted = await mint({ allowed_pools: ["pool-anthropic"] });
    const mine = (await (await fetch(`${gw.url}/stats`, { headers: { authorization: `Bearer ${restricted.secret}` } })).json()) as typeof all;
    expect(mine.pools).toEqual({ "pool-anthropic": ["m-anthropic"] });
    expect(mine.lanes.map((l) => l.model)).toEqual(["m-anthropic"]);
  });

  test("the OpenAPI document lists exactly the routes the app answers", async () => {
    const doc = (await admin("GET", "/openapi.json")).json;
    expect(Object.keys(doc.paths).sort()).toEqual([
      "/api/v1/admin/config/reload", "/api/v1/admin/info", "/api/v1/admin/keys", "/api/v1/admin/keys/{id}", "/api/v1/admin/keys/{id}/reset",
      "/api/v1/admin/keys/{id}/usage", "/api/v1/admin/openapi.json", "/api/v1/admin/pools/{pool}/usage",
    ]);
    for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(item)) {
        const res = await fetch(`${gw.adminUrl}${path.replace("{id}", "vk_0000000000000000").replace("{pool}", "pool-openai")}`, { method: method.toUpperCase(), headers: { authorization: `Bearer ${ADMIN}` }, ...(method === "post" || method === "patch" ? { body: "{}" } : {}) });
        expect([200, 201, 400, 404, 409]).toContain(res.status); // routed (not a 405); 409: no config file to reload
      }
    }
  });
});

describe("every SDK authenticates with a virtual key", () => {
  let key: any;
  beforeAll(async () => {
    key = await mint({ issue_aws_credential: true });
    expect(key.aws_access_key_id).toMatch(/^AKIA[A-Z2-7]{16}$/);
  });
  const messages = [{ role: "user" as const, content: "hi there" }];

  test("OpenAI chat and Responses", async () => {
    const c = new OpenAI({ apiKey: key.secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    expect((await c.chat.completions.create({ model: "pool-openai", messages })).choices[0]?.message.content).toBeString();
    expect((await c.responses.create({ model: "pool-responses", input: "hi" })).output_text).toBeString();
    const flipped = `${key.secret.slice(0, -1)}${key.secret.endsWith("0") ? "1" : "0"}`;
    const bad = new OpenAI({ apiKey: flipped, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const refused = await bad.chat.completions.create({ model: "pool-openai", messages }).then(() => "served", (e: Error) => e.message);
    expect(refused).toStartWith("401");
  });

  test("Anthropic (x-api-key), streaming", async () => {
    const c = new Anthropic({ apiKey: key.secret, baseURL: gw.url, maxRetries: 0 });
    const msg = await c.messages.stream({ model: "pool-anthropic", max_tokens: 64, messages }).finalMessage();
    expect(msg.content[0]?.type).toBe("text");
  });

  test("Gemini (x-goog-api-key)", async () => {
    const c = new GoogleGenAI({ apiKey: key.secret, httpOptions: { baseUrl: gw.url } });
    expect((await c.models.generateContent({ model: "pool-gemini", contents: "hi" })).text).toBeString();
  });

  test("Bedrock with the secret as a bearer token, and with SigV4 over the minted AWS pair", async () => {
    const bearer = new BedrockRuntimeClient({
      endpoint: gw.url, region: "us-east-1", token: { token: key.secret }, authSchemePreference: ["httpBearerAuth"], maxAttempts: 1, requestHandler: new NodeHttpHandler(),
    });
    const content = [{ text: "hi there" }];
    expect((await bearer.send(new ConverseCommand({ modelId: "pool-bedrock", messages: [{ role: "user", content }] }))).output?.message?.content?.[0]?.text).toBeString();
    const signed = new BedrockRuntimeClient({
      endpoint: gw.url, region: "eu-west-3", maxAttempts: 1, requestHandler: new NodeHttpHandler(),
      credentials: { accessKeyId: key.aws_access_key_id, secretAccessKey: key.aws_secret_access_key },
    });
    expect((await signed.send(new ConverseCommand({ modelId: "pool-bedrock", messages: [{ role: "user", content }] }))).output?.message?.content?.[0]?.text).toBeString();
    const s = await signed.send(new ConverseStreamCommand({ modelId: "pool-anthropic", messages: [{ role: "user", content }] }));
    let text = "";
    for await (const ev of s.stream ?? []) text += ev.contentBlockDelta?.delta?.text ?? "";
    expect(text.length).toBeGreaterThan(0);
    const forged = new BedrockRuntimeClient({
      endpoint: gw.url, region: "eu-west-3", maxAttempts: 1, requestHandler: new NodeHttpHandler(),
      credentials: { accessKeyId: key.aws_access_key_id, secretAccessKey: "x".repeat(40) },
    });
    await expect(forged.send(new ConverseCommand({ modelId: "pool-bedrock", messages: [{ role: "user", content }] }))).rejects.toThrow();
  });

  test("Cohere", async () => {
    const c = new CohereClientV2({ token: key.secret, environment: gw.url });
    expect((await c.chat({ model: "pool-cohere", messages: [{ role: "user", content: "hi" }] })).message?.content?.[0]).toBeDefined();
  });
});

describe("native rejections (GOV-03, GOV-04, GOV-05)", () => {
  const post = (secret: string, path: string, body: unknown) => fetch(`${gw.url}${path}`, {
    method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" }, body: JSON.stringify(body),
  });
  const chat = (model: string) => ({ model, messages: [{ role: "user", content: "hi" }] });

  test("a pool outside allowed_pools, or reachable only through fallback_pool, is 403 in each dialect", async () => {
    const k = await mint({ allowed_pools: ["pool-openai", "spill"] });
    expect((await post(k.secret, "/v1/chat/completions", chat("pool-openai"))).status).toBe(200);
    const cases: [string, unknown, number, (j: any) => unknown][] = [
      ["/v1/chat/completions", chat("pool-anthropic"), 403, (j) => j.error.type],
      ["/v1/messages", { ...chat("pool-anthropic"), max_tokens: 5 }, 403, (j) => j.error.type],
      ["/v1beta/models/pool-gemini:generateContent", { contents: [{ role: "user", parts: [{ text: "hi" }] }] }, 403, (j) => j.error.status],
      ["/model/pool-bedrock/converse", { messages: [{ role: "user", content: [{ text: "hi" }] }] }, 403, (j) => j.__type ?? j.message],
      ["/v2/chat", chat("pool-cohere"), 403, (j) => typeof j.message],
      // spill is allowed, but it can fall back to pool-cohere, which is not.
      ["/v1/chat/completions", chat("spill"), 403, (j) => j.error.type],
    ];
    const got = [];
    for (const [path, body, , pick] of cases) {
      const res = await post(k.secret, path, body);
      got.push([res.status, pick(await res.json())]);
    }
    expect(got).toEqual([
      [403, "permission_error"], [403, "permission_error"], [403, "PERMISSION_DENIED"], [403, "AccessDeniedException"], [403, "string"], [403, "permission_error"],
    ]);
  });

  test("rpm_limit 5: the 6th is 429 with Retry-After in [1, 60]", async () => {
    const k = await mint({ rpm_limit: 5 });
    // Five admitted, unless the wall-clock minute turns over mid-test; then a sixth would be admitted too.
    const statuses = [];
    let retry: string | null = null;
    let message = "";
    for (let i = 0; i < 6; i++) {
      const res = await post(k.secret, "/v1/chat/completions", chat("pool-openai"));
      statuses.push(res.status);
      if (res.status === 429) {
        retry = res.headers.get("retry-after");
        message = ((await res.json()) as { error: { message: string } }).error.message;
      } else await res.arrayBuffer();
    }
    if (statuses.at(-1) === 429) {
      expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
      expect(message).toStartWith("Rate limit reached for requests per minute.");
      expect(Number(retry)).toBeGreaterThanOrEqual(1);
      expect(Number(retry)).toBeLessThanOrEqual(60);
    }
    expect(statuses.filter((s) => s === 429).length).toBeLessThanOrEqual(1);
  });

  test("tpm_limit just above one call's tokens: the 3rd call of the minute is refused (GOV-04 TPM)", async () => {
    const body = chat("pool-openai");
    // Calibrate: what one such call costs in tokens on the mock (its usage is deterministic for a given prompt).
    const probe = await mint();
    const first = (await (await post(probe.secret, "/v1/chat/completions", body)).json()) as { usage: { total_tokens: number } };
    const perCall = first.usage.total_tokens;
    const k = await mint({ tpm_limit: Math.floor(perCall * 1.25) });
    const startMinute = Math.floor(Date.now() / 60_000);
    const statuses = [];
    for (let i = 0; i < 3; i++) {
      const res = await post(k.secret, "/v1/chat/completions", body);
      statuses.push(res.status);
      await res.arrayBuffer();
    }
    if (Math.floor(Date.now() / 60_000) === startMinute) expect(statuses).toEqual([200, 200, 429]);
  });

  test("a 3 ¢ cap with the 1 ¢ fee: the 4th is OpenAI 429 insufficient_quota and Bedrock 400 ServiceQuotaExceededException", async () => {
    const k = await mint({ max_budget_cents: 3 });
    // pool-cohere's lane has no price (no rate_card entry, not in the catalog), so each request reserves the fee only.
    for (let i = 0; i < 3; i++) expect((await post(k.secret, "/v2/chat", chat("pool-cohere"))).status).toBe(200);
    const oa = await post(k.secret, "/v1/chat/completions", chat("pool-openai"));
    expect(oa.status).toBe(429);
    expect(((await oa.json()) as { error: unknown }).error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    const br = await post(k.secret, "/model/pool-bedrock/converse", { messages: [{ role: "user", content: [{ text: "hi" }] }] });
    expect(br.status).toBe(400);
    expect(br.headers.get("x-amzn-errortype")).toStartWith("ServiceQuotaExceededException");
  });
});

describe("spend (GOV-06): the answers' usage × the rate card, fee included; failures refund the fee", () => {
  test("non-streaming and streaming, same-protocol and translated", async () => {
    const k = await mint();
    const oa = new OpenAI({ apiKey: k.secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    const a = await oa.chat.completions.create({ model: "pool-openai", messages: [{ role: "user", content: "count my tokens please" }] });
    const an = new Anthropic({ apiKey: k.secret, baseURL: gw.url, maxRetries: 0 });
    const b = await an.messages.stream({ model: "pool-anthropic", max_tokens: 64, messages: [{ role: "user", content: "and these too" }] }).finalMessage();
    // An OpenAI caller translated onto the Anthropic lane, streaming, with usage asked for.
    let cu: OpenAI.CompletionUsage | undefined;
    for await (const chunk of await oa.chat.completions.create({ model: "pool-anthropic", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "streamed" }] })) {
      if (chunk.usage) cu = chunk.usage;
    }
    const expected = 3 * 1_000_000
      + (a.usage!.prompt_tokens * 300 + a.usage!.completion_tokens * 1500)
      + (b.usage.input_tokens * 100 + b.usage.output_tokens * 500)
      + (cu!.prompt_tokens * 100 + cu!.completion_tokens * 500);
    // Settlement of a stream lands as its body ends; the store is read once every answer has been consumed.
    const usage = (await admin("GET", `/keys/${k.id}/usage`)).json;
    expect(usage.spend_microcents).toBe(expected);
    expect(usage.requests).toBe(3);
    expect(usage.tokens).toBe(a.usage!.total_tokens + b.usage.input_tokens + b.usage.output_tokens + cu!.total_tokens);
  });

  test("an OpenAI stream whose caller did not ask for usage is still billed on it, and never shown it", async () => {
    const k = await mint();
    const oa = new OpenAI({ apiKey: k.secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    let sawUsage = false;
    let chunks = 0;
    for await (const chunk of await oa.chat.completions.create({ model: "pool-openai", stream: true, messages: [{ role: "user", content: "bill me quietly" }] })) {
      chunks++;
      if (chunk.usage != null || chunk.choices.length === 0) sawUsage = true;
    }
    expect(chunks).toBeGreaterThan(1);
    expect(sawUsage).toBe(false);
    // busbar asked the upstream for usage on the caller's behalf.
    expect((gw.mock.requests.at(-1)?.body as { stream_options?: unknown }).stream_options).toEqual({ include_usage: true });
    const usage = (await admin("GET", `/keys/${k.id}/usage`)).json;
    expect(usage.tokens).toBeGreaterThan(0);
    expect(usage.spend_microcents).toBeGreaterThan(1_000_000);
  });

  test("usage per pool over a window: every request that named the pool, fee and tokens (admin /pools/{pool}/usage)", async () => {
    const k = await mint();
    const oa = new OpenAI({ apiKey: k.secret, baseURL: `${gw.url}/v1`, maxRetries: 0 });
    for (let i = 0; i < 2; i++) await oa.chat.completions.create({ model: "spill", messages: [{ role: "user", content: "pool me" }] });
    const keyUsage = (await admin("GET", `/keys/${k.id}/usage`)).json;
    for (const period of ["total", "daily", "monthly"]) {
      const pool = (await admin("GET", `/pools/spill/usage?period=${period}`)).json;
      expect(pool).toMatchObject({ pool: "spill", budget_period: period, requests: 2, spend_microcents: keyUsage.spend_microcents, tokens: keyUsage.tokens });
    }
    expect((await admin("GET", "/pools/nope/usage")).status).toBe(404);
    expect((await admin("GET", "/pools/spill/usage?period=weekly")).status).toBe(400);
  });

  test("a request that fails upstream is charged nothing", async () => {
    const k = await mint();
    // An ad-hoc lane whose upstream model scripts the mock's 400.
    const res = await fetch(`${gw.url}/up-anthropic/${encodeURIComponent("x@fault=invalid_request")}/v1/messages`, {
      method: "POST", headers: { "x-api-key": k.secret, "content-type": "application/json" },
      body: JSON.stringify({ max_tokens: 5, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(400);
    await res.arrayBuffer();
    const usage = (await admin("GET", `/keys/${k.id}/usage`)).json;
    expect(usage).toMatchObject({ spend_microcents: 0, tokens: 0 });
  });
});
