// The built runtime: everything a request needs, made once from a config snapshot and passed down (no singletons).
import { ClientAuth } from "./auth/index.ts";
import type { GatewayConfig } from "./config/model.ts";
import type { Governor } from "./govern/governor.ts";
import { type IdMinter, randomIds } from "./ir/ids.ts";
import { SignatureStash } from "./ir/stash.ts";
import { buildInfo } from "./build-info.ts";
import { type Logger, silentLogger } from "./observe/log.ts";
import { GatewayMetrics } from "./observe/metrics.ts";
import { Observer, type ObserverSinks } from "./observe/observer.ts";
import { buildLanes, buildPools } from "./route/lanes.ts";
import { Resolver } from "./route/resolve.ts";
import { type Jitter, randomJitter } from "./route/breaker.ts";
import { type LookupFn, systemLookup } from "./upstream/guard.ts";

export type FetchFn = (input: URL, init: BunFetchRequestInit) => Promise<Response>;

export interface Runtime {
  readonly config: GatewayConfig;
  readonly auth: ClientAuth;
  readonly resolver: Resolver;
  /** Wall clock, injectable so signing and windows are testable without sleeps. */
  readonly now: () => Date;
  /** The same clock in epoch ms, without a Date per call (breaker cells read it several times a request). */
  readonly nowMs: () => number;
  /** Ids minted in callers' native formats; injectable so golden tests are exact. */
  readonly ids: IdMinter;
  readonly fetch: FetchFn;
  /** Resolves upstream names for the connect-time SSRF check (platform.md §4.2); injectable so tests need no DNS. */
  readonly lookup: LookupFn;
  readonly log: Logger;
  /** Gemini function-call signatures kept for callers that cannot carry them (spec README D1). */
  readonly signatureStash: SignatureStash;
  /** Virtual keys, budgets and limits (platform.md §3); undefined when governance is off. */
  readonly governor: Governor | undefined;
  /** Metrics and the sinks every completed request is reported to (platform.md §5). */
  readonly observe: Observer;
  /** Set once shutdown starts (platform.md §6.5): `/healthz` answers 503 `draining`. */
  readonly lifecycle: { draining: boolean };
}

/** Stash bounds: Gemini signatures run to a few KB, so 10 000 entries stay within tens of MB. */
const STASH_ENTRIES = 10_000;
const STASH_TTL_MS = 6 * 3600_000;

export interface RuntimeOptions {
  readonly now?: () => Date;
  readonly ids?: IdMinter;
  readonly fetch?: FetchFn;
  readonly lookup?: LookupFn;
  readonly log?: Logger;
  /** Built by the caller from an opened store (opening one is async and may fail: main.ts reports it). */
  readonly governor?: Governor;
  /** Cooldown jitter (reliability.md §7); tests inject zero or a seeded source (I5). */
  readonly jitter?: Jitter;
  /** The audit webhook and OTLP sinks, built by the caller from config (main.ts) or injected by tests. */
  readonly sinks?: ObserverSinks;
}

/**
 * `previous`: the running runtime, on a config reload (platform.md §6.6). Lanes and pool cells that keep their
 * identity carry their state over (route/lanes.ts); the metrics, sinks, signature stash, governor and lifecycle are
 * the running ones, so counters stay monotonic and nothing in flight is lost. In-flight requests keep the runtime
 * they started with.
 */
export function buildRuntime(config: GatewayConfig, opts: RuntimeOptions = {}, previous?: Runtime): Runtime {
  const injected = opts.now;
  const now = injected ?? (() => new Date());
  const nowMs = injected === undefined ? Date.now : () => injected().getTime();
  const jitter = opts.jitter ?? randomJitter;
  const lanes = buildLanes({ config, jitter }, previous?.resolver.lanes);
  const pools = buildPools({ config, jitter }, lanes, previous?.resolver.pools);
  const resolver = new Resolver(config, lanes, pools, jitter);
  const log = opts.log ?? silentLogger;
  const metrics = previous?.observe.metrics ?? new GatewayMetrics();
  const observe = previous?.observe ?? new Observer(metrics, opts.sinks ?? {}, log, config.observability.accessLog);
  metrics.attach({
    pools: () => resolver.pools.values(), lanes: () => resolver.lanes.values(), governor: opts.governor,
    nowMs, keyGaugeLimit: config.observability.keyGaugeLimit, log, build: buildInfo(), sinkDrops: () => observe.drops(),
  });
  return {
    config,
    auth: new ClientAuth(config.auth.mode, config.auth.clientTokens),
    resolver,
    now,
    nowMs,
    ids: opts.ids ?? randomIds,
    signatureStash: previous?.signatureStash ?? new SignatureStash(STASH_ENTRIES, STASH_TTL_MS, () => now().getTime()),
    fetch: opts.fetch ?? fetch,
    lookup: opts.lookup ?? systemLookup,
    log,
    governor: opts.governor,
    observe,
    lifecycle: previous?.lifecycle ?? { draining: false },
  };
}
