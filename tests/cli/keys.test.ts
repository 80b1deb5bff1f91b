// `busbar keys`: argument parsing, and the real command (a spawned `bun src/main.ts keys …`) against a real admin
// listener: create shows the secret once, list/get/usage/revoke work, errors exit 1 with the API's message.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { parseKeysArgs } from "../../src/cli/keys.ts";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

describe("parseKeysArgs", () => {
  test("create with every flag", () => {
    expect(parseKeysArgs(["create", "--name", "team-a", "--budget-cents", "250", "--period", "daily", "--rpm", "60", "--tpm", "1000", "--pools", "a, b", "--label", "env=prod", "--aws", "--json"])).toEqual({
      kind: "keys", verb: "create", json: true, disable: false,
      body: { name: "team-a", max_budget_cents: 250, budget_period: "daily", rpm_limit: 60, tpm_limit: 1000, allowed_pools: ["a", "b"], labels: { env: "prod" }, issue_aws_credential: true },
    });
  });
  test.each([
    [["nope"], "expected one of"],
    [["create"], "--name is required"],
    [["get"], "the key id (vk_…) is required"],
    [["create", "--name", "x", "--rpm", "1.5"], "--rpm must be a whole number"],
    [["list", "--token", "t"], "would land in shell history"],
    [["revoke", "vk_1", "vk_2"], "unexpected argument vk_2"],
  ])("%j → usage error (%s)", (argv, msg) => {
    const r = parseKeysArgs(argv);
    expect(r.kind).toBe("usage-error");
    expect(r.kind === "usage-error" ? r.message : "").toContain(msg);
  });
});

describe("busbar keys against a running admin listener", () => {
  const ADMIN = "cli-admin-token-42";
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      yaml: (m) => `${sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: token }")}governance: { enabled: true, store: { kind: memory } }\nadmin: { listen: "127.0.0.1:0", token: ${ADMIN} }\n`,
      env: LANE_ENV,
    });
  });
  afterAll(() => gw.stop());

  async function keys(args: string[], token: string | null = ADMIN): Promise<{ code: number; out: string; err: string }> {
    const env: Record<string, string> = { PATH: process.env["PATH"] ?? "", BUSBAR_ADMIN_URL: gw.adminUrl ?? "" };
    if (token !== null) env["BUSBAR_ADMIN_TOKEN"] = token;
    const p = Bun.spawn(["bun", "src/main.ts", "keys", ...args], { env, stdout: "pipe", stderr: "pipe" });
    const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
    return { code, out, err };
  }

  test("create, list, get, usage, revoke", async () => {
    const created = await keys(["create", "--name", "cli-team", "--rpm", "30", "--pools", "pool-openai"]);
    expect(created.code).toBe(0);
    const secret = /secret: (sk-bb-[0-9a-f]{64})/.exec(created.out)?.[1];
    expect(secret).toBeDefined();
    expect(created.out).toContain("shown once");
    const id = /vk_[0-9a-f]{16}/.exec(created.out)?.[0] ?? "";
    // The new key works at the data plane.
    const res = await fetch(`${gw.url}/v1/chat/completions`, {
      method: "POST", headers: { authorization: `Bearer ${secret}`, "content-type": "application/json" },
      body: JSON.stringify({ model: "pool-openai", messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    const list = await keys(["list"]);
    expect(list.out).toContain("cli-team");
    expect(list.out).not.toContain(secret!);
    expect((await keys(["get", id, "--json"])).out).toContain('"rpm_limit": 30');
    expect((await keys(["usage", id])).out).toContain("1 requests");
    expect(await keys(["revoke", id])).toMatchObject({ code: 0, out: `deleted ${id}\n` });
    const again = await keys(["get", id]);
    expect(again.code).toBe(1);
    expect(again.err).toContain("404 not_found");
  }, 30_000);

  test("a wrong token exits 1 with the API's message; no token exits 2", async () => {
    const wrong = await keys(["list"], "not-the-token");
    expect(wrong.code).toBe(1);
    expect(wrong.err).toContain("401 unauthorized");
    expect(wrong.err).not.toContain("not-the-token");
    expect((await keys(["list"], null)).code).toBe(2);
  }, 30_000);
});
