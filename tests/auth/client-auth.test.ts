// Client auth through a real gateway (platform.md §2; acceptance AUTH-01…04).
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { CALLER_TOKEN, LANE_ENV, LANE_KEYS, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const OA_BODY = '{"model":"pool-openai","messages":[{"role":"user","content":"x"}]}';

async function post(gw: TestGateway, path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(gw.url + path, { method: "POST", body, headers: { "content-type": "application/json", ...headers } });
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text) as unknown,
    amzn: [res.headers.get("x-amzn-errortype"), /^[0-9a-f-]{36}$/.test(res.headers.get("x-amzn-requestid") ?? "")],
  };
}

describe("token mode", () => {
  let gw: TestGateway;
  beforeAll(async () => { gw = await startGateway({ yaml: (m) => sixProtocolYaml(m), env: LANE_ENV }); });
  afterAll(() => gw.stop());

  test("missing or wrong tokens get each ingress's native rejection, with no upstream call", async () => {
    const before = gw.mock.requests.length;
    const bad = { authorization: `Bearer ${CALLER_TOKEN}x` };
    const got = [
      await post(gw, "/v1/chat/completions", OA_BODY),
      await post(gw, "/v1/responses", "{}", bad),
      await post(gw, "/pool-anthropic/v1/messages", "{}", { "x-api-key": "nope" }),
      await post(gw, "/v1beta/models/pool-gemini:generateContent", "{}", { "x-goog-api-key": "nope" }),
      await post(gw, "/model/pool-bedrock/converse", "{}", bad),
      await post(gw, "/v2/chat", "{}", { authorization: "Bearer " }),
      await post(gw, "/unknown/path", "{}"),
    ];
    const oa = { error: { message: "Incorrect API key provided.", type: "authentication_error", param: null, code: "invalid_api_key" } };
    const none = [null, false];
    expect(got).toEqual([
      { status: 401, body: oa, amzn: none },
      { status: 401, body: oa, amzn: none },
      { status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: expect.any(String) }, amzn: none },
      {
        status: 400,
        body: { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com", metadata: { service: "generativelanguage.googleapis.com" } }] } },
        amzn: none,
      },
      { status: 403, body: { message: "", __type: "AccessDeniedException" }, amzn: ["AccessDeniedException", true] },
      { status: 401, body: { message: "invalid api token" }, amzn: none },
      { status: 401, body: oa, amzn: none },
    ]);
    expect(gw.mock.requests.length).toBe(before);
  });

  test("every SDK's usual carrier is accepted, and Basic falls through to x-api-key", async () => {
    const carriers: Record<string, string>[] = [
      { authorization: `Bearer ${CALLER_TOKEN}` },
      { authorization: `bearer ${CALLER_TOKEN}` },
      { "x-api-key": CALLER_TOKEN },
      { "x-goog-api-key": CALLER_TOKEN },
      { authorization: "Basic eDp5", "x-api-key": CALLER_TOKEN },
    ];
    const statuses = [];
    for (const h of carriers) statuses.push((await post(gw, "/v1/chat/completions", OA_BODY, h)).status);
    const gemini = await fetch(`${gw.url}/v1beta/models/pool-gemini:generateContent?key=${CALLER_TOKEN}`, {
      method: "POST", body: '{"contents":[{"parts":[{"text":"x"}]}]}',
    });
    expect([...statuses, gemini.status]).toEqual([200, 200, 200, 200, 200, 200]);
    // The ?key= credential never travels upstream.
    expect(gw.mock.requests.at(-1)?.query.includes(CALLER_TOKEN)).toBe(false);
  });

  test("/healthz is always open", async () => {
    expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  });
});

describe("passthrough mode", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: passthrough }"), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  test("the caller's credential goes upstream in the native header, never the operator key", async () => {
    await post(gw, "/pool-anthropic/v1/messages", '{"max_tokens":5,"messages":[{"role":"user","content":"x"}]}', { authorization: "Bearer caller-own-key" });
    const an = gw.mock.requests.at(-1)!.headers;
    await post(gw, "/v1/chat/completions", OA_BODY);
    const oa = gw.mock.requests.at(-1)!.headers;
    expect([an["x-api-key"], an.authorization, oa.authorization ?? ""]).toEqual(["caller-own-key", undefined, "Bearer"]);
    const seen = JSON.stringify(gw.mock.requests.map((r) => r.headers));
    expect(seen.includes(LANE_KEYS.anthropic) || seen.includes(LANE_KEYS.openai)).toBe(false);
  });
});

describe("none mode", () => {
  test("anonymous callers are served", async () => {
    const gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"), env: LANE_ENV });
    try {
      expect((await post(gw, "/v1/chat/completions", OA_BODY)).status).toBe(200);
    } finally {
      await gw.stop();
    }
  });
});
