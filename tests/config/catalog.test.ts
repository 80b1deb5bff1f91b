// platform.md §1.1, §1.8, CFG-01: the embedded catalog, replacement by path, operator overrides.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "bun:test";
import { embeddedCatalogText, parseCatalog } from "../../src/config/catalog.ts";
import { errorsOf, load, MINIMAL, TEST_CATALOG } from "./helpers.ts";

describe("catalog", () => {
  test("the embedded catalog parses against the strict row schema", () => {
    const r = parseCatalog(embeddedCatalogText(), "embedded catalog");
    expect(r.ok ? [] : r.errors).toEqual([]);
    expect(r.ok && ["openai", "anthropic", "gemini", "bedrock", "cohere", "responses"].every((n) => n in r.catalog.providers)).toBe(true);
  });

  test("a catalog lacking openai replaces the embedded one, so config using openai fails naming providers.openai", () => {
    const custom = "providers:\n  anthropic: { protocol: anthropic, base_url: https://api.anthropic.com }\n";
    expect(errorsOf(load(MINIMAL, { catalogText: custom, catalogFile: "/opt/my-catalog.yaml" }))).toEqual([
      "config.yaml: providers.openai: not found in the provider catalog and no protocol/base_url given",
    ]);
  });

  test("catalog rows are strict too, and their errors name the catalog file", () => {
    const bad = "providers:\n  x: { protocol: openai, base_url: https://x.example, prices: {} }\n  y: { base_url: https://y.example }\n";
    expect(errorsOf(load(MINIMAL, { catalogText: bad, catalogFile: "/opt/cat.yaml" }))).toEqual([
      "cat.yaml: providers.x.prices: unknown key",
      "cat.yaml: providers.y.protocol: missing required key",
    ]);
  });

  test("a provider outside the catalog needs protocol and base_url", () => {
    const r = load("providers:\n  acme: { api_key_env: ACME }\n  half: { protocol: openai, api_key_env: ACME }\nmodels:\n  m: { provider: acme }\n", { env: { ACME: "k" } });
    expect(errorsOf(r)).toEqual([
      "config.yaml: providers.acme: not found in the provider catalog and no protocol/base_url given",
      "config.yaml: providers.half: not found in the provider catalog and no base_url given",
    ]);
  });

  // ca_file must hold a parseable certificate (its key was thrown away when it was made).
  const FIXTURE_CA = readFileSync(new URL("../fixtures/test-ca.pem", import.meta.url), "utf8");

  test("operator fields override the row field by field", () => {
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY, base_url: "https://proxy.example.com/openai/", auth: api-key, path: /v1/chat, region: eu, ca_file: /ca.pem }
models:
  gpt: { provider: openai }
`, { catalogText: TEST_CATALOG, readFile: () => FIXTURE_CA });
    const p = r.ok ? r.config.providers.openai : undefined;
    expect(p && { protocol: p.protocol, baseUrl: p.baseUrl, auth: p.auth, path: p.path, region: p.region, caFile: p.caFile }).toEqual({
      protocol: "openai", baseUrl: "https://proxy.example.com/openai", auth: "api-key", path: "/v1/chat", region: "eu", caFile: "/ca.pem",
    });
  });
});

test("the embedded catalog reads the same through Bun's YAML parser (the boot path) and the full reader", async () => {
  const { parseCatalog, embeddedCatalogText, EMBEDDED_CATALOG_FILE } = await import("../../src/config/catalog.ts");
  const fast = parseCatalog(embeddedCatalogText(), EMBEDDED_CATALOG_FILE);
  // A copy of the text under another name takes the full `yaml` reader with positions.
  const full = parseCatalog(`${embeddedCatalogText()}`, "providers.yaml");
  expect(fast.ok && full.ok).toBe(true);
  expect(fast).toEqual(full);
});
