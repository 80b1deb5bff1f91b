// reliability.md §13.2 case 30 and the §2 startup failures: each one alone stops startup with its path.
import { describe, expect, test } from "bun:test";
import { errorsOf, load, otherWarnings, TEST_CATALOG } from "./helpers.ts";

const config = (pools: string, models = "") => `providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
  mini: { provider: openai }
${models}pools:
${pools}`;

const member = "members: [ { target: gpt }, { target: mini } ]";

describe("startup failures (case 30)", () => {
  test.each([
    ["fallback_pool to an unknown pool", `  p: { ${member}, on_exhausted: { action: "fallback_pool:spil" } }\n  spill: { ${member} }\n`,
      ['pools.p.on_exhausted.action: unknown pool "spil" (did you mean "spill"?)']],
    ["fallback_pool to a model", `  p: { ${member}, on_exhausted: { action: "fallback_pool:gpt" } }\n`,
      ['pools.p.on_exhausted.action: "gpt" is a model; fallback_pool must name a pool']],
    ["fallback_pool to its own pool", `  p: { ${member}, on_exhausted: { action: "fallback_pool:p" } }\n`,
      ['pools.p.on_exhausted.action: fallback_pool points to its own pool "p"']],
    ["a 2-pool fallback cycle", `  p: { ${member}, on_exhausted: { action: "fallback_pool:q" } }\n  q: { ${member}, on_exhausted: { action: "fallback_pool:p" } }\n`,
      ['pools.p.on_exhausted.action: fallback_pool "q" closes a cycle: p → q → p (a fallback chain must end)']],
    ["weight: 0", `  p: { members: [ { target: gpt, weight: 0 } ] }\n`, ["pools.p.members[0].weight: must be >= 1 (got 0)"]],
    ["max cooldown below base", `  p: { ${member}, breaker: { base_cooldown_secs: 30, max_cooldown_secs: 20 } }\n`,
      ["pools.p.breaker.max_cooldown_secs: must be >= base_cooldown_secs 30 (got 20)"]],
    ["a base above the default max", `  p: { ${member}, breaker: { base_cooldown_secs: 300 } }\n`,
      ["pools.p.breaker.base_cooldown_secs: must be <= max_cooldown_secs, which defaults to 120 (got 300); set max_cooldown_secs too"]],
    ["threshold: 0", `  p: { ${member}, breaker: { trip: { threshold: 0 } } }\n`, ["pools.p.breaker.trip.threshold: must be > 0 and <= 1 (got 0)"]],
    ["threshold above 1", `  p: { ${member}, breaker: { trip: { threshold: 1.5 } } }\n`, ["pools.p.breaker.trip.threshold: must be > 0 and <= 1 (got 1.5)"]],
    ["an exclusion that is not a member", `  p: { members: [ { target: gpt } ], failover: { exclusions: [mini] } }\n`,
      ['pools.p.failover.exclusions[0]: "mini" is not a member of this pool']],
    ["a misspelt exclusion", `  p: { ${member}, failover: { exclusions: [mnii] } }\n`,
      ['pools.p.failover.exclusions[0]: "mnii" is not a member of this pool (did you mean "mini"?)']],
    ["excluding every member", `  p: { ${member}, failover: { exclusions: [mini, gpt] } }\n`,
      ["pools.p.failover.exclusions: excludes every member, so the pool could never serve a request"]],
    ["an unknown on_exhausted", `  p: { ${member}, on_exhausted: { action: retry } }\n`,
      ['pools.p.on_exhausted.action: must be reject (or 503), least_bad or fallback_pool:<pool> (got "retry")']],
    ["a pool named admin", `  admin: { ${member} }\n`, ['pools.admin: "admin" is reserved for the admin API']],
    ["a pool named like a model", `  gpt: { ${member} }\n`, ['pools.gpt: pool name collides with model "gpt"']],
    ["a pool named like a provider", `  openai: { ${member} }\n`, ['pools.openai: pool name collides with provider "openai"']],
    ["a script policy without its source", `  p: { ${member}, policy: { name: script } }\n`,
      ["pools.p.policy.script: a script policy needs its source: policy.script or policy.script_file"]],
    ["an unknown policy", `  p: { ${member}, policy: { name: random } }\n`, ['pools.p.policy.name: must be one of weighted, ordered, cheapest, fastest, least_busy, usage, webhook, script (got "random")']],
    ["an affinity without its mode", `  p: { ${member}, affinity: { header_name: x-user } }\n`, ["pools.p.affinity.mode: missing required key"]],
    ["an affinity mode other than session", `  p: { ${member}, affinity: { mode: prompt } }\n`, ['pools.p.affinity.mode: must be one of session (got "prompt")']],
    ["a header name with a space", `  p: { ${member}, affinity: { mode: session, header_name: "x user" } }\n`,
      ["pools.p.affinity.header_name: must be an HTTP header name (letters, digits, - and a few symbols)"]],
    ["an empty commit window", `  p: { ${member}, commit_window: {} }\n`, ["pools.p.commit_window: must set tokens, ms or both"]],
    ["a prebuffer over its cap", `  p: { ${member}, failover: { prebuffer_ms: 10001, prebuffer_bytes: 1048577 } }\n`,
      ["pools.p.failover.prebuffer_ms: must be <= 10000 (got 10001)", "pools.p.failover.prebuffer_bytes: must be <= 1048576 (got 1048577)"]],
    ["negative cap, zero deadline and timeouts", `  p: { ${member}, failover: { cap: -1, deadline_secs: 0 }, ttft_timeout_ms: 0, stall_timeout_ms: 0 }\n`,
      ["pools.p.failover.cap: must be >= 0 (got -1)", "pools.p.failover.deadline_secs: must be >= 1 (got 0)",
        "pools.p.ttft_timeout_ms: must be >= 1 (got 0)", "pools.p.stall_timeout_ms: must be >= 1 (got 0)"]],
    ["bad member fields", `  p: { members: [ { target: gpt, attempt_timeout_ms: 0, tier: "", tags: cheap, cost_per_mtok: -0.5 } ] }\n`,
      ["pools.p.members[0].attempt_timeout_ms: must be >= 1 (got 0)", "pools.p.members[0].tier: must not be empty",
        "pools.p.members[0].tags: must be a list (got a string)", "pools.p.members[0].cost_per_mtok: must be >= 0 (got -0.5)"]],
    ["misspelt keys in the new sections", `  p: { ${member}, failover: { deadline_sec: 5 }, breaker: { trip: { min_request: 5 } }, on_exhausted: { actoin: reject } }\n`,
      ['pools.p.failover.deadline_sec: unknown key (did you mean "deadline_secs"?)',
        'pools.p.breaker.trip.min_request: unknown key (did you mean "min_requests"?)',
        'pools.p.on_exhausted.actoin: unknown key (did you mean "action"?)']],
  ])("%s", (_, pools, errors) => {
    expect(errorsOf(load(config(pools)))).toEqual(errors.map((e) => `config.yaml: ${e}`));
  });

  test("max_requests: 0", () => {
    const r = load(config(`  p: { ${member} }\n`, "  zero: { provider: openai, max_requests: 0 }\n"));
    expect(errorsOf(r)).toEqual(["config.yaml: models.zero.max_requests: must be -1 (unlimited) or >= 1 (got 0)"]);
  });

  test("limits of 0 are refused", () => {
    const r = load(`${config(`  p: { ${member} }\n`)}limits: { hard_down_cooldown_secs: 0, max_honored_retry_after_secs: 0, max_buffered_response_bytes: 0, upstream_request_timeout_secs: 0, upstream_stream_idle_timeout_secs: 0, upstream_error_body_max_bytes: 0 }\n`);
    expect(errorsOf(r)).toEqual([
      "hard_down_cooldown_secs", "max_honored_retry_after_secs", "max_buffered_response_bytes",
      "upstream_request_timeout_secs", "upstream_stream_idle_timeout_secs", "upstream_error_body_max_bytes",
    ].map((k) => `config.yaml: limits.${k}: must be >= 1 (got 0)`));
  });

  test("a longer cycle is reported once, at its first pool in the file; a chain into it is not", () => {
    const r = load(config(`  entry: { ${member}, on_exhausted: { action: "fallback_pool:b" } }
  a: { ${member}, on_exhausted: { action: "fallback_pool:b" } }
  b: { ${member}, on_exhausted: { action: "fallback_pool:c" } }
  c: { ${member}, on_exhausted: { action: "fallback_pool:a" } }
  ok1: { ${member}, on_exhausted: { action: "fallback_pool:ok2" } }
  ok2: { ${member} }
`));
    expect(errorsOf(r)).toEqual(['config.yaml: pools.a.on_exhausted.action: fallback_pool "b" closes a cycle: a → b → c → a (a fallback chain must end)']);
  });
});

describe("warnings", () => {
  test("a pool whose members span protocols starts with a warning; one protocol does not", () => {
    const r = load(`providers:
  openai: { api_key_env: OPENAI_KEY }
  anthropic: { api_key_env: ANTHROPIC_KEY }
models:
  gpt: { provider: openai }
  mini: { provider: openai }
  claude: { provider: anthropic }
pools:
  mixed: { members: [ { target: gpt }, { target: claude }, { target: mini } ] }
  same: { members: [ { target: gpt }, { target: mini } ] }
`, { env: { OPENAI_KEY: "a", ANTHROPIC_KEY: "b" }, catalogText: TEST_CATALOG, catalogFile: "test-catalog.yaml" });
    expect(r.ok && otherWarnings(r)).toEqual([
      "config.yaml: pools.mixed.members: members speak several protocols (anthropic, openai), so requests are translated for some members and a translation may drop fields",
    ]);
  });

  test("trip keys the chosen mode never reads are warned about", () => {
    const r = load(config(`  p: { ${member}, breaker: { trip: { mode: consecutive, threshold: 0.2, window_s: 10 } } }
  q: { ${member}, breaker: { trip: { n: 2 } } }
`));
    expect(r.ok && otherWarnings(r)).toEqual([
      "config.yaml: pools.p.breaker.trip.threshold: ignored with mode: consecutive (it applies to mode: error_rate)",
      "config.yaml: pools.p.breaker.trip.window_s: ignored with mode: consecutive (it applies to mode: error_rate)",
      "config.yaml: pools.q.breaker.trip.n: ignored with mode: error_rate (it applies to mode: consecutive)",
    ]);
  });
});
