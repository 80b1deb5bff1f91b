// Model discovery in each dialect (protocols.md §2.4).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"), env: LANE_ENV });
});
afterAll(() => gw.stop());

const get = async (path: string, headers: Record<string, string> = {}) => {
  const r = await fetch(gw.url + path, { headers });
  return { status: r.status, body: await r.json() };
};

const PROTOS = ["anthropic", "bedrock", "cohere", "gemini", "openai", "responses"];
const NAMES = [...PROTOS.map((p) => `pool-${p}`), ...PROTOS.map((p) => `m-${p}`)];

test("lists pools sorted, then models sorted, in the caller's dialect", async () => {
  const oa = await get("/v1/models");
  const bare = await get("/models");
  const an = await get("/v1/models", { "anthropic-version": "2023-06-01" });
  const gm = await get("/v1beta/models");
  expect(oa).toEqual({ status: 200, body: { object: "list", data: NAMES.map((id) => ({ id, object: "model", created: 0, owned_by: "busbar" })) } });
  expect(bare).toEqual(oa);
  expect(an).toEqual({
    status: 200,
    body: {
      data: NAMES.map((id) => ({ type: "model", id, display_name: id, created_at: "1970-01-01T00:00:00Z" })),
      has_more: false, first_id: "pool-anthropic", last_id: "m-responses",
    },
  });
  expect((gm.body as { models: { name: string }[] }).models.map((m) => m.name)).toEqual(NAMES.map((n) => `models/${n}`));
});

test("retrieves one model or answers a native 404", async () => {
  expect(await get("/v1/models/pool-openai")).toEqual({ status: 200, body: { id: "pool-openai", object: "model", created: 0, owned_by: "busbar" } });
  expect(await get("/v1beta/models/m-gemini")).toEqual({
    status: 200, body: { name: "models/m-gemini", displayName: "m-gemini", supportedGenerationMethods: ["generateContent", "streamGenerateContent"] },
  });
  const missing = await get("/v1beta/models/nope");
  expect(missing).toEqual({ status: 404, body: { error: { code: 404, status: "NOT_FOUND", message: "models/nope is not found for API version v1beta, or is not supported for the task you are trying to perform." } } });
  expect((await get("/v1/models/nope")).status).toBe(404);
});
