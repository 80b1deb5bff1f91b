// platform.md §1.4 name rules and reliability.md §2 cross-references (CFG-08).
import { describe, expect, test } from "bun:test";
import { errorsOf, GOVERNANCE_DEFAULTS, LIMIT_DEFAULTS, load, POOL_DEFAULTS, TEST_CATALOG } from "./helpers.ts";

const base = (pools: string) => `providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
pools:
${pools}`;

describe("names", () => {
  test("reserved pool names and collisions are refused", () => {
    const r = load(base(`  admin: { members: [ { target: gpt } ] }
  admin/keys: { members: [ { target: gpt } ] }
  metrics: { members: [ { target: gpt } ] }
  healthz: { members: [ { target: gpt } ] }
  gpt: { members: [ { target: gpt } ] }
  openai: { members: [ { target: gpt } ] }
`));
    expect(errorsOf(r)).toEqual([
      'config.yaml: pools.admin: "admin" is reserved for the admin API',
      'config.yaml: pools["admin/keys"]: "admin/keys" is reserved for the admin API',
      'config.yaml: pools.metrics: "metrics" is reserved (it is a fixed route segment)',
      'config.yaml: pools.healthz: "healthz" is reserved (it is a fixed route segment)',
      'config.yaml: pools.gpt: pool name collides with model "gpt"',
      'config.yaml: pools.openai: pool name collides with provider "openai"',
    ]);
  });

  test.each(["v1", "v1beta", "v2", "model", "stats"])("model name %s is reserved", (name) => {
    const r = load(`providers:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  ${name}: { provider: openai }\n`);
    expect(errorsOf(r)).toEqual([`config.yaml: models.${name}: "${name}" is reserved (it is a fixed route segment)`]);
  });

  test("empty and over-long names", () => {
    const long = "m".repeat(129);
    const r = load(`providers:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  "": { provider: openai }\n  ${long}: { provider: openai }\n  ${"m".repeat(128)}: { provider: openai }\n`);
    expect(errorsOf(r)).toEqual([
      'config.yaml: models[""]: name must not be empty',
      `config.yaml: models.${long}: name is longer than 128 characters`,
    ]);
  });

  test("duplicate names are a YAML duplicate-key error", () => {
    expect(errorsOf(load(base("  p: { members: [ { target: gpt } ] }\n  p: { members: [ { target: gpt } ] }\n")))).toEqual([
      "config.yaml:7: duplicate key p",
    ]);
  });
});

describe("cross-references", () => {
  test("model.provider must exist; member targets must be models", () => {
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: opneai }
  mini: { provider: openai }
pools:
  a: { members: [ { target: mini }, { target: mnii }, { target: b }, { target: openai } ] }
  b: { members: [ { target: mini } ] }
`);
    expect(errorsOf(r)).toEqual([
      'config.yaml: models.gpt.provider: unknown provider "opneai" (did you mean "openai"?)',
      'config.yaml: pools.a.members[1].target: unknown model "mnii" (did you mean "mini"?)',
      'config.yaml: pools.a.members[2].target: "b" is a pool; members must be models',
      'config.yaml: pools.a.members[3].target: "openai" is a provider; members must be models',
    ]);
  });

  test("an empty member list is refused", () => {
    expect(errorsOf(load(base("  p: { members: [] }\n")))).toEqual(["config.yaml: pools.p.members: must list at least one member"]);
  });

  test("defaults and the resolved snapshot", () => {
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY, error_map: { insufficient_quota: rate_limit, my_code: overloaded } }
models:
  gpt: { provider: openai }
  mini: { provider: openai, upstream_model: gpt-4o-mini, max_concurrent: 8, max_requests: 100, default_max_tokens: 512, attempt_timeout_ms: 3000, reasoning: true, prompt_caching: true }
pools:
  chat: { members: [ { target: gpt }, { target: mini, weight: 3, context_max: 128000, reasoning: false } ], translation: strict, reasoning_content: true }
`, { catalogText: TEST_CATALOG, catalogFile: "test-catalog.yaml" });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    const openaiRow = r.config.providers.openai;
    expect({ ...r.config, providers: {} }).toEqual({
      listen: { host: "127.0.0.1", port: 8080 },
      auth: { mode: "none", clientTokens: [], allowOpenRelay: false },
      providers: {},
      models: {
        gpt: { name: "gpt", provider: "openai", upstreamModel: "gpt", maxConcurrent: 256, maxRequests: -1, defaultMaxTokens: undefined, attemptTimeoutMs: undefined, reasoning: false, promptCaching: false },
        mini: { name: "mini", provider: "openai", upstreamModel: "gpt-4o-mini", maxConcurrent: 8, maxRequests: 100, defaultMaxTokens: 512, attemptTimeoutMs: 3000, reasoning: true, promptCaching: true },
      },
      pools: {
        chat: {
          name: "chat",
          members: [
            { target: "gpt", weight: 1, contextMax: undefined, reasoning: undefined, attemptTimeoutMs: undefined, tier: undefined, tags: [], costPerMtok: undefined },
            { target: "mini", weight: 3, contextMax: 128000, reasoning: false, attemptTimeoutMs: undefined, tier: undefined, tags: [], costPerMtok: undefined },
          ],
          translation: "strict",
          reasoningContent: true,
          ...POOL_DEFAULTS,
        },
      },
      limits: LIMIT_DEFAULTS,
      tls: undefined,
      security: { allowPrivateUpstreams: false, blockedMetadataHosts: [], allowMetadataHosts: [], allowAllMetadata: false },
      governance: GOVERNANCE_DEFAULTS,
      admin: undefined,
      health: { mode: "none", intervalSecs: 30, timeoutSecs: 5 },
      translation: "lossy",
      observability: { emitServerTiming: false, otlp: undefined, audit: undefined, keyGaugeLimit: 2000, accessLog: false },
      metricsToken: undefined,
    });
    expect({ ...openaiRow, errorMap: { ...openaiRow?.errorMap } }).toEqual({
      name: "openai",
      protocol: "openai",
      baseUrl: "https://api.openai.com",
      path: undefined,
      auth: "native",
      apiKey: "sk-test-openai",
      region: undefined,
      // Merged per code: the catalog's rows stay, the operator's entry wins on a shared code.
      errorMap: { insufficient_quota: "rate_limit", context_length_exceeded: "context_length", my_code: "overloaded" },
      allowPrivateNetwork: false,
      allowMetadataHosts: false,
      caFile: undefined,
      health: { mode: "none", intervalSecs: 30, timeoutSecs: 5 },
    });
    expect(r.counts).toEqual({ providers: 1, models: 2, pools: 1 });
    expect(Object.isFrozen(r.config.models.gpt)).toBe(true);
    // Name tables have no prototype, so a client-supplied "toString" finds nothing.
    expect(r.config.models.toString).toBeUndefined();
  });
});
