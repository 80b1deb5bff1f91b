// Shared fixtures for the config loader tests: YAML text in, LoadResult out, no process state.
import { EMBEDDED_CATALOG_FILE, embeddedCatalogText } from "../../src/config/catalog.ts";
import { type LoadInput, type LoadResult, loadConfig } from "../../src/config/load.ts";
import type { GatewayConfig, PoolSpec } from "../../src/config/model.ts";

/** A minimal valid config: one catalog provider, one model. */
export const MINIMAL = `providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
`;

export const ENV = { OPENAI_KEY: "sk-test-openai" };

export function load(configText: string, over: Partial<LoadInput> = {}): LoadResult {
  return loadConfig({
    configText,
    configFile: "config.yaml",
    catalogText: embeddedCatalogText(),
    catalogFile: EMBEDDED_CATALOG_FILE,
    env: ENV,
    readFile: () => {
      throw Object.assign(new Error("no files in this test"), { code: "ENOENT" });
    },
    fileMode: () => 0o600,
    ...over,
  });
}

/** The errors of a load that must fail (empty list if it unexpectedly succeeded). */
export function errorsOf(r: LoadResult): string[] {
  return r.ok ? [] : r.errors;
}

/** Everything a load printed, to assert a secret never appears anywhere. */
export function allText(r: LoadResult): string {
  return JSON.stringify(r.ok ? { warnings: r.warnings, notes: r.notes } : r);
}

/** Warnings other than the (always present) `auth.mode: none` open-relay warning. */
export function otherWarnings(r: LoadResult): string[] {
  return r.warnings.filter((line) => !line.startsWith("config.yaml: auth.mode: none:"));
}

/** A small fixed catalog, so snapshot tests do not move when the shipped catalog grows. */
export const TEST_CATALOG = `providers:
  openai:
    protocol: openai
    base_url: https://api.openai.com/
    description: OpenAI
    error_map: { insufficient_quota: billing, context_length_exceeded: context_length }
  anthropic: { protocol: anthropic, base_url: https://api.anthropic.com, error_map: { overloaded_error: overloaded } }
`;

export { POOL_DEFAULTS } from "../../src/config/schema.ts";

/** `governance` when the file sets none (platform.md §3.3, §3.7). */
export const GOVERNANCE_DEFAULTS = {
  enabled: false,
  store: { kind: "sqlite", path: "./busbar-governance.db", busyTimeoutMs: 5000 },
  feeMicros: 1_000_000,
  flatMicrosPerToken: 0,
  rateCard: {},
  onStoreError: "allow",
  keyCacheMs: 1000,
  reservationLeaseSecs: 3600,
  encryptionKey: undefined,
} as const;

/** `limits` when the file sets none (platform.md §4.3, reliability.md §2). */
export const LIMIT_DEFAULTS = {
  maxBodyBytes: 33_554_432,
  hardDownCooldownSecs: 1800,
  maxHonoredRetryAfterSecs: 86_400,
  maxBufferedResponseBytes: 33_554_432,
  upstreamRequestTimeoutSecs: 300,
  upstreamStreamIdleTimeoutSecs: 300,
  upstreamErrorBodyMaxBytes: 262_144,
  idleTimeoutSecs: 30,
  requestBodyReadTimeoutSecs: 30,
  maxJsonDepth: 128,
  maxInboundConcurrent: 8192,
  shutdownGraceSecs: 30,
} as const satisfies GatewayConfig["limits"];
