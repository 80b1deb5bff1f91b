// reliability.md §2: every reliability key loads, defaults resolve, aliases normalise, health inherits,
// and the chapter's own example config starts.
import { describe, expect, test } from "bun:test";
import type { OnExhausted } from "../../src/config/model.ts";
import { errorsOf, LIMIT_DEFAULTS, load, otherWarnings, POOL_DEFAULTS } from "./helpers.ts";

const ENV = { OPENAI_KEY: "sk-openai", ANTHROPIC_KEY: "sk-anthropic" };

const withPool = (pool: string, extra = "") => `providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
  mini: { provider: openai }
pools:
  p: ${pool}
  spill: { members: [ { target: mini } ] }
${extra}`;

function loaded(text: string) {
  const r = load(text, { env: ENV });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  return r;
}

describe("defaults", () => {
  test("a pool, limits and health that set nothing resolve to the §2 defaults", () => {
    const r = loaded(withPool("{ members: [ { target: gpt } ] }"));
    expect(r.config.pools.p).toEqual({
      name: "p",
      members: [{ target: "gpt", weight: 1, contextMax: undefined, reasoning: undefined, attemptTimeoutMs: undefined, tier: undefined, tags: [], costPerMtok: undefined }],
      translation: "lossy",
      reasoningContent: false,
      ...POOL_DEFAULTS,
    });
    expect(r.config.limits).toEqual(LIMIT_DEFAULTS);
    expect(r.config.health).toEqual({ mode: "none", intervalSecs: 30, timeoutSecs: 5 });
    expect(r.config.providers.openai?.health).toEqual({ mode: "none", intervalSecs: 30, timeoutSecs: 5 });
  });

  test("empty sections mean their defaults; a trip mode brings its own defaults", () => {
    const r = loaded(withPool(`
    members: [ { target: gpt } ]
    policy:
    failover:
    breaker: { trip: { mode: consecutive } }
    on_exhausted: {}
    affinity: { mode: session }`, "limits:\nhealth:\n"));
    expect(r.config.pools.p).toEqual({
      name: "p",
      members: [{ target: "gpt", weight: 1, contextMax: undefined, reasoning: undefined, attemptTimeoutMs: undefined, tier: undefined, tags: [], costPerMtok: undefined }],
      translation: "lossy",
      reasoningContent: false,
      ...POOL_DEFAULTS,
      affinity: { headerName: "x-session-id" },
      breaker: { baseCooldownSecs: 15, maxCooldownSecs: 120, trip: { mode: "consecutive", n: 3 } },
    });
    expect(r.config.limits).toEqual(LIMIT_DEFAULTS);
  });

  test("every key set resolves to its value", () => {
    const r = loaded(withPool(`
    members:
      - { target: gpt, weight: 2, context_max: 8000, attempt_timeout_ms: 3000, tier: premium, tags: [eu, fast], cost_per_mtok: 0.15 }
      - { target: mini }
    policy: { name: ordered }
    affinity: { mode: session, header_name: X-User-Id }
    failover: { deadline_secs: 30, cap: 0, exclusions: [mini], prebuffer_ms: 10000, prebuffer_bytes: 1048576 }
    breaker: { base_cooldown_secs: 2, max_cooldown_secs: 2, trip: { mode: error_rate, window_s: 10, threshold: 1, min_requests: 1 } }
    on_exhausted: { action: "fallback_pool:spill" }
    commit_window: { tokens: 20 }
    ttft_timeout_ms: 1
    stall_timeout_ms: 500`, `limits:
  request_body_max_bytes: 1024
  hard_down_cooldown_secs: 60
  max_honored_retry_after_secs: 600
  max_buffered_response_bytes: 2048
  upstream_request_timeout_secs: 10
  upstream_stream_idle_timeout_secs: 20
  upstream_error_body_max_bytes: 4096
  idle_timeout_secs: 7
  request_body_read_timeout_secs: 9
  max_json_depth: 64
  max_inbound_concurrent: 0
`));
    const { members, ...rest } = r.config.pools.p ?? {};
    expect(members?.[0]).toEqual({ target: "gpt", weight: 2, contextMax: 8000, reasoning: undefined, attemptTimeoutMs: 3000, tier: "premium", tags: ["eu", "fast"], costPerMtok: 0.15 });
    expect(rest).toEqual({
      name: "p",
      translation: "lossy",
      reasoningContent: false,
      policy: "ordered",
      affinity: { headerName: "x-user-id" },
      failover: { deadlineSecs: 30, cap: 0, exclusions: ["mini"], prebufferMs: 10000, prebufferBytes: 1048576 },
      breaker: { baseCooldownSecs: 2, maxCooldownSecs: 2, trip: { mode: "error_rate", windowS: 10, threshold: 1, minRequests: 1 } },
      onExhausted: { action: "fallback_pool", pool: "spill" },
      commitWindow: { tokens: 20, ms: undefined },
      ttftTimeoutMs: 1,
      stallTimeoutMs: 500,
    });
    expect(r.config.limits).toEqual({
      maxBodyBytes: 1024,
      hardDownCooldownSecs: 60,
      maxHonoredRetryAfterSecs: 600,
      maxBufferedResponseBytes: 2048,
      upstreamRequestTimeoutSecs: 10,
      upstreamStreamIdleTimeoutSecs: 20,
      upstreamErrorBodyMaxBytes: 4096,
      idleTimeoutSecs: 7,
      requestBodyReadTimeoutSecs: 9,
      maxJsonDepth: 64,
      maxInboundConcurrent: 0,
      shutdownGraceSecs: 30,
    });
    expect(Object.isFrozen(r.config.pools.p?.failover.exclusions)).toBe(true);
  });
});

describe("on_exhausted aliases", () => {
  test.each<[string, OnExhausted]>([
    ["reject", { action: "reject" }],
    ["503", { action: "reject" }],
    ['"503"', { action: "reject" }],
    ["status_503", { action: "reject" }],
    ["status503", { action: "reject" }],
    ["least_bad", { action: "least_bad" }],
    ["least-bad", { action: "least_bad" }],
    ["leastbad", { action: "least_bad" }],
    ['"fallback_pool:spill"', { action: "fallback_pool", pool: "spill" }],
    ['"fallback_pool: spill"', { action: "fallback_pool", pool: "spill" }],
  ])("action: %s", (written, resolved) => {
    const r = loaded(withPool(`{ members: [ { target: gpt } ], on_exhausted: { action: ${written} } }`));
    expect(r.config.pools.p?.onExhausted).toEqual(resolved);
  });

  test.each([
    ["cheapest", 'must be reject (or 503), least_bad or fallback_pool:<pool> (got "cheapest")'],
    ["504", "must be reject (or 503), least_bad or fallback_pool:<pool> (got 504)"],
    ["Reject", 'must be reject (or 503), least_bad or fallback_pool:<pool> (got "Reject")'],
    ['"fallback_pool:"', 'must name the pool: fallback_pool:<pool> (got "fallback_pool:")'],
    ["[reject]", "must be reject (or 503), least_bad or fallback_pool:<pool> (got a list)"],
  ])("unknown action %s stops startup", (written, message) => {
    const r = load(withPool(`{ members: [ { target: gpt } ], on_exhausted: { action: ${written} } }`), { env: ENV });
    expect(errorsOf(r)).toEqual([`config.yaml: pools.p.on_exhausted.action: ${message}`]);
  });
});

describe("health", () => {
  test("a provider without health gets the global one; its own fields win one by one; seconds floor at 1", () => {
    const r = loaded(`providers:
  openai: { api_key_env: OPENAI_KEY }
  anthropic: { api_key_env: ANTHROPIC_KEY, health: { mode: active } }
  mock: { protocol: openai, base_url: http://127.0.0.1:9, auth: none, allow_private_network: true, health: { mode: none, interval_secs: 0, timeout_secs: 2 } }
models:
  gpt: { provider: openai }
health: { mode: dead, interval_secs: 10 }
`);
    const health = Object.fromEntries(Object.values(r.config.providers).map((p) => [p.name, p.health]));
    expect({ global: r.config.health, providers: health }).toEqual({
      global: { mode: "dead", intervalSecs: 10, timeoutSecs: 5 },
      providers: {
        openai: { mode: "dead", intervalSecs: 10, timeoutSecs: 5 },
        anthropic: { mode: "active", intervalSecs: 10, timeoutSecs: 5 },
        mock: { mode: "none", intervalSecs: 1, timeoutSecs: 2 },
      },
    });
  });

  test("a global zero floors at 1 too; modes and negative seconds are checked", () => {
    expect(loaded(withPool("{ members: [ { target: gpt } ] }", "health: { timeout_secs: 0 }\n")).config.health)
      .toEqual({ mode: "none", intervalSecs: 30, timeoutSecs: 1 });
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY, health: { mode: passive, interval_sec: 5 } }
models:
  gpt: { provider: openai }
health: { interval_secs: -1 }
`, { env: ENV });
    expect(errorsOf(r)).toEqual([
      'config.yaml: providers.openai.health.mode: must be one of none, dead, active (got "passive")',
      'config.yaml: providers.openai.health.interval_sec: unknown key (did you mean "interval_secs"?)',
      "config.yaml: health.interval_secs: must be >= 0 (got -1)",
    ]);
  });
});

// The §2 example as written, except `batch`: this build has no `route` key and no `usage` policy.
const SECTION_2 = `providers:
  anthropic: { api_key_env: ANTHROPIC_KEY, error_map: { "1113": billing },
               health: { mode: dead, interval_secs: 30, timeout_secs: 5 } }
  openai:    { api_key_env: OPENAI_KEY, health: { mode: active, interval_secs: 60 } }
models:
  sonnet: { provider: anthropic, max_concurrent: 32, attempt_timeout_ms: 8000 }
  gpt4o:  { provider: openai, max_concurrent: 24, max_requests: 50000 }
  mini:   { provider: openai, max_concurrent: 64 }
pools:
  chat:
    members:
      - { target: sonnet, weight: 6, context_max: 200000 }
      - { target: gpt4o,  weight: 3, context_max: 128000, attempt_timeout_ms: 3000 }
      - { target: mini,   weight: 1, tier: overflow, tags: [cheap] }
    affinity:  { mode: session, header_name: x-session-id }
    failover:  { deadline_secs: 60, cap: 3, exclusions: [] }
    breaker:   { base_cooldown_secs: 10, max_cooldown_secs: 120,
                 trip: { mode: error_rate, window_s: 30, threshold: 0.5, min_requests: 5 } }
    on_exhausted: { action: "fallback_pool:spill" }
  spill: { members: [ { target: mini } ], on_exhausted: { action: least_bad } }
  batch: { policy: { name: ordered }, members: [ { target: mini }, { target: gpt4o } ] }
`;

describe("reliability.md §2 example", () => {
  test("loads, with the mixed-protocol warning for chat", () => {
    const r = loaded(SECTION_2);
    expect(otherWarnings(r)).toEqual([
      "config.yaml: pools.chat.members: members speak several protocols (anthropic, openai), so requests are translated for some members and a translation may drop fields",
    ]);
    const { chat, spill, batch } = r.config.pools;
    expect({
      chat: { ...chat, members: chat?.members.map((m) => [m.target, m.weight, m.contextMax, m.attemptTimeoutMs, m.tier, m.tags]) },
      spill: spill?.onExhausted,
      batch: [batch?.policy, batch?.members.map((m) => m.target)],
      health: Object.values(r.config.providers).map((p) => [p.name, p.health]),
      sonnetTimeout: r.config.models.sonnet?.attemptTimeoutMs,
    }).toEqual({
      chat: {
        name: "chat",
        members: [
          ["sonnet", 6, 200000, undefined, undefined, []],
          ["gpt4o", 3, 128000, 3000, undefined, []],
          ["mini", 1, undefined, undefined, "overflow", ["cheap"]],
        ],
        translation: "lossy",
        reasoningContent: false,
        policy: "weighted",
        affinity: { headerName: "x-session-id" },
        failover: { deadlineSecs: 60, cap: 3, exclusions: [], prebufferMs: 0, prebufferBytes: 0 },
        breaker: { baseCooldownSecs: 10, maxCooldownSecs: 120, trip: { mode: "error_rate", windowS: 30, threshold: 0.5, minRequests: 5 } },
        onExhausted: { action: "fallback_pool", pool: "spill" },
        commitWindow: undefined,
        ttftTimeoutMs: 90_000,
        stallTimeoutMs: 120_000,
      },
      spill: { action: "least_bad" },
      batch: ["ordered", ["mini", "gpt4o"]],
      health: [
        ["anthropic", { mode: "dead", intervalSecs: 30, timeoutSecs: 5 }],
        ["openai", { mode: "active", intervalSecs: 60, timeoutSecs: 5 }],
      ],
      sonnetTimeout: 8000,
    });
  });

  test("its original batch pool is refused: route is not a key, and a script policy needs its source", () => {
    const original = SECTION_2.replace("batch: { policy: { name: ordered }", "batch: { route: native, policy: { name: script }");
    expect(errorsOf(load(original, { env: ENV }))).toEqual([
      "config.yaml: pools.batch.route: unknown key",
    ]);
    const noRoute = SECTION_2.replace("batch: { policy: { name: ordered }", "batch: { policy: { name: script }");
    expect(errorsOf(load(noRoute, { env: ENV }))).toEqual([
      "config.yaml: pools.batch.policy.script: a script policy needs its source: policy.script or policy.script_file",
    ]);
  });
});

describe("--validate", () => {
  test("reliability keys from unset variables are skipped, not misjudged", () => {
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
pools:
  p:
    members: [ { target: gpt } ]
    on_exhausted: { action: "\${ACTION}" }
    failover: { deadline_secs: \${DEADLINE}, exclusions: ["\${EXCLUDED}"] }
    breaker: { base_cooldown_secs: \${BASE}, max_cooldown_secs: 10, trip: { mode: "\${MODE}", n: 4 } }
  q: { members: [ { target: gpt } ], on_exhausted: { action: "fallback_pool:\${POOL}" } }
health: { mode: "\${HEALTH}" }
`, { env: {}, validateOnly: true });
    expect(r.ok && { warnings: otherWarnings(r), notes: r.notes }).toEqual({
      warnings: [],
      notes: ["env var(s) referenced but unset here — required at runtime: ACTION, DEADLINE, EXCLUDED, BASE, MODE, POOL, HEALTH"],
    });
  });
});
