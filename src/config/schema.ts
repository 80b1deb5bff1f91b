// The two files' shapes as valibot schemas (platform.md §1.4, §1.8); the schema is the type.
// Every mapping is strict, so an unknown key fails at any depth, list items included (§1.6); the
// message functions here produce the expected-vs-actual half of each §1.6 line.
import * as v from "valibot";
import { PROTOCOL_NAMES } from "../ir/protocol.ts";
import { describeEnumInput, describeType } from "./messages.ts";
import { type ClientAuthMode, type PoolSpec, ERROR_CLASSES, type HealthSpec, type PoolPolicyName, type TripSpec } from "./model.ts";
import { parseListen } from "./listen.ts";
import { parseOnExhausted } from "./on-exhausted.ts";

type AnyIssue = v.BaseIssue<unknown>;
const mustBe = (what: string) => (issue: AnyIssue): string => `must be ${what} (got ${describeType(issue.input)})`;

const str = () => v.string(mustBe("a string"));
const nonEmpty = () => v.pipe(str(), v.minLength(1, "must not be empty"));
const bool = () => v.boolean(mustBe("true or false"));
const num = () => v.pipe(v.number(mustBe("a number")), v.integer((i) => `must be a whole number (got ${i.input})`));
const atLeast = (min: number) => v.pipe(num(), v.minValue(min, (i) => `must be >= ${min} (got ${i.input})`));
const between = (min: number, max: number) => v.pipe(atLeast(min), v.maxValue(max, (i) => `must be <= ${max} (got ${i.input})`));
/** A number that may be fractional (prices, ratios); YAML's .inf and .nan are refused. */
const real = () => v.pipe(v.number(mustBe("a number")), v.finite((i) => `must be a finite number (got ${i.input})`));
const oneOf = <const T extends readonly string[]>(options: T) =>
  v.picklist(options, (i) => `must be one of ${options.join(", ")} (got ${describeEnumInput(i.input)})`);
const mapping = <const E extends v.ObjectEntries>(entries: E) => v.strictObject(entries, mustBe("a mapping"));
const recordOf = <const T extends v.GenericSchema>(value: T) => v.record(v.string(), value, mustBe("a mapping"));
const list = <const T extends v.GenericSchema>(item: T) => v.array(item, mustBe("a list"));

/**
 * The default bind is loopback, not 0.0.0.0: with the default `auth.mode: none`, a newcomer's
 * first config then starts instead of tripping the open-relay refusal (spec README platform
 * decision 7); binding wider is an explicit choice that comes with choosing client auth.
 */
export const DEFAULT_LISTEN = "127.0.0.1:8080";
export const DEFAULT_MAX_CONCURRENT = 256;
export const DEFAULT_BODY_MAX_BYTES = 33_554_432;

export const CLIENT_AUTH_MODES = ["none", "token", "passthrough"] as const satisfies readonly ClientAuthMode[];
/** How a key is sent upstream when the protocol's native style is not wanted; `none` = keyless. */
export const AUTH_STYLES = ["bearer", "api-key", "none"] as const;

// Secrets are named, never written: a value that does not look like a variable name is most
// likely the key itself, so this message never echoes it.
const envVarName = v.pipe(
  str(),
  v.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "must be the NAME of an environment variable (letters, digits, _), not its value"),
);
const upstreamPath = v.pipe(str(), v.startsWith("/", 'must start with "/"'));
const errorMap = recordOf(oneOf(ERROR_CLASSES));

export const HEALTH_MODES = ["none", "dead", "active"] as const satisfies readonly HealthSpec["mode"][];
export const DEFAULT_HEALTH: HealthSpec = { mode: "none", intervalSecs: 30, timeoutSecs: 5 };

/**
 * No schema defaults: a provider's `health` inherits each unset field from the global one, which
 * inherits from DEFAULT_HEALTH (snapshot.ts). Seconds below 1 are floored at 1 (platform.md §1.4).
 */
const HealthSchema = mapping({
  mode: v.optional(oneOf(HEALTH_MODES)),
  interval_secs: v.optional(atLeast(0)),
  timeout_secs: v.optional(atLeast(0)),
});

/** A price in cents per million tokens; fractional rates are kept (rounded half-up per request, platform.md §3.3). */
const centsRate = () => v.pipe(real(), v.minValue(0, (i) => `must be >= 0 (got ${i.input})`));

/** One model's token rates (platform.md §3.3 `rate_card`); an unset cache tier is priced as input. */
export const TokenRatesSchema = mapping({
  input_cents_per_mtok: centsRate(),
  output_cents_per_mtok: centsRate(),
  cache_read_cents_per_mtok: v.optional(centsRate()),
  cache_write_cents_per_mtok: v.optional(centsRate()),
});

/** Dated list prices per upstream model (spec README platform decision 4); a rate_card entry wins. */
const PricingSchema = mapping({
  as_of: v.pipe(str(), v.regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date, YYYY-MM-DD")),
  models: recordOf(TokenRatesSchema),
});

/** Fields a catalog row and an operator provider entry share; the operator's win per field. */
const sharedProviderFields = {
  protocol: v.optional(oneOf(PROTOCOL_NAMES)),
  base_url: v.optional(nonEmpty()),
  path: v.optional(upstreamPath),
  auth: v.optional(oneOf(AUTH_STYLES)),
  region: v.optional(nonEmpty()),
  error_map: v.optional(errorMap),
  allow_private_network: v.optional(bool()),
  pricing: v.optional(PricingSchema),
};

export const ProviderSchema = mapping({
  ...sharedProviderFields,
  api_key_env: v.optional(envVarName),
  api_key_file: v.optional(nonEmpty()),
  allow_metadata_hosts: v.optional(bool()),
  ca_file: v.optional(nonEmpty()),
  /** reliability.md §10; unset fields come from the top-level `health`. */
  health: v.nullish(HealthSchema),
});

export const ModelSchema = mapping({
  provider: nonEmpty(),
  max_concurrent: v.optional(atLeast(1), DEFAULT_MAX_CONCURRENT),
  max_requests: v.optional(
    v.pipe(num(), v.check((n: number) => n === -1 || n >= 1, (i) => `must be -1 (unlimited) or >= 1 (got ${i.input})`)),
    -1,
  ),
  upstream_model: v.optional(nonEmpty()),
  default_max_tokens: v.optional(atLeast(1)),
  attempt_timeout_ms: v.optional(atLeast(1)),
  /** The model accepts a reasoning ask (protocols.md §10.3): the ask crosses only to such lanes. */
  reasoning: v.optional(bool(), false),
  /** The lane honours model-gated cache markers (protocols.md §3.3 step 6). */
  prompt_caching: v.optional(bool(), false),
});

export const PoolMemberSchema = mapping({
  target: nonEmpty(),
  weight: v.optional(atLeast(1), 1),
  context_max: v.optional(atLeast(1)),
  /** Overrides the model's `reasoning` within this pool (the member beats the model). */
  reasoning: v.optional(bool()),
  /** Wins over the model's `attempt_timeout_ms` within this pool (reliability.md §2). */
  attempt_timeout_ms: v.optional(atLeast(1)),
  /** `tier`, `tags`, `cost_per_mtok` are read only by routing policies (reliability.md §11). */
  tier: v.optional(nonEmpty()),
  tags: v.optional(list(nonEmpty()), []),
  cost_per_mtok: v.optional(v.pipe(real(), v.minValue(0, (i) => `must be >= 0 (got ${i.input})`))),
});

export const TRANSLATION_MODES = ["lossy", "strict"] as const;

export const POOL_POLICIES = ["weighted", "ordered", "cheapest", "fastest", "least_busy", "usage", "webhook", "script"] as const satisfies readonly PoolPolicyName[];
/** Policies reliability.md §11 names that later builds add; refused with the names this one supports. */
const LATER_POLICIES: readonly unknown[] = [];
const policyName = v.picklist(POOL_POLICIES, (i) => LATER_POLICIES.includes(i.input)
  ? `${JSON.stringify(i.input)} is not supported by this build (supported: ${POOL_POLICIES.join(", ")})`
  : `must be one of ${POOL_POLICIES.join(", ")} (got ${describeEnumInput(i.input)})`);

/** RFC 9110 §5.1 field name; stored lowercase because header lookup is case-insensitive. */
const headerName = v.pipe(
  str(),
  v.regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "must be an HTTP header name (letters, digits, - and a few symbols)"),
  v.toLowerCase(),
);

export const TRIP_MODES = ["error_rate", "consecutive"] as const satisfies readonly TripSpec["mode"][];
/** reliability.md §2 defaults. The per-mode trip keys default in the snapshot, so an unread one can be warned about. */
export const DEFAULT_TRIP = { window_s: 30, threshold: 0.5, min_requests: 5, n: 3 } as const;
export const DEFAULT_MAX_COOLDOWN_SECS = 120;

const TripSchema = mapping({
  mode: v.optional(oneOf(TRIP_MODES), "error_rate"),
  window_s: v.optional(atLeast(1)),
  /** Error ratio that trips; equality trips, so 0 would trip on the first error and is refused. */
  threshold: v.optional(v.pipe(real(), v.check((n: number) => n > 0 && n <= 1, (i) => `must be > 0 and <= 1 (got ${i.input})`))),
  min_requests: v.optional(atLeast(1)),
  n: v.optional(atLeast(1)),
});

const BreakerSchema = mapping({
  base_cooldown_secs: v.optional(atLeast(1), 15),
  /** No schema default: when only the base is set, the check can say the max is the default (pool-checks.ts). */
  max_cooldown_secs: v.optional(atLeast(1)),
  trip: v.nullish(TripSchema, {}),
});

export const MAX_PREBUFFER_MS = 10_000;
export const MAX_PREBUFFER_BYTES = 1_048_576;

const FailoverSchema = mapping({
  deadline_secs: v.optional(atLeast(1), 120),
  /** Hops after the first attempt: at most cap + 1 attempts per pool. */
  cap: v.optional(atLeast(0), 3),
  /** Member targets the pool never selects; each must be a member (pool-checks.ts). */
  exclusions: v.optional(list(nonEmpty()), []),
  prebuffer_ms: v.optional(between(0, MAX_PREBUFFER_MS), 0),
  prebuffer_bytes: v.optional(between(0, MAX_PREBUFFER_BYTES), 0),
});

/** `reject` (503 aliases), `least_bad` (spelling aliases), `fallback_pool:<pool>`, normalised to the OnExhausted union. */
const onExhaustedAction = v.pipe(
  v.unknown(),
  v.rawTransform(({ dataset, addIssue, NEVER }) => {
    const parsed = parseOnExhausted(dataset.value);
    if (typeof parsed === "string") {
      addIssue({ message: parsed });
      return NEVER;
    }
    return parsed;
  }),
);

/**
 * Spec README "stream deadlines": on by default with generous values. The TTFT default stays below
 * the default 120 s deadline so a silent member still leaves time to fail over (docs/decisions.md).
 */
export const DEFAULT_TTFT_TIMEOUT_MS = 90_000;
export const DEFAULT_STALL_TIMEOUT_MS = 120_000;

/** A pool's reliability settings when it sets none (reliability.md §2; spec README stream deadlines); direct model
 * routes use exactly these (reliability.md §3). */
export const POOL_DEFAULTS = {
  policy: "weighted",
  webhook: undefined,
  script: undefined,
  affinity: undefined,
  failover: { deadlineSecs: 120, cap: 3, exclusions: [], prebufferMs: 0, prebufferBytes: 0 },
  breaker: {
    baseCooldownSecs: 15, maxCooldownSecs: DEFAULT_MAX_COOLDOWN_SECS,
    trip: { mode: "error_rate", windowS: DEFAULT_TRIP.window_s, threshold: DEFAULT_TRIP.threshold, minRequests: DEFAULT_TRIP.min_requests },
  },
  onExhausted: { action: "reject" },
  commitWindow: undefined,
  ttftTimeoutMs: DEFAULT_TTFT_TIMEOUT_MS,
  stallTimeoutMs: DEFAULT_STALL_TIMEOUT_MS,
} as const satisfies Omit<PoolSpec, "name" | "members" | "translation" | "reasoningContent">;

export const PoolSchema = mapping({
  members: v.pipe(list(PoolMemberSchema), v.minLength(1, "must list at least one member")),
  /** `strict` refuses a lossy translation with a 400 naming the fields (spec README, loss ledger). */
  translation: v.optional(oneOf(TRANSLATION_MODES)),
  /** OpenAI callers receive thinking as `reasoning_content` only when the pool opts in (spec README D11). */
  reasoning_content: v.optional(bool(), false),
  policy: v.nullish(mapping({
    name: v.optional(policyName, "weighted"),
    /** webhook (reliability.md §11.3): required then, refused otherwise (pool-checks.ts). */
    url: v.optional(nonEmpty()),
    /** script (reliability.md §11.4): the source inline, or a file; exactly one, refused for other policies. */
    script: v.optional(nonEmpty()),
    script_file: v.optional(nonEmpty()),
    /** script: worker threads running it (default min(4, CPU cores)). */
    instances: v.optional(between(1, 16)),
    /** webhook: the whole call (default 150); script: CPU time per call (default 5). */
    timeout_ms: v.optional(between(1, 10_000)),
    on_error: v.optional(oneOf(["weighted", "first", "reject"]), "weighted"),
    on_empty: v.optional(oneOf(["reject", "weighted"]), "reject"),
    max_in_flight: v.optional(atLeast(1), 64),
    /** webhook: reuse a decision for requests of the same shape for this long (0 = ask every time). */
    cache_ms: v.optional(between(0, 3_600_000), 0),
  }), {}),
  /** Present = on (reliability.md D6); an empty value is refused, since it would silently turn affinity on. */
  affinity: v.optional(mapping({
    mode: oneOf(["session"]),
    header_name: v.optional(headerName, "x-session-id"),
  })),
  failover: v.nullish(FailoverSchema, {}),
  breaker: v.nullish(BreakerSchema, {}),
  on_exhausted: v.nullish(mapping({ action: v.optional(onExhaustedAction, "reject") }), {}),
  /** Spec README "stream commit window": off unless set; set means at least one bound. */
  commit_window: v.optional(v.pipe(
    mapping({ tokens: v.optional(atLeast(1)), ms: v.optional(atLeast(1)) }),
    v.check((w) => w.tokens !== undefined || w.ms !== undefined, "must set tokens, ms or both"),
  )),
  ttft_timeout_ms: v.optional(atLeast(1), DEFAULT_TTFT_TIMEOUT_MS),
  stall_timeout_ms: v.optional(atLeast(1), DEFAULT_STALL_TIMEOUT_MS),
});

/** reliability.md §2 and §9, platform.md §4.3. */
const LimitsSchema = mapping({
  request_body_max_bytes: v.optional(atLeast(1), DEFAULT_BODY_MAX_BYTES),
  hard_down_cooldown_secs: v.optional(atLeast(1), 1800),
  max_honored_retry_after_secs: v.optional(atLeast(1), 86_400),
  max_buffered_response_bytes: v.optional(atLeast(1), 33_554_432),
  upstream_request_timeout_secs: v.optional(atLeast(1), 300),
  upstream_stream_idle_timeout_secs: v.optional(atLeast(1), 300),
  upstream_error_body_max_bytes: v.optional(atLeast(1), 262_144),
  /** platform.md §4.3: Bun's idle timer (handshake, headers, keep-alive), lifted once the body is read. */
  idle_timeout_secs: v.optional(between(1, 255), 30),
  /** Time allowed to receive the body once the headers are in; the connection is dropped after it. */
  request_body_read_timeout_secs: v.optional(between(1, 255), 30),
  /** JSON nesting depth of a request body; deeper gets a native 400 before any value is built. */
  max_json_depth: v.optional(atLeast(1), 128),
  /** In-flight inbound requests; the excess gets a native 503/529 with `Retry-After: 1`. 0 = off. */
  max_inbound_concurrent: v.optional(atLeast(0), 8192),
  /** platform.md §6.5: how long SIGTERM waits for in-flight requests and streams before cutting them. */
  shutdown_grace_secs: v.optional(between(0, 3600), 30),
});

const listen = v.pipe(str(), v.check((s: string) => parseListen(s) !== undefined, "must be host:port, e.g. 127.0.0.1:8080 or [::1]:8080"));

/** platform.md §4.1: PEM files read once at boot; `client_ca_file` turns on mTLS. */
const TlsSchema = mapping({
  cert_file: nonEmpty(),
  /** Exactly one of key_file / key_env (the NAME of a variable holding the PEM key). */
  key_file: v.optional(nonEmpty()),
  key_env: v.optional(envVarName),
  client_ca_file: v.optional(nonEmpty()),
});

export const STORE_KINDS = ["memory", "sqlite", "redis", "postgres"] as const;
/** `fail_open`/`fail_closed` are the spec README's names for allow/deny (platform decision 3). */
const STORE_ERROR_ACTIONS = ["allow", "deny", "fail_open", "fail_closed"] as const;

/** platform.md §3.3, §3.7. */
const GovernanceSchema = mapping({
  enabled: v.optional(bool(), false),
  store: v.nullish(mapping({
    kind: v.optional(oneOf(STORE_KINDS), "sqlite"),
    path: v.optional(nonEmpty(), "./busbar-governance.db"),
    busy_timeout_ms: v.optional(atLeast(0), 5000),
    /** redis/postgres: the NAME of the variable holding the URL (it may carry a password). */
    url_env: v.optional(envVarName),
    prefix: v.optional(nonEmpty(), "busbar:"),
    schema: v.optional(v.pipe(str(), v.regex(/^[a-z_][a-z0-9_]*$/, "must be a lowercase SQL identifier")), "busbar"),
    encryption_key_env: v.optional(envVarName),
  }), {}),
  price_per_request_cents: v.optional(centsRate(), 1),
  price_per_1k_tokens_cents: v.optional(centsRate(), 0),
  /** Keyed by model name (the config's `models` key); wins over the catalog's dated prices. */
  rate_card: v.nullish(recordOf(TokenRatesSchema), {}),
  budget_on_store_error: v.optional(oneOf(STORE_ERROR_ACTIONS), "allow"),
  /** How long an instance trusts its cached copy of a key (revocation delay across instances); 0 = no cache. */
  key_cache_ms: v.optional(atLeast(0), 1000),
  /** A reservation left by a crashed instance is released after this long (docs/governance.md). */
  reservation_lease_secs: v.optional(atLeast(1), 3600),
});

/** platform.md §3.6 with spec README platform decision 2 (`/api/v1/admin/…` on its own listener). */
const AdminSchema = mapping({
  listen: v.optional(listen, "127.0.0.1:8081"),
  token: v.optional(nonEmpty()),
  token_file: v.optional(nonEmpty()),
  tls: v.optional(TlsSchema),
  /** Bind off loopback without admin mTLS (refused otherwise). */
  insecure_expose: v.optional(bool(), false),
});

/** platform.md §5: traces, the audit webhook, Server-Timing, per-key gauges and access logs. */
const ObservabilitySchema = mapping({
  /** Off by default: the header reveals a gateway (platform.md §5.5). */
  emit_server_timing: v.optional(bool(), false),
  /** OTLP/HTTP JSON traces endpoint, e.g. http://127.0.0.1:4318/v1/traces (§5.3). */
  otlp_endpoint: v.optional(nonEmpty()),
  otlp_service_name: v.optional(nonEmpty(), "busbar"),
  /** One JSON POST per completed request (§5.4); https to a public host. */
  request_log_webhook_url: v.optional(nonEmpty()),
  /** Env var holding the HMAC key for `X-Busbar-Signature`. */
  request_log_webhook_secret_env: v.optional(nonEmpty()),
  webhook_max_inflight: v.optional(between(1, 10_000), 64),
  webhook_timeout_ms: v.optional(between(1, 60_000), 2000),
  /** Per-key gauges beyond this many keys are left out, with a warning (§5.2 cardinality). */
  key_gauge_limit: v.optional(between(1, 1_000_000), 2000),
  /** One info line per completed request (§5.6). */
  access_log: v.optional(bool(), false),
});

/** platform.md §4.2. */
const SecuritySchema = mapping({
  /** Every provider may reach loopback/private hosts, as if each set allow_private_network. */
  allow_private_upstreams: v.optional(bool(), false),
  /** Extra metadata host names or IP literals to block for every sink. */
  blocked_metadata_hosts: v.optional(list(nonEmpty()), []),
  /** Metadata hosts (names or IP literals) exempted from the block; allow beats block. */
  allow_metadata_hosts: v.optional(list(nonEmpty()), []),
  /** Turns metadata protection off entirely (warned loudly). */
  allow_all_metadata: v.optional(bool(), false),
});

export const ClientAuthSchema = mapping({
  mode: v.optional(oneOf(CLIENT_AUTH_MODES), "none"),
  client_tokens: v.optional(list(nonEmpty()), []),
  /** One token per line, blank lines ignored (platform.md §1.5). */
  client_tokens_file: v.optional(nonEmpty()),
  allow_open_relay: v.optional(bool(), false),
});


// Optional sections accept an empty YAML value (`limits:` with every child commented out) as {}.
export const OperatorConfigSchema = mapping({
  listen: v.optional(listen, DEFAULT_LISTEN),
  auth: v.nullish(ClientAuthSchema, {}),
  providers: v.pipe(recordOf(ProviderSchema), v.minEntries(1, "must have at least one entry")),
  models: v.pipe(recordOf(ModelSchema), v.minEntries(1, "must have at least one entry")),
  pools: v.nullish(recordOf(PoolSchema), {}),
  limits: v.nullish(LimitsSchema, {}),
  tls: v.optional(TlsSchema),
  security: v.nullish(SecuritySchema, {}),
  governance: v.nullish(GovernanceSchema, {}),
  admin: v.optional(AdminSchema),
  /** Health probing default for every provider (reliability.md §10). */
  health: v.nullish(HealthSchema, {}),
  /** Gateway-wide default for pools that do not set `translation`. */
  translation: v.optional(oneOf(TRANSLATION_MODES), "lossy"),
  observability: v.nullish(ObservabilitySchema, {}),
  /** Spec README decision 5: `/metrics` takes the data-plane auth, or this token (for Prometheus's own). */
  metrics: v.optional(mapping({
    token: v.optional(nonEmpty()),
    token_file: v.optional(nonEmpty()),
  })),
});

export const CatalogRowSchema = mapping({
  ...sharedProviderFields,
  protocol: oneOf(PROTOCOL_NAMES),
  base_url: nonEmpty(),
  description: v.optional(str()),
});

export const CatalogSchema = mapping({ providers: recordOf(CatalogRowSchema) });

export type OperatorConfig = v.InferOutput<typeof OperatorConfigSchema>;
export type ProviderEntry = v.InferOutput<typeof ProviderSchema>;
export type PoolEntry = v.InferOutput<typeof PoolSchema>;
export type TripEntry = v.InferOutput<typeof TripSchema>;
export type HealthEntry = v.InferOutput<typeof HealthSchema>;
export type CatalogRow = v.InferOutput<typeof CatalogRowSchema>;
export type Catalog = v.InferOutput<typeof CatalogSchema>;
