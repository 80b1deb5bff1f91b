// CFG-07: the eight provider examples of platform.md §1.8 load as written.
import { expect, test } from "bun:test";
import { load } from "./helpers.ts";

const EXAMPLES = `providers:
  acme:     { protocol: openai,    base_url: https://llm.acme.example, api_key_env: ACME_KEY }
  claw:     { protocol: anthropic, base_url: https://claude-proxy.acme.example, api_key_env: CLAW_KEY }
  gem:      { protocol: gemini,    base_url: https://generativelanguage.googleapis.com, api_key_env: GEMINI_KEY }
  br-eu:    { protocol: bedrock,   base_url: https://bedrock-runtime.eu-west-1.amazonaws.com, api_key_env: AWS_EU }
  resp:     { protocol: responses, base_url: https://api.openai.com, api_key_env: OPENAI_KEY }
  co:       { protocol: cohere,    base_url: https://api.cohere.com, api_key_env: COHERE_KEY }
  azure:    { protocol: openai, base_url: https://RES.openai.azure.com, auth: api-key, api_key_env: AZ_KEY,
              path: "/openai/deployments/DEP/chat/completions?api-version=2024-06-01" }
  ollama:   { protocol: openai, base_url: http://127.0.0.1:11434, auth: none, allow_private_network: true }
models:
  m-acme: { provider: acme }
  m-claw: { provider: claw }
  m-gem: { provider: gem }
  m-br: { provider: br-eu }
  m-resp: { provider: resp }
  m-co: { provider: co }
  m-azure: { provider: azure }
  m-ollama: { provider: ollama }
`;

const ENV = { ACME_KEY: "a", CLAW_KEY: "b", GEMINI_KEY: "c", AWS_EU: "id:secret", OPENAI_KEY: "d", COHERE_KEY: "e", AZ_KEY: "f" };

test("the §1.8 examples load and resolve to their protocol, auth, path and key", () => {
  const r = load(EXAMPLES, { env: ENV });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  const summary = Object.fromEntries(Object.values(r.config.providers).map((p) => [p.name, [p.protocol, p.auth, p.path ?? "-", p.apiKey ?? "-"]]));
  expect(summary).toEqual({
    acme: ["openai", "native", "-", "a"],
    claw: ["anthropic", "native", "-", "b"],
    gem: ["gemini", "native", "-", "c"],
    "br-eu": ["bedrock", "native", "-", "id:secret"],
    resp: ["responses", "native", "-", "d"],
    co: ["cohere", "native", "-", "e"],
    azure: ["openai", "api-key", "/openai/deployments/DEP/chat/completions?api-version=2024-06-01", "f"],
    ollama: ["openai", "none", "-", "-"],
  });
  expect(r.counts).toEqual({ providers: 8, models: 8, pools: 0 });
});

test("the same file validates without any of its keys set", () => {
  const r = load(EXAMPLES, { env: {}, validateOnly: true });
  expect(r.ok && r.counts).toEqual({ providers: 8, models: 8, pools: 0 });
});
