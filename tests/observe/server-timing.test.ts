// Server-Timing (platform.md §5.5): absent by default; when on, the gateway's own time excludes the upstream wait.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const BODY = '{"model":"pool-openai","messages":[{"role":"user","content":"x"}]}';
let on: TestGateway;
let off: TestGateway;
beforeAll(async () => {
  const yaml = (m: string) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }").replace('upstream_model: "upstream-openai"', 'upstream_model: "upstream-openai@delay-ms=150"');
  on = await startGateway({ yaml: (m) => `${yaml(m)}observability: { emit_server_timing: true }\n`, env: LANE_ENV });
  off = await startGateway({ yaml, env: LANE_ENV });
});
afterAll(async () => { await on.stop(); await off.stop(); });

const post = (gw: TestGateway, path = "/v1/chat/completions") =>
  fetch(gw.url + path, { method: "POST", body: BODY, headers: { "content-type": "application/json" } });

test("absent by default", async () => {
  const res = await post(off);
  await res.text();
  expect([res.status, res.headers.get("server-timing")]).toEqual([200, null]);
});

test("reports handling time without the upstream's 150 ms", async () => {
  const res = await post(on);
  await res.text();
  const m = /^busbar;dur=(\d+\.\d{3})$/.exec(res.headers.get("server-timing") ?? "");
  expect(m).not.toBeNull();
  // The upstream delay alone is 150 ms; a value near it would mean the wait was not subtracted.
  expect(Number(m![1])).toBeLessThan(100);
});

test("gateway-generated responses carry it too", async () => {
  const res = await post(on, "/v1/nowhere");
  await res.text();
  expect([res.status, /^busbar;dur=\d+\.\d{3}$/.test(res.headers.get("server-timing") ?? "")]).toEqual([404, true]);
});
