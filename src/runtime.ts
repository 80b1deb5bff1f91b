// The built runtime: everything a request needs, made once from a config snapshot and passed down (no singletons).
import { ClientAuth } from "./auth/index.ts";
import type { GatewayConfig } from "./config/model.ts";
import { type IdMinter, randomIds } from "./ir/ids.ts";
import { type Logger, silentLogger } from "./observe/log.ts";
import { buildLanes, buildPools } from "./route/lanes.ts";
import { Resolver } from "./route/resolve.ts";

export type FetchFn = (input: URL, init: BunFetchRequestInit) => Promise<Response>;

export interface Runtime {
  readonly config: GatewayConfig;
  readonly auth: ClientAuth;
  readonly resolver: Resolver;
  /** Wall clock, injectable so signing and windows are testable without sleeps. */
  readonly now: () => Date;
  /** Ids minted in callers' native formats; injectable so golden tests are exact. */
  readonly ids: IdMinter;
  readonly fetch: FetchFn;
  readonly log: Logger;
}

export interface RuntimeOptions {
  readonly now?: () => Date;
  readonly ids?: IdMinter;
  readonly fetch?: FetchFn;
  readonly log?: Logger;
}

export function buildRuntime(config: GatewayConfig, opts: RuntimeOptions = {}): Runtime {
  const lanes = buildLanes(config);
  const pools = buildPools(config, lanes);
  return {
    config,
    auth: new ClientAuth(config.auth.mode, config.auth.clientTokens),
    resolver: new Resolver(config, lanes, pools),
    now: opts.now ?? (() => new Date()),
    ids: opts.ids ?? randomIds,
    fetch: opts.fetch ?? fetch,
    log: opts.log ?? silentLogger,
  };
}
