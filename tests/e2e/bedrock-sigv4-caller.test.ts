// The Bedrock SDK with ordinary SigV4 credentials (not a bearer token) reaches lanes of other protocols,
// streaming and not. With `auth.mode: none` the gateway accepts the signed request as it is; verifying SigV4
// against gateway-minted key pairs belongs to governance (platform.md §3.1).
import { afterAll, beforeAll, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }"), env: LANE_ENV });
});
afterAll(() => gw.stop());

test("SigV4-signed Converse and ConverseStream reach an Anthropic and a Gemini lane", async () => {
  const client = new BedrockRuntimeClient({
    endpoint: gw.url, region: "eu-west-1", maxAttempts: 1, requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: "AKIDCALLER", secretAccessKey: "caller/secret" },
  });
  const messages = [{ role: "user" as const, content: [{ text: "hello there" }] }];
  const got: Record<string, string> = {};
  for (const lane of ["anthropic", "gemini"]) {
    const r = await client.send(new ConverseCommand({ modelId: `pool-${lane}`, messages }));
    got[lane] = r.output?.message?.content?.[0]?.text ?? "";
    const s = await client.send(new ConverseStreamCommand({ modelId: `pool-${lane}`, messages }));
    let text = "";
    for await (const ev of s.stream ?? []) text += ev.contentBlockDelta?.delta?.text ?? "";
    got[`${lane}-stream`] = text;
    // The caller's signature never travels upstream; the lane's own credential does.
    expect(JSON.stringify(gw.mock.requests.at(-1)?.headers)).not.toContain("AKIDCALLER");
  }
  const t = (p: string) => `Hello from the busbar demo upstream (${p}). You said: hello there`;
  expect(got).toEqual({ anthropic: t("anthropic"), "anthropic-stream": t("anthropic"), gemini: t("gemini"), "gemini-stream": t("gemini") });
});
