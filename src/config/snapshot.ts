// The immutable snapshot the runtime is built from (platform.md §1.2, last stage): operator
// entries resolved to the model.ts types, with the defaults that depend on other keys applied.
import { assertNever } from "../ir/protocol.ts";
import { availableParallelism } from "node:os";
import type { ScriptPolicySpec } from "./model.ts";
import type { GatewayConfig, HealthSpec, ListenSpec, ModelSpec, PoolSpec, ProviderSpec, TlsSpec, TokenRates, TripSpec } from "./model.ts";
import { buildAdminSpec, buildGovernanceSpec } from "./governance.ts";
import { buildObservabilitySpec } from "./observability.ts";
import type { MergedProvider } from "./providers.ts";
import { DEFAULT_HEALTH, DEFAULT_MAX_COOLDOWN_SECS, DEFAULT_TRIP, type HealthEntry, type OperatorConfig, type PoolEntry, type TripEntry } from "./schema.ts";

export interface SnapshotInput {
  readonly op: OperatorConfig;
  readonly listen: ListenSpec;
  readonly providers: readonly MergedProvider[];
  readonly keys: ReadonlyMap<string, string>;
  readonly caPems?: ReadonlyMap<string, string>;
  readonly clientTokens: readonly string[];
  /** Read by the secrets stage; undefined without `tls` (and under --validate). */
  readonly tls?: TlsSpec;
  /** The admin token, store URL and admin TLS material, from the secrets stage. */
  readonly adminToken?: string;
  readonly storeUrl?: string;
  readonly encryptionKey?: string;
  readonly adminTls?: TlsSpec;
  /** From the secrets stage: the `/metrics` token and the audit webhook's HMAC key. */
  readonly metricsToken?: string;
  readonly auditSecret?: string;
  /** Script policy sources read from `policy.script_file`, by pool. */
  readonly scripts?: ReadonlyMap<string, string>;
}

export function buildSnapshot(s: SnapshotInput): GatewayConfig {
  const { op } = s;
  const health = resolveHealth(op.health, DEFAULT_HEALTH);
  const providers = table(s.providers.map((p): [string, ProviderSpec] => [p.name, {
    name: p.name,
    protocol: p.protocol,
    baseUrl: p.baseUrl,
    path: p.path,
    auth: p.auth,
    apiKey: s.keys.get(p.name),
    region: p.region,
    errorMap: table(Object.entries(p.errorMap)),
    allowPrivateNetwork: p.allowPrivateNetwork,
    allowMetadataHosts: p.allowMetadataHosts,
    caFile: p.caFile,
    caPem: s.caPems?.get(p.name),
    health: resolveHealth(Object.hasOwn(op.providers, p.name) ? op.providers[p.name]?.health : undefined, health),
    pricing: p.pricing === undefined ? undefined : {
      asOf: p.pricing.as_of,
      models: table(Object.entries(p.pricing.models).map(([m, r]): [string, TokenRates] => [m, {
        inputCentsPerMtok: r.input_cents_per_mtok,
        outputCentsPerMtok: r.output_cents_per_mtok,
        cacheReadCentsPerMtok: r.cache_read_cents_per_mtok,
        cacheWriteCentsPerMtok: r.cache_write_cents_per_mtok,
      }])),
    },
  }]));
  const models = table(Object.entries(op.models).map(([name, m]): [string, ModelSpec] => [name, {
    name,
    provider: m.provider,
    upstreamModel: m.upstream_model ?? name,
    maxConcurrent: m.max_concurrent,
    maxRequests: m.max_requests,
    defaultMaxTokens: m.default_max_tokens,
    attemptTimeoutMs: m.attempt_timeout_ms,
    reasoning: m.reasoning,
    promptCaching: m.prompt_caching,
  }]));
  const pools = table(Object.entries(op.pools).map(([name, p]): [string, PoolSpec] => [name, resolvePool(name, p, op, s.scripts)]));
  const config: GatewayConfig = {
    listen: { ...s.listen },
    auth: { mode: op.auth.mode, clientTokens: [...s.clientTokens], allowOpenRelay: op.auth.allow_open_relay },
    providers,
    models,
    pools,
    limits: {
      maxBodyBytes: op.limits.request_body_max_bytes,
      hardDownCooldownSecs: op.limits.hard_down_cooldown_secs,
      maxHonoredRetryAfterSecs: op.limits.max_honored_retry_after_secs,
      maxBufferedResponseBytes: op.limits.max_buffered_response_bytes,
      upstreamRequestTimeoutSecs: op.limits.upstream_request_timeout_secs,
      upstreamStreamIdleTimeoutSecs: op.limits.upstream_stream_idle_timeout_secs,
      upstreamErrorBodyMaxBytes: op.limits.upstream_error_body_max_bytes,
      idleTimeoutSecs: op.limits.idle_timeout_secs,
      requestBodyReadTimeoutSecs: op.limits.request_body_read_timeout_secs,
      maxJsonDepth: op.limits.max_json_depth,
      maxInboundConcurrent: op.limits.max_inbound_concurrent,
      shutdownGraceSecs: op.limits.shutdown_grace_secs,
    },
    tls: s.tls,
    security: {
      allowPrivateUpstreams: op.security.allow_private_upstreams,
      blockedMetadataHosts: [...op.security.blocked_metadata_hosts],
      allowMetadataHosts: [...op.security.allow_metadata_hosts],
      allowAllMetadata: op.security.allow_all_metadata,
    },
    governance: buildGovernanceSpec(op, s.storeUrl, s.encryptionKey),
    admin: buildAdminSpec(op, s.adminToken, s.adminTls),
    health,
    translation: op.translation,
    observability: buildObservabilitySpec(op, s.auditSecret),
    metricsToken: s.metricsToken,
  };
  return deepFreeze(config);
}

/** The inline source, or the file's text read by the secrets stage (absent under --validate: an empty stand-in). */
function scriptSpec(name: string, p: PoolEntry, scripts: ReadonlyMap<string, string> | undefined): ScriptPolicySpec {
  const file = p.policy.script_file;
  return {
    source: p.policy.script ?? scripts?.get(name) ?? "",
    origin: file ?? `pools.${name}.policy.script`,
    timeoutMs: p.policy.timeout_ms ?? 5,
    instances: p.policy.instances ?? Math.min(4, availableParallelism()),
    onError: p.policy.on_error,
    onEmpty: p.policy.on_empty,
  };
}

function resolvePool(name: string, p: PoolEntry, op: OperatorConfig, scripts?: ReadonlyMap<string, string>): PoolSpec {
  const { failover, breaker } = p;
  return {
    name,
    members: p.members.map((m) => ({
      target: m.target,
      weight: m.weight,
      contextMax: m.context_max,
      reasoning: m.reasoning,
      attemptTimeoutMs: m.attempt_timeout_ms,
      tier: m.tier,
      tags: [...m.tags],
      costPerMtok: m.cost_per_mtok,
    })),
    translation: p.translation ?? op.translation,
    reasoningContent: p.reasoning_content,
    policy: p.policy.name,
    webhook: p.policy.name === "webhook" && p.policy.url !== undefined ? {
      url: p.policy.url, timeoutMs: p.policy.timeout_ms ?? 150, onError: p.policy.on_error, onEmpty: p.policy.on_empty, maxInFlight: p.policy.max_in_flight, cacheMs: p.policy.cache_ms,
    } : undefined,
    script: p.policy.name === "script" ? scriptSpec(name, p, scripts) : undefined,
    affinity: p.affinity ? { headerName: p.affinity.header_name } : undefined,
    failover: {
      deadlineSecs: failover.deadline_secs,
      cap: failover.cap,
      exclusions: [...failover.exclusions],
      prebufferMs: failover.prebuffer_ms,
      prebufferBytes: failover.prebuffer_bytes,
    },
    breaker: {
      baseCooldownSecs: breaker.base_cooldown_secs,
      maxCooldownSecs: breaker.max_cooldown_secs ?? DEFAULT_MAX_COOLDOWN_SECS,
      trip: resolveTrip(breaker.trip),
    },
    onExhausted: { ...p.on_exhausted.action },
    commitWindow: p.commit_window ? { tokens: p.commit_window.tokens, ms: p.commit_window.ms } : undefined,
    ttftTimeoutMs: p.ttft_timeout_ms,
    stallTimeoutMs: p.stall_timeout_ms,
  };
}

/** Only the chosen mode's keys are kept; the others were warned about (pool-checks.ts). */
function resolveTrip(t: TripEntry): TripSpec {
  switch (t.mode) {
    case "error_rate":
      return {
        mode: "error_rate",
        windowS: t.window_s ?? DEFAULT_TRIP.window_s,
        threshold: t.threshold ?? DEFAULT_TRIP.threshold,
        minRequests: t.min_requests ?? DEFAULT_TRIP.min_requests,
      };
    case "consecutive":
      return { mode: "consecutive", n: t.n ?? DEFAULT_TRIP.n };
    default:
      return assertNever(t.mode, "trip mode");
  }
}

/** Each unset field comes from `base` (the global health, or the built-in default for the global one). */
function resolveHealth(own: HealthEntry | null | undefined, base: HealthSpec): HealthSpec {
  const secs = (n: number | undefined, fallback: number): number => (n === undefined ? fallback : Math.max(1, n));
  return {
    mode: own?.mode ?? base.mode,
    intervalSecs: secs(own?.interval_secs, base.intervalSecs),
    timeoutSecs: secs(own?.timeout_secs, base.timeoutSecs),
  };
}

/**
 * Name-keyed tables have no prototype: the runtime looks names up from client input
 * (`model: "constructor"`), which must never find an inherited property.
 */
function table<T>(entries: readonly (readonly [string, T])[]): Readonly<Record<string, T>> {
  const out: Record<string, T> = Object.fromEntries(entries);
  Object.setPrototypeOf(out, null);
  return out;
}

function deepFreeze<T>(x: T): T {
  if (typeof x === "object" && x !== null && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}
