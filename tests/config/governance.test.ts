// Governance and admin settings at load (platform.md §1.6 fatal combinations, §3, §3.6).
import { describe, expect, test } from "bun:test";
import { allText, ENV, errorsOf, load, MINIMAL, otherWarnings } from "./helpers.ts";

const GOV = `${MINIMAL}governance: { enabled: true, store: { kind: memory } }\n`;

describe("governance at load", () => {
  test("governance needs an admin token", () => {
    expect(errorsOf(load(GOV))).toEqual([
      'config.yaml: admin.token: governance needs an admin token to mint keys: set admin.token ("${VAR}") or admin.token_file',
    ]);
  });

  test("with a token it loads: fee in micro-cents, rate card by model, deny aliases", () => {
    const r = load(`${GOV.replace("kind: memory }", "kind: memory }, price_per_request_cents: 0.5, budget_on_store_error: fail_closed, rate_card: { gpt: { input_cents_per_mtok: 250, output_cents_per_mtok: 1000 } }")}admin: { token: "\${ADMIN}" }\n`,
      { env: { ...ENV, ADMIN: "admin-secret-1" } });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.governance.enabled).toBe(true);
    expect(r.config.governance.feeMicros).toBe(500_000);
    expect(r.config.governance.onStoreError).toBe("deny");
    expect(r.config.governance.rateCard["gpt"]).toEqual({ inputCentsPerMtok: 250, outputCentsPerMtok: 1000, cacheReadCentsPerMtok: undefined, cacheWriteCentsPerMtok: undefined });
    expect(r.config.admin).toEqual({ listen: { host: "127.0.0.1", port: 8081 }, token: "admin-secret-1", tls: undefined, insecureExpose: false });
    expect(otherWarnings(r)).toEqual(["config.yaml: governance.store.kind: memory: keys and spend are lost when the process stops"]);
    expect(allText(r)).not.toContain("admin-secret-1");
  });

  test("passthrough, a rate card for an unknown model, a redis store without url_env", () => {
    const r = load(`${MINIMAL}auth: { mode: passthrough }
governance: { enabled: true, store: { kind: redis }, rate_card: { nope: { input_cents_per_mtok: 1, output_cents_per_mtok: 1 } } }
admin: { token: t }
`);
    expect(errorsOf(r)).toEqual([
      "config.yaml: governance.enabled: cannot be combined with auth.mode: passthrough (callers would bring their own provider keys)",
      "config.yaml: governance.store.url_env: the redis store needs url_env: the NAME of the variable holding its URL",
      "config.yaml: governance.rate_card.nope: no model of that name in models",
    ]);
  });

  test("a negative price and an unknown store kind are schema errors", () => {
    expect(errorsOf(load(`${MINIMAL}governance: { price_per_request_cents: -1, store: { kind: mysql } }\n`))).toEqual([
      "config.yaml: governance.price_per_request_cents: must be >= 0 (got -1)",
      'config.yaml: governance.store.kind: must be one of memory, sqlite, redis, postgres (got "mysql")',
    ].sort());
  });

  test("the redis URL comes from its variable and an unset one is fatal, naming only the variable", () => {
    const yaml = `${MINIMAL}governance: { enabled: true, store: { kind: redis, url_env: REDIS_URL } }\nadmin: { token: t }\n`;
    expect(errorsOf(load(yaml))).toEqual(["config.yaml: governance.store.url_env: environment variable REDIS_URL is unset or empty"]);
    const r = load(yaml, { env: { ...ENV, REDIS_URL: "redis://:pw@127.0.0.1:6379" } });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.governance.store).toEqual({ kind: "redis", url: "redis://:pw@127.0.0.1:6379", prefix: "busbar:" });
    expect(allText(r)).not.toContain(":pw@");
  });
});

describe("the admin listener at load (§3.6)", () => {
  test("off loopback without admin mTLS is refused unless insecure_expose, which warns", () => {
    expect(errorsOf(load(`${MINIMAL}admin: { listen: "0.0.0.0:8081", token: t }\n`))).toEqual([
      "config.yaml: admin.listen: 0.0.0.0:8081 is not loopback and admin mTLS is off; set admin.tls.client_ca_file, listen on 127.0.0.1, or set admin.insecure_expose: true",
    ]);
    const r = load(`${MINIMAL}admin: { listen: "0.0.0.0:8081", token: t, insecure_expose: true }\n`);
    expect(r.ok).toBe(true);
    expect(otherWarnings(r)).toEqual(["config.yaml: admin.insecure_expose: the admin API on 0.0.0.0:8081 is reachable off this machine without mTLS"]);
  });

  test("the admin port may not be the data port; token and token_file are exclusive; a blank token is refused", () => {
    expect(errorsOf(load(`${MINIMAL}listen: "127.0.0.1:9000"\nadmin: { listen: "127.0.0.1:9000", token: t }\n`))).toEqual([
      "config.yaml: admin.listen: must differ from listen (127.0.0.1:9000): the admin API has its own listener",
    ]);
    expect(errorsOf(load(`${MINIMAL}admin: { token: t, token_file: /x }\n`))).toEqual(["config.yaml: admin.token: set admin.token or admin.token_file, not both"]);
    expect(errorsOf(load(`${MINIMAL}admin: { token: "\${BLANK}" }\n`, { env: { ...ENV, BLANK: "  " } }))).toEqual(["config.yaml: admin.token: is blank; an admin token must not be empty"]);
  });

  test("token_file: one trailing newline dropped", () => {
    const r = load(`${MINIMAL}admin: { token_file: /run/admin }\n`, { readFile: () => "tok-from-file\n" });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.admin?.token).toBe("tok-from-file");
  });
});
