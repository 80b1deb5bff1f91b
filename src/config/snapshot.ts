// The immutable snapshot the runtime is built from (platform.md §1.2, last stage).
import type { GatewayConfig, ListenSpec, ModelSpec, PoolSpec, ProviderSpec } from "./model.ts";
import type { MergedProvider } from "./providers.ts";
import type { OperatorConfig } from "./schema.ts";

export interface SnapshotInput {
  readonly op: OperatorConfig;
  readonly listen: ListenSpec;
  readonly providers: readonly MergedProvider[];
  readonly keys: ReadonlyMap<string, string>;
  readonly clientTokens: readonly string[];
}

export function buildSnapshot(s: SnapshotInput): GatewayConfig {
  const { op } = s;
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
  const pools = table(Object.entries(op.pools).map(([name, p]): [string, PoolSpec] => [name, {
    name,
    members: p.members.map((m) => ({ target: m.target, weight: m.weight, contextMax: m.context_max, reasoning: m.reasoning })),
    translation: p.translation ?? op.translation,
    reasoningContent: p.reasoning_content,
  }]));
  const config: GatewayConfig = {
    listen: { ...s.listen },
    auth: { mode: op.auth.mode, clientTokens: [...s.clientTokens], allowOpenRelay: op.auth.allow_open_relay },
    providers,
    models,
    pools,
    limits: { maxBodyBytes: op.limits.request_body_max_bytes },
    translation: op.translation,
    observability: { emitServerTiming: op.observability.emit_server_timing },
  };
  return deepFreeze(config);
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
