// platform.md §1.7 / CFG-06: `busbar --validate [--strict]` on real temp files.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runValidate } from "../../src/config/validate.ts";

let dir = "";
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "busbar-validate-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function write(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const VALID = `auth: { mode: token, client_tokens: ["\${CLIENT_TOKEN}"] }
providers:
  openai: { api_key_env: OPENAI_API_KEY }
  anthropic: { api_key_file: /run/secrets/anthropic-does-not-exist }
models:
  gpt: { provider: openai }
  claude: { provider: anthropic }
pools:
  chat: { members: [ { target: claude }, { target: gpt } ] }
`;

describe("runValidate", () => {
  test("valid: exit 0, counts, the unset-variable note; no secrets read, nothing written", () => {
    const before = readdirSync(dir).length;
    const r = runValidate({ configFlag: write("valid.yaml", VALID), env: {}, cwd: dir });
    expect(r).toEqual({
      exitCode: 0,
      out: "ok: config valid — 2 provider(s), 2 model(s), 1 pool(s)\n"
        + "warning: valid.yaml: pools.chat.members: members speak several protocols (anthropic, openai), so requests are translated for some members and a translation may drop fields\n"
        + "note: env var(s) referenced but unset here — required at runtime: CLIENT_TOKEN\n",
    });
    expect(readdirSync(dir).length).toBe(before + 1);
  });

  test("invalid: exit 1 and every error, one per line", () => {
    const path = write("invalid.yaml", `auth: { mode: tokens }
providers:
  openai: { api_key_env: OPENAI_API_KEY, api_key: sk-secret }
models:
  claude: { provider: openai, max_concurent: 10 }
`);
    const r = runValidate({ configFlag: path, env: {}, cwd: dir });
    expect(r).toEqual({
      exitCode: 1,
      out: "config invalid (3 errors):\n"
        + 'invalid.yaml: auth.mode: must be one of none, token, passthrough (got "tokens")\n'
        + "invalid.yaml: providers.openai.api_key: unknown key (keys are never written in the config: name their source with api_key_env or api_key_file)\n"
        + 'invalid.yaml: models.claude.max_concurent: unknown key (did you mean "max_concurrent"?)\n',
    });
    expect(r.out).not.toContain("sk-secret");
  });

  test("warnings print after the ok line; --strict turns them into a failure", () => {
    const path = write("warn.yaml", "providers:\n  openai: { api_key_env: K }\nmodels:\n  gpt: { provider: openai }\n");
    const warning = "warning: warn.yaml: auth.mode: none: NO CLIENT AUTHENTICATION, anyone who can reach 127.0.0.1:8080 can use the configured provider keys; set auth.mode: token unless this is local use\n";
    expect(runValidate({ configFlag: path, env: {}, cwd: dir })).toEqual({
      exitCode: 0,
      out: `ok: config valid — 1 provider(s), 1 model(s), 0 pool(s)\n${warning}`,
    });
    expect(runValidate({ configFlag: path, env: {}, cwd: dir, strict: true })).toEqual({
      exitCode: 1,
      out: `config invalid (--strict, 1 warning):\n${warning}`,
    });
  });

  test("checks that depend on an unset variable are skipped, the rest still run", () => {
    const path = write("unset.yaml", `listen: "\${HOST}:8080"
auth: { mode: \${MODE} }
providers:
  local: { protocol: openai, base_url: "\${LOCAL_URL}", auth: none, allow_private_network: \${ALLOW} }
  openai: { api_key_env: K }
models:
  m: { provider: local, max_concurrent: \${CONC} }
  gpt: { provider: \${PROVIDER} }
`);
    expect(runValidate({ configFlag: path, env: {}, cwd: dir })).toEqual({
      exitCode: 0,
      out: "ok: config valid — 2 provider(s), 2 model(s), 0 pool(s)\n"
        + "note: env var(s) referenced but unset here — required at runtime: HOST, MODE, LOCAL_URL, ALLOW, CONC, PROVIDER\n",
    });
  });

  test("an unset variable does not hide a real error elsewhere", () => {
    const path = write("mixed.yaml", "providers:\n  openai: { api_key_env: K }\nmodels:\n  gpt: { provider: openai, max_concurrent: 0, upstream_model: \"${UP}\" }\n");
    expect(runValidate({ configFlag: path, env: {}, cwd: dir })).toEqual({
      exitCode: 1,
      out: "config invalid (1 error):\nmixed.yaml: models.gpt.max_concurrent: must be >= 1 (got 0)\n"
        + "note: env var(s) referenced but unset here — required at runtime: UP\n",
    });
  });

  test("a missing config file and a replaced catalog", () => {
    expect(runValidate({ env: {}, cwd: join(dir, "nowhere") }).exitCode).toBe(1);
    const cfg = write("uses-openai.yaml", "providers:\n  openai: { api_key_env: K }\nmodels:\n  gpt: { provider: openai }\n");
    const cat = write("cat.yaml", "providers:\n  anthropic: { protocol: anthropic, base_url: https://api.anthropic.com }\n");
    expect(runValidate({ configFlag: cfg, providersFlag: cat, env: {}, cwd: dir })).toEqual({
      exitCode: 1,
      out: "config invalid (1 error):\nuses-openai.yaml: providers.openai: not found in the provider catalog and no protocol/base_url given\n",
    });
    expect(runValidate({ env: { BUSBAR_CONFIG: cfg, BUSBAR_PROVIDERS: cat }, cwd: dir }).exitCode).toBe(1);
  });
});
