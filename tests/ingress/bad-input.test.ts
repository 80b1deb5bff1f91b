// Bad input is answered in the dialect the route (or path) speaks, with the vendor's status, and the gateway
// keeps serving (protocols.md §2.1, §8).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"), env: LANE_ENV });
});
afterAll(() => gw.stop());

async function call(method: string, path: string, body?: string) {
  const res = await fetch(gw.url + path, { method, body, headers: body === undefined ? {} : { "content-type": "application/json" } });
  const text = await res.text();
  let json: unknown = text;
  try { json = JSON.parse(text); } catch { /* keep the text */ }
  const h = (n: string) => res.headers.get(n) ?? undefined;
  return { status: res.status, body: json, errorType: h("x-amzn-errortype") };
}

const PARSE = "We could not parse the JSON body of your request.";
const MISSING = "Missing required parameter: 'model'.";
const oa = (status: number, type: string, message: string, param: string | null = null, code: string | null = null) =>
  ({ status, body: { error: { message, type, param, code } }, errorType: undefined });
const an = (status: number, type: string, message: string) =>
  ({ status, body: { type: "error", error: { type, message }, request_id: expect.any(String) }, errorType: undefined });
const gm = (status: number, code: string, message: string) => ({ status, body: { error: { code: status, message, status: code } }, errorType: undefined });
const br = (status: number, type: string, message: string) => ({ status, body: { message, __type: type }, errorType: type });
const co = (status: number, message: string) => ({ status, body: { message }, errorType: undefined });

test("each dialect answers bad input natively", async () => {
  const cases: [string, string, string | undefined, unknown][] = [
    // OpenAI Chat / Responses
    ["POST", "/v1/chat/completions", "{bad", oa(400, "invalid_request_error", PARSE)],
    ["POST", "/chat/completions", '{"messages":[]}', oa(400, "invalid_request_error", MISSING, "model")],
    ["POST", "/v1/chat/completions", '{"model":"nope"}', oa(404, "not_found_error", "The model 'nope' does not exist or you do not have access to it.", "model", "model_not_found")],
    ["GET", "/v1/chat/completions", undefined, oa(405, "invalid_request_error", "Method GET is not allowed on /v1/chat/completions.")],
    ["POST", "/v1/nowhere", "{}", oa(404, "not_found_error", "Unknown request URL: POST /v1/nowhere.")],
    ["POST", "/v1/responses", "[1,2]", oa(400, "invalid_request_error", "The request body must be a JSON object.")],
    ["POST", "/v1/models/ft:gpt-4o:org::abc", "{}", oa(404, "not_found_error", "Unknown request URL: POST /v1/models/ft:gpt-4o:org::abc.")],
    // Anthropic
    ["POST", "/pool-anthropic/v1/messages", "{bad", an(400, "invalid_request_error", PARSE)],
    ["POST", "/v1/messages", '{"max_tokens":1}', an(400, "invalid_request_error", MISSING)],
    ["POST", "/nope/v1/messages", "{}", an(404, "not_found_error", "The model 'nope' does not exist or you do not have access to it.")],
    ["GET", "/v1/messages", undefined, an(405, "invalid_request_error", "Method GET is not allowed on /v1/messages.")],
    ["POST", "/a/b/c/v1/messages", "{}", an(404, "not_found_error", "Unknown request URL: POST /a/b/c/v1/messages.")],
    // Gemini, echoing the API version
    ["POST", "/v1beta/models/pool-gemini:generateContent", "{bad", gm(400, "INVALID_ARGUMENT", PARSE)],
    ["POST", "/v1beta/models/nope:generateContent", "{}", gm(404, "NOT_FOUND", "models/nope is not found for API version v1beta, or is not supported for the task you are trying to perform.")],
    ["POST", "/v1/models/nope:streamGenerateContent", "{}", gm(404, "NOT_FOUND", "models/nope is not found for API version v1, or is not supported for the task you are trying to perform.")],
    ["POST", "/v1beta/models/pool-gemini:embedContent", "{}", gm(404, "NOT_FOUND", "Action 'embedContent' is not served by this gateway for API version v1beta.")],
    ["POST", "/v1beta/tunedModels", "{}", gm(404, "NOT_FOUND", "Unknown request URL: POST /v1beta/tunedModels.")],
    // Bedrock
    ["POST", "/model/pool-bedrock/converse", "{bad", br(400, "ValidationException", PARSE)],
    ["POST", "/model/nope/converse-stream", "{}", br(404, "ResourceNotFoundException", "The model 'nope' does not exist or you do not have access to it.")],
    ["GET", "/model/pool-bedrock/converse", undefined, br(405, "ValidationException", "Method GET is not allowed on /model/pool-bedrock/converse.")],
    ["POST", "/model/pool-bedrock/invoke", "{}", br(404, "ResourceNotFoundException", "Unknown request URL: POST /model/pool-bedrock/invoke.")],
    // Cohere
    ["POST", "/v2/chat", "{bad", co(400, PARSE)],
    ["POST", "/v2/chat", '{"messages":[]}', co(400, MISSING)],
    ["POST", "/v2/chat", '{"model":"nope"}', co(404, "The model 'nope' does not exist or you do not have access to it.")],
    ["GET", "/v2/chat", undefined, co(405, "Method GET is not allowed on /v2/chat.")],
    ["POST", "/v2/rerank", "{}", co(404, "Unknown request URL: POST /v2/rerank.")],
  ];
  const got = [];
  for (const [method, path, body] of cases) got.push(await call(method, path, body));
  expect(got as unknown[]).toEqual(cases.map((c) => c[3]));
  expect(gw.mock.requests.length).toBe(0); // none of it reached an upstream

  // …and the gateway still serves.
  expect((await fetch(`${gw.url}/healthz`)).status).toBe(200);
  const ok = await call("POST", "/v1/chat/completions", '{"model":"pool-openai","messages":[{"role":"user","content":"x"}]}');
  expect(ok.status).toBe(200);
});

test("an operation no lane of the name serves is a native 404 naming it", async () => {
  const r = await call("POST", "/v1/embeddings", '{"model":"pool-anthropic","input":"x"}');
  expect(r).toEqual(oa(404, "not_found_error", "No lane of 'pool-anthropic' serves embeddings in the openai protocol."));
});

test("an oversize body is refused with a native 413 before any upstream call", async () => {
  const before = gw.mock.requests.length;
  const big = `{"model":"pool-openai","pad":"${"x".repeat(33_554_432)}"}`;
  const r = await call("POST", "/v1/chat/completions", big);
  expect([r.status, gw.mock.requests.length - before]).toEqual([413, 0]);
});

test("a chunked body over the cap is cut off with a native 413, without a declared length", async () => {
  const before = gw.mock.requests.length;
  const chunk = new TextEncoder().encode(`{"model":"pool-openai","pad":"${"x".repeat(1 << 20)}`);
  let sent = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(c) {
      if (sent++ < 40) c.enqueue(chunk); // 40 MiB offered against the 32 MiB default cap
      else c.close();
    },
  });
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
  expect([res.status, gw.mock.requests.length - before]).toEqual([413, 0]);
});
