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
}

export type TranslationMode = "lossy" | "strict";

export interface PoolSpec {
  readonly name: string;
  readonly members: readonly PoolMemberSpec[];
  readonly translation: TranslationMode;
  readonly reasoningContent: boolean;
}

export type ClientAuthMode = "none" | "token" | "passthrough";

export interface ListenSpec {
  readonly host: string;
  readonly port: number;
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
  };
  /** Default for direct model routes and pools without their own `translation`. */
  readonly translation: TranslationMode;
  readonly observability: {
    /** `Server-Timing: busbar;dur=…` on every response (platform.md §5.5). */
    readonly emitServerTiming: boolean;
  };
}
