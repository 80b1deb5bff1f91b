// governance.store.encryption_key_env: minted AWS secrets are kept sealed in the store, and SigV4 still verifies.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway;
beforeAll(async () => {
  gw = await startGateway({
    yaml: (m) => `${sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: token }")}governance: { enabled: true, store: { kind: memory, encryption_key_env: GOV_SEAL } }\nadmin: { listen: "127.0.0.1:0", token: t }\n`,
    env: { ...LANE_ENV, GOV_SEAL: "a-long-random-passphrase" },
  });
});
afterAll(() => gw.stop());

test("the store holds the AWS secret sealed; a SigV4 caller with the minted pair is served", async () => {
  const res = await fetch(`${gw.adminUrl}/api/v1/admin/keys`, { method: "POST", headers: { authorization: "Bearer t" }, body: JSON.stringify({ name: "aws", issue_aws_credential: true }) });
  const k = (await res.json()) as { id: string; aws_access_key_id: string; aws_secret_access_key: string };
  const stored = await gw.governor!.store.getKey(k.id);
  expect(stored?.aws?.secret).toStartWith("sealed:v1:");
  expect(JSON.stringify(stored)).not.toContain(k.aws_secret_access_key);
  const client = new BedrockRuntimeClient({
    endpoint: gw.url, region: "us-west-2", maxAttempts: 1, requestHandler: new NodeHttpHandler(),
    credentials: { accessKeyId: k.aws_access_key_id, secretAccessKey: k.aws_secret_access_key },
  });
  const out = await client.send(new ConverseCommand({ modelId: "pool-bedrock", messages: [{ role: "user", content: [{ text: "hi" }] }] }));
  expect(out.output?.message?.content?.[0]?.text).toBeString();
});
