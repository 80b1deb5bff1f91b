// The resolved, immutable configuration snapshot the runtime is built from (platform.md §1.2, last stage).
// The operator file's own shape lives in schema.ts (the schema is the type); this is what it resolves to
// after the catalog merge, defaults, cross-reference checks and secret resolution.
import type { ProtocolName } from "../ir/protocol.ts";

/** Failure classes an `error_map` may name (platform.md §1.8; reliability.md §6). */
export const ERROR_CLASSES = [
  "rate_limit", "overloaded", "server_error", "timeout", "network", "auth", "billing", "client_error", "context_length",
] as const;
export type ErrorClass = (typeof ERROR_CLASSES)[number];

/** How a lane's key is sent upstream. `native` = the protocol's own style (protocols.md §3.1). */
export type UpstreamAuth = "native" | "bearer" | "api-key" | "none";

export interface ProviderSpec {
  readonly name: string;
  readonly protocol: ProtocolName;
  /** Scheme + host + optional prefix, trailing `/` trimmed. */
  readonly baseUrl: string;
  /** Replaces the protocol's upstream path when set (e.g. Azure deployments). */
  readonly path: string | undefined;
  readonly auth: UpstreamAuth;
  /** The resolved secret. Never logged, never echoed. Undefined when keyless or unset (warned at boot). */
  readonly apiKey: string | undefined;
  /** Bedrock signing region (spec README D8); host parsing is the fallback. */
  readonly region: string | undefined;
  readonly errorMap: Readonly<Record<string, ErrorClass>>;
  readonly allowPrivateNetwork: boolean;
  readonly allowMetadataHosts: boolean;
  readonly caFile: string | undefined;
  /** The `ca_file` contents: extra PEM roots trusted for this upstream, on top of the public ones (platform.md §4.1). */
  readonly caPem: string | undefined;
  /** Active health probing for this provider's lanes (reliability.md §10); the global `health` when unset. */
  readonly health: HealthSpec;
  /** Dated list prices by upstream model (spec README platform decision 4); a `rate_card` entry wins. */
  readonly pricing: { readonly asOf: string; readonly models: Readonly<Record<string, TokenRates>> } | undefined;
}

/** reliability.md §10. Seconds are floored at 1. */
export interface HealthSpec {
  readonly mode: "none" | "dead" | "active";
  readonly intervalSecs: number;
  readonly timeoutSecs: number;
}

export interface ModelSpec {
  readonly name: string;
  readonly provider: string;
  /** Model id sent upstream (spec README: `upstream_model`, default the model's own name). */
  readonly upstreamModel: string;
  /** Default 256 (spec README). */
  readonly maxConcurrent: number;
  /** -1 = unlimited. */
  readonly maxRequests: number;
  readonly defaultMaxTokens: number | undefined;
  readonly attemptTimeoutMs: number | undefined;
  /** Accepts a reasoning ask (protocols.md §10.3). */
  readonly reasoning: boolean;
  /** Honours model-gated cache markers (protocols.md §3.3 step 6). */
  readonly promptCaching: boolean;
}

export interface PoolMemberSpec {
  readonly target: string;
  readonly weight: number;
  readonly contextMax: number | undefined;
  /** Member-level override of the model's `reasoning`. */
  readonly reasoning: boolean | undefined;
  /** Wins over the model's `attempt_timeout_ms` within this pool (reliability.md §2). */
  readonly attemptTimeoutMs: number | undefined;
  /** Read only by routing policies (reliability.md §11). */
  readonly tier: string | undefined;
  readonly tags: readonly string[];
  readonly costPerMtok: number | undefined;
}

/** reliability.md §7: trip on an error rate over a window, or on N consecutive failures. */
export type TripSpec =
  | { readonly mode: "error_rate"; readonly windowS: number; readonly threshold: number; readonly minRequests: number }
  | { readonly mode: "consecutive"; readonly n: number };

export interface BreakerSpec {
  readonly baseCooldownSecs: number;
  readonly maxCooldownSecs: number;
  readonly trip: TripSpec;
}

export interface FailoverSpec {
  readonly deadlineSecs: number;
  /** Hops after the first attempt: at most cap + 1 attempts per pool. */
  readonly cap: number;
  /** Member targets (model names) this pool never selects. */
  readonly exclusions: readonly string[];
  readonly prebufferMs: number;
  readonly prebufferBytes: number;
}

/** reliability.md §8.6; the aliases (`503`, `least-bad`, …) are normalised at load. */
export type OnExhausted =
  | { readonly action: "reject" }
  | { readonly action: "least_bad" }
  | { readonly action: "fallback_pool"; readonly pool: string };

/** `weighted` = smooth weighted round-robin; `ordered` = list order, first usable member wins (spec README). */
export type PoolPolicyName = "weighted" | "ordered" | NativeStrategy | "webhook" | "script";

/** reliability.md §11.4: an operator JavaScript `route(req, candidates, ctx)` run in a QuickJS sandbox. */
export interface ScriptPolicySpec {
  readonly source: string;
  /** Where the source came from, for messages: `policy.script` or the file's path. */
  readonly origin: string;
  /** CPU time per call. */
  readonly timeoutMs: number;
  /** Worker threads, each with its own sandbox. */
  readonly instances: number;
  readonly onError: "weighted" | "first" | "reject";
  readonly onEmpty: "reject" | "weighted";
}

/** reliability.md §11.3: an operator URL that ranks (and may restrict or reject) a pool's members per request. */
export interface WebhookPolicySpec {
  readonly url: string;
  readonly timeoutMs: number;
  readonly onError: "weighted" | "first" | "reject";
  readonly onEmpty: "reject" | "weighted";
  readonly maxInFlight: number;
  /** Reuse a decision for requests of the same shape (ingress protocol, stream, tools) for this long; 0 = off. */
  readonly cacheMs: number;
}
/** reliability.md §11.1 built-in strategies: a per-request member ranking over the pool (src/route/policies.ts). */
export type NativeStrategy = "cheapest" | "fastest" | "least_busy" | "usage";

/** Spec README, stream commit window: hold N tokens or T ms before committing; unset = commit at first content. */
export interface CommitWindowSpec {
  readonly tokens: number | undefined;
  readonly ms: number | undefined;
}

export type TranslationMode = "lossy" | "strict";

export interface PoolSpec {
  readonly name: string;
  readonly members: readonly PoolMemberSpec[];
  readonly translation: TranslationMode;
  readonly reasoningContent: boolean;
  readonly policy: PoolPolicyName;
  /** Set when `policy.name` is `webhook`. */
  readonly webhook: WebhookPolicySpec | undefined;
  /** Set when `policy.name` is `script`. */
  readonly script: ScriptPolicySpec | undefined;
  /** Session affinity by header; undefined = off (reliability.md §4, D6). */
  readonly affinity: { readonly headerName: string } | undefined;
  readonly failover: FailoverSpec;
  readonly breaker: BreakerSpec;
  readonly onExhausted: OnExhausted;
  readonly commitWindow: CommitWindowSpec | undefined;
  /** Spec README stream deadlines: no first content event in time / no event for this long. */
  readonly ttftTimeoutMs: number;
  readonly stallTimeoutMs: number;
}

export type ClientAuthMode = "none" | "token" | "passthrough";

export interface ListenSpec {
  readonly host: string;
  readonly port: number;
}

/** PEM material read once at boot. `key` is a secret: never logged. */
export interface TlsSpec {
  readonly certFile: string;
  readonly cert: string;
  readonly key: string;
  /** Present = mTLS: a client certificate chaining to this CA is required at the handshake. */
  readonly clientCaFile: string | undefined;
  readonly clientCa: string | undefined;
}

/** One model's token prices in cents per million tokens (platform.md §3.3). */
export interface TokenRates {
  readonly inputCentsPerMtok: number;
  readonly outputCentsPerMtok: number;
  readonly cacheReadCentsPerMtok: number | undefined;
  readonly cacheWriteCentsPerMtok: number | undefined;
}

export type StoreSpec =
  | { readonly kind: "memory" }
  | { readonly kind: "sqlite"; readonly path: string; readonly busyTimeoutMs: number }
  /** `url` is a secret (it may carry a password): never logged. */
  | { readonly kind: "redis"; readonly url: string; readonly prefix: string }
  | { readonly kind: "postgres"; readonly url: string; readonly schema: string };

/** platform.md §3; `enabled: false` leaves the rest unused. */
export interface GovernanceSpec {
  readonly enabled: boolean;
  readonly store: StoreSpec;
  readonly feeMicros: number;
  /** `price_per_1k_tokens_cents`, as µ¢ per token: the last fallback rate for input and output. */
  readonly flatMicrosPerToken: number;
  /** By model name. */
  readonly rateCard: Readonly<Record<string, TokenRates>>;
  readonly onStoreError: "allow" | "deny";
  readonly keyCacheMs: number;
  readonly reservationLeaseSecs: number;
  /** From `store.encryption_key_env`: seals the minted AWS secrets the store keeps. Secret. */
  readonly encryptionKey: string | undefined;
}

/** The admin listener (platform.md §3.6); present only when an admin token is configured. */
export interface AdminSpec {
  readonly listen: ListenSpec;
  /** Secret: never logged. */
  readonly token: string;
  readonly tls: TlsSpec | undefined;
  readonly insecureExpose: boolean;
}

/** platform.md §4.2 gateway-wide SSRF settings. */
export interface SecuritySpec {
  readonly allowPrivateUpstreams: boolean;
  readonly blockedMetadataHosts: readonly string[];
  readonly allowMetadataHosts: readonly string[];
  readonly allowAllMetadata: boolean;
}

export interface GatewayConfig {
  readonly listen: ListenSpec;
  readonly auth: {
    readonly mode: ClientAuthMode;
    /** Static client tokens (token mode). Secret values. */
    readonly clientTokens: readonly string[];
    readonly allowOpenRelay: boolean;
  };
  readonly providers: Readonly<Record<string, ProviderSpec>>;
  readonly models: Readonly<Record<string, ModelSpec>>;
  readonly pools: Readonly<Record<string, PoolSpec>>;
  readonly limits: {
    /** Request body cap in bytes (platform.md §4.3). */
    readonly maxBodyBytes: number;
    /** reliability.md §2 and §9; platform.md §4.3. */
    readonly hardDownCooldownSecs: number;
    readonly maxHonoredRetryAfterSecs: number;
    readonly maxBufferedResponseBytes: number;
    readonly upstreamRequestTimeoutSecs: number;
    readonly upstreamStreamIdleTimeoutSecs: number;
    readonly upstreamErrorBodyMaxBytes: number;
    /** platform.md §4.3 transport limits. */
    readonly idleTimeoutSecs: number;
    readonly requestBodyReadTimeoutSecs: number;
    readonly maxJsonDepth: number;
    /** 0 = off. */
    readonly maxInboundConcurrent: number;
    readonly shutdownGraceSecs: number;
  };
  /** Native TLS on the data listener (platform.md §4.1); undefined = plain HTTP. */
  readonly tls: TlsSpec | undefined;
  readonly security: SecuritySpec;
  readonly governance: GovernanceSpec;
  readonly admin: AdminSpec | undefined;
  /** Global health default; a provider's own `health` wins. */
  readonly health: HealthSpec;
  /** Default for direct model routes and pools without their own `translation`. */
  readonly translation: TranslationMode;
  readonly observability: ObservabilitySpec;
  /** Spec README decision 5: a token Prometheus may scrape `/metrics` with, besides the data-plane auth. */
  readonly metricsToken: string | undefined;
}

/** A sink URL checked at load (platform.md §4.2): userinfo moved into `authorization`, never logged. */
export interface SinkSpec {
  readonly url: string;
  readonly authorization: string | undefined;
}

export interface ObservabilitySpec {
  /** `Server-Timing: busbar;dur=…` on every response (platform.md §5.5). */
  readonly emitServerTiming: boolean;
  /** OTLP/HTTP JSON traces (§5.3); undefined = off. */
  readonly otlp: (SinkSpec & { readonly serviceName: string }) | undefined;
  /** The audit webhook (§5.4); undefined = off. */
  readonly audit: (SinkSpec & {
    /** HMAC-SHA256 key for `X-Busbar-Signature`, from `request_log_webhook_secret_env`. */
    readonly secret: string | undefined;
    readonly maxInflight: number;
    readonly timeoutMs: number;
  }) | undefined;
  readonly keyGaugeLimit: number;
  readonly accessLog: boolean;
}
