// platform.md §1.6: strict validation and the exact shape of every message.
import { describe, expect, test } from "bun:test";
import { editDistance, formatPath } from "../../src/config/messages.ts";
import { allText, errorsOf, load, MINIMAL } from "./helpers.ts";

describe("message helpers", () => {
  test("edit distance counts an adjacent swap as one edit", () => {
    expect([editDistance("max_concurent", "max_concurrent"), editDistance("mdoels", "models"), editDistance("", "ab")]).toEqual([1, 1, 2]);
  });

  test("paths use dots and indices; ambiguous keys are quoted", () => {
    expect(formatPath(["pools", "fast", "members", 1, "weight"])).toBe("pools.fast.members[1].weight");
    expect(formatPath(["providers", "z.ai", "base_url"])).toBe('providers["z.ai"].base_url');
  });
});

describe("strict schema (§1.6)", () => {
  test("range error names file, dotted path with index, bound and actual", () => {
    const r = load(`${MINIMAL}pools:\n  fast:\n    members:\n      - { target: gpt }\n      - { target: gpt, weight: 0 }\n`);
    expect(errorsOf(r)).toEqual(["config.yaml: pools.fast.members[1].weight: must be >= 1 (got 0)"]);
  });

  test("unknown key at depth gets a did-you-mean from the keys allowed there", () => {
    const r = load("providers:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  claude: { provider: openai, max_concurent: 10 }\n");
    expect(errorsOf(r)).toEqual(['config.yaml: models.claude.max_concurent: unknown key (did you mean "max_concurrent"?)']);
  });

  test("no suggestion when nothing is within distance 2", () => {
    expect(errorsOf(load(`${MINIMAL}frobnicate: true\n`))).toEqual(["config.yaml: frobnicate: unknown key"]);
  });

  test("unknown key inside a list item is reported with its index", () => {
    const r = load(`${MINIMAL}pools:\n  p:\n    members:\n      - { target: gpt }\n      - { target: gpt, wieght: 2 }\n`);
    expect(errorsOf(r)).toEqual(['config.yaml: pools.p.members[1].wieght: unknown key (did you mean "weight"?)']);
  });

  test("three errors of different kinds are all reported, in file order", () => {
    const r = load(`auth: { mode: tokens }
providers:
  openai: { api_key_env: OPENAI_KEY, protocl: openai }
models:
  gpt: { provider: openai, max_requests: 0 }
`);
    expect(errorsOf(r)).toEqual([
      'config.yaml: auth.mode: must be one of none, token, passthrough (got "tokens")',
      'config.yaml: providers.openai.protocl: unknown key (did you mean "protocol"?)',
      "config.yaml: models.gpt.max_requests: must be -1 (unlimited) or >= 1 (got 0)",
    ]);
  });

  test("every unknown key in one mapping is reported, not just the first", () => {
    expect(errorsOf(load(`${MINIMAL}tracing: {}\nwebhooks: {}\n`))).toEqual(["config.yaml: tracing: unknown key", "config.yaml: webhooks: unknown key"]);
  });

  test("types state expected vs actual without echoing the value", () => {
    const r = load(`listen: 8080
providers:
  openai: { api_key_env: OPENAI_KEY, allow_private_network: "yes" }
models:
  gpt: { provider: openai, max_concurrent: "ten" }
pools: []
`);
    expect(errorsOf(r)).toEqual([
      "config.yaml: listen: must be a string (got a number)",
      "config.yaml: providers.openai.allow_private_network: must be true or false (got a string)",
      "config.yaml: models.gpt.max_concurrent: must be a number (got a string)",
      "config.yaml: pools: must be a mapping (got a list)",
    ]);
  });

  test("error_map classes are checked and the nine classes are listed", () => {
    const r = load("providers:\n  openai: { api_key_env: OPENAI_KEY, error_map: { quota_exceeded: bill } }\nmodels:\n  gpt: { provider: openai }\n");
    expect(errorsOf(r)).toEqual([
      'config.yaml: providers.openai.error_map.quota_exceeded: must be one of rate_limit, overloaded, server_error, timeout, network, auth, billing, client_error, context_length (got "bill")',
    ]);
  });

  test("missing required sections and keys", () => {
    expect(errorsOf(load("listen: 127.0.0.1:1\n"))).toEqual(["config.yaml: providers: missing required key", "config.yaml: models: missing required key"]);
    expect(errorsOf(load("providers: {}\nmodels:\n  m: { max_concurrent: 1 }\n"))).toEqual([
      "config.yaml: providers: must have at least one entry",
      "config.yaml: models.m.provider: missing required key",
    ]);
  });

  test("api_key: sk-… is an unknown key and the value appears nowhere", () => {
    const r = load("providers:\n  openai: { api_key: sk-secret }\nmodels:\n  gpt: { provider: openai }\n");
    expect(errorsOf(r)).toEqual(['config.yaml: providers.openai.api_key: unknown key (keys are never written in the config: name their source with api_key_env or api_key_file)']);
    expect(allText(r)).not.toContain("sk-secret");
  });

  test("a key pasted into api_key_env is refused without echoing it", () => {
    const r = load("providers:\n  openai: { api_key_env: sk-proj-abc123 }\nmodels:\n  gpt: { provider: openai }\n");
    expect(errorsOf(r)).toEqual([
      "config.yaml: providers.openai.api_key_env: must be the NAME of an environment variable (letters, digits, _), not its value",
    ]);
    expect(allText(r)).not.toContain("abc123");
  });

  test("a long enum value is reduced to its type", () => {
    const r = load(`${MINIMAL}auth: { mode: sk-ant-0123456789012345678901234567890123456789 }\n`);
    expect(errorsOf(r)).toEqual(["config.yaml: auth.mode: must be one of none, token, passthrough (got a string)"]);
  });
});

describe("YAML and file rules", () => {
  test("syntax errors give file:line", () => {
    expect(errorsOf(load("providers:\n  a: [1,\nmodels: {}\n"))).toEqual([
      "config.yaml:3: YAML syntax error: Flow sequence in block collection must be sufficiently indented and end with a ]",
    ]);
  });

  test("duplicate keys are rejected with their line", () => {
    const r = load("providers:\n  openai: { api_key_env: A }\nmodels:\n  gpt: { provider: openai }\n  gpt: { provider: openai }\n");
    expect(errorsOf(r)).toEqual(["config.yaml:5: duplicate key gpt"]);
  });

  test("a UTF-8 BOM is stripped", () => {
    expect(load(`\uFEFF${MINIMAL}`).ok).toBe(true);
  });

  test("files over 4 MiB are rejected", () => {
    expect(errorsOf(load(`${MINIMAL}#${"x".repeat(4 * 1024 * 1024)}\n`))).toEqual(["config.yaml: file is larger than 4 MiB"]);
  });

  test("an empty file is reported as such", () => {
    expect(errorsOf(load("# nothing here\n"))).toEqual(["config.yaml: file is empty"]);
  });

  test("the prefix is the file's basename", () => {
    expect(errorsOf(load("x: 1\n", { configFile: "/etc/busbar/config.yaml" }))[0]).toBe("config.yaml: x: unknown key");
  });

  test("names valibot would drop silently are refused", () => {
    expect(errorsOf(load(`${MINIMAL}  constructor: { provider: openai }\n`))).toEqual(['config.yaml: models.constructor: "constructor" cannot be used as a name']);
  });
});
