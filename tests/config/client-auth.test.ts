// platform.md §1.6, §2 and spec README platform decision 7: client-auth combinations.
import { describe, expect, test } from "bun:test";
import { errorsOf, load } from "./helpers.ts";

const cfg = (head: string, providers = "  openai: { api_key_env: OPENAI_KEY }\n") =>
  `${head}\nproviders:\n${providers}models:\n  gpt: { provider: openai }\n`;

const OPEN_RELAY_WARNING = (where: string) =>
  `config.yaml: auth.mode: none: NO CLIENT AUTHENTICATION, anyone who can reach ${where} can use the configured provider keys; set auth.mode: token unless this is local use`;

describe("client auth combinations", () => {
  test("token mode without tokens is fatal", () => {
    expect(errorsOf(load(cfg("auth: { mode: token }")))).toEqual([
      "config.yaml: auth.mode: token mode needs client tokens: set auth.client_tokens or auth.client_tokens_file",
    ]);
  });

  test("token mode with tokens loads quietly", () => {
    const r = load(cfg('auth: { mode: token, client_tokens: ["${TOK}"] }\nlisten: "0.0.0.0:8080"'), { env: { OPENAI_KEY: "k", TOK: "t0k" } });
    expect(r.ok && { warnings: r.warnings, auth: r.config.auth, listen: r.config.listen }).toEqual({
      warnings: [],
      auth: { mode: "token", clientTokens: ["t0k"], allowOpenRelay: false },
      listen: { host: "0.0.0.0", port: 8080 },
    });
  });

  test("a blank client token is refused", () => {
    expect(errorsOf(load(cfg('auth: { mode: token, client_tokens: ["${TOK}"] }'), { env: { OPENAI_KEY: "k", TOK: "" } }))).toEqual([
      "config.yaml: auth.client_tokens[0]: must not be empty",
    ]);
  });

  test("none (the default) on loopback loads with a loud warning", () => {
    const r = load(cfg(""));
    expect(r.ok && r.warnings).toEqual([OPEN_RELAY_WARNING("127.0.0.1:8080")]);
  });

  test("none with tokens warns that they are ignored", () => {
    const r = load(cfg("auth: { mode: none, client_tokens: [abc] }"));
    expect(r.ok && r.warnings).toEqual([OPEN_RELAY_WARNING("127.0.0.1:8080"), "config.yaml: auth.client_tokens: ignored because auth.mode is none"]);
  });

  test("none on a non-loopback listener is refused unless allow_open_relay", () => {
    expect(errorsOf(load(cfg('listen: "0.0.0.0:8080"')))).toEqual([
      "config.yaml: auth.mode: none on the non-loopback listener 0.0.0.0:8080 is refused (anyone who can reach it could spend your provider keys); set auth.mode: token, listen on 127.0.0.1, or set auth.allow_open_relay: true",
    ]);
    const r = load(cfg('listen: "[::]:9000"\nauth: { allow_open_relay: true }'));
    expect(r.ok && r.warnings).toEqual([OPEN_RELAY_WARNING("[::]:9000")]);
  });

  test.each(["127.0.0.1:8080", "127.9.9.9:1", "localhost:8080", "[::1]:8080"])("%s counts as loopback", (listen) => {
    expect(load(cfg(`listen: "${listen}"`)).ok).toBe(true);
  });

  test("passthrough while a provider key is set warns", () => {
    const r = load(cfg("auth: { mode: passthrough }"));
    expect(r.ok && r.warnings).toEqual([
      "config.yaml: auth.mode: passthrough sends each caller's own credential upstream; the keys configured for openai are never used",
    ]);
  });

  test("a malformed listen is a schema error", () => {
    expect(errorsOf(load(cfg('listen: "8080"')))).toEqual(["config.yaml: listen: must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080"]);
  });
});
