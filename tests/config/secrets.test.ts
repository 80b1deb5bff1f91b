// platform.md §1.5: key sources, key files, client token files.
import { describe, expect, test } from "bun:test";
import { allText, errorsOf, load, otherWarnings } from "./helpers.ts";

const files = (map: Record<string, string>) => (path: string): string => {
  const text = map[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: ${path}`), { code: "ENOENT" });
  return text;
};

const withKeyFile = "providers:\n  openai: { api_key_file: /run/secrets/openai }\nmodels:\n  gpt: { provider: openai }\n";

describe("api_key_file", () => {
  test("exactly one trailing newline is stripped", () => {
    const keys = ["k1\n", "k2\r\n", "k3\n\n", "k4"].map((content) => {
      const r = load(withKeyFile, { readFile: files({ "/run/secrets/openai": content }) });
      return r.ok ? r.config.providers.openai?.apiKey : "failed";
    });
    expect(keys).toEqual(["k1", "k2", "k3\n", "k4"]);
  });

  test("an unreadable file is fatal and names the path, not a value", () => {
    expect(errorsOf(load(withKeyFile, { readFile: files({}) }))).toEqual([
      "config.yaml: providers.openai.api_key_file: cannot read /run/secrets/openai (ENOENT)",
    ]);
  });

  test("a group/other-readable file is a warning", () => {
    const r = load(withKeyFile, { readFile: files({ "/run/secrets/openai": "sk-file-key\n" }), fileMode: () => 0o100644 });
    expect(otherWarnings(r)).toEqual([
      "config.yaml: providers.openai.api_key_file: /run/secrets/openai is readable by group/other users; restrict it (chmod 600)",
    ]);
    expect(allText(r)).not.toContain("sk-file-key");
  });
});

describe("api_key_env", () => {
  test("read once from the env map", () => {
    const r = load("providers:\n  openai: { api_key_env: MY_KEY }\nmodels:\n  gpt: { provider: openai }\n", { env: { MY_KEY: "sk-env" } });
    expect(r.ok && r.config.providers.openai?.apiKey).toBe("sk-env");
  });

  test("unset or empty is a warning; the provider has no key", () => {
    for (const env of [{}, { MY_KEY: "" }]) {
      const r = load("providers:\n  openai: { api_key_env: MY_KEY }\nmodels:\n  gpt: { provider: openai }\n", { env });
      expect(r.ok && { key: r.config.providers.openai?.apiKey, warnings: otherWarnings(r) }).toEqual({
        key: undefined,
        warnings: ["config.yaml: providers.openai.api_key_env: environment variable MY_KEY is unset or empty; requests to this provider will fail upstream auth"],
      });
    }
  });
});

describe("exactly one key source", () => {
  test("none, both, and a key with auth: none are errors", () => {
    const r = load(`providers:
  openai: {}
  anthropic: { api_key_env: A, api_key_file: /a }
  ollama: { auth: none, allow_private_network: true, api_key_env: O }
models:
  gpt: { provider: openai }
`, { env: { A: "a", O: "o" } });
    expect(errorsOf(r)).toEqual([
      "config.yaml: providers.openai: no key source: set api_key_env or api_key_file (or auth: none for a keyless upstream)",
      "config.yaml: providers.anthropic: set only one of api_key_env and api_key_file",
      "config.yaml: providers.ollama.api_key_env: not allowed with auth: none (a keyless upstream takes no key)",
    ]);
  });

  test("passthrough needs no operator key", () => {
    const r = load("auth: { mode: passthrough }\nproviders:\n  openai: {}\nmodels:\n  gpt: { provider: openai }\n");
    expect(r.ok && r.warnings).toEqual([]);
  });
});

describe("client_tokens_file", () => {
  const cfg = "auth: { mode: token, client_tokens: [inline-1], client_tokens_file: /tokens }\n"
    + "providers:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  gpt: { provider: openai }\n";

  test("one token per line, blank lines ignored, merged after the inline ones", () => {
    const r = load(cfg, { readFile: files({ "/tokens": "t-1\n\n  t-2  \r\n\n" }) });
    expect(r.ok && r.config.auth).toEqual({ mode: "token", clientTokens: ["inline-1", "t-1", "t-2"], allowOpenRelay: false });
  });

  test("unreadable is fatal", () => {
    expect(errorsOf(load(cfg, { readFile: files({}) }))).toEqual(["config.yaml: auth.client_tokens_file: cannot read /tokens (ENOENT)"]);
  });

  test("an empty file in token mode with no inline tokens is fatal", () => {
    const r = load(cfg.replace("client_tokens: [inline-1], ", ""), { readFile: files({ "/tokens": "\n\n" }) });
    expect(errorsOf(r)).toEqual(["config.yaml: auth.client_tokens_file: /tokens holds no tokens and auth.mode is token"]);
  });
});
