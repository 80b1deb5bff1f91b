// Config reload (platform.md §6.6): SIGHUP or POST /api/v1/admin/config/reload runs the whole load pipeline again.
// Any error leaves the running config as it is; success swaps in a new runtime for new requests while in-flight ones
// finish on the one they started with. Lanes that keep their identity keep their breaker state (runtime.ts,
// route/lanes.ts). Settings that only take effect at start are kept as they are and named in `restart_required`.
import type { GatewayConfig } from "./config/model.ts";
import type { LoadResult } from "./config/load.ts";
import type { Logger } from "./observe/log.ts";
import type { Runtime } from "./runtime.ts";

export type ReloadResult =
  | { readonly ok: true; readonly configVersion: number; readonly restartRequired: readonly string[]; readonly warnings: readonly string[] }
  | { readonly ok: false; readonly errors: readonly string[] };

const differs = (a: unknown, b: unknown): boolean => JSON.stringify(a) !== JSON.stringify(b);

/**
 * The new config with every start-only setting put back to the running value, and the names of those that
 * changed: the listeners and their TLS, the admin API, the governance store and settings (the governor is built
 * once, over one store), and the observability sinks (built once at start).
 */
export function holdStartOnly(running: GatewayConfig, next: GatewayConfig): { config: GatewayConfig; restartRequired: string[] } {
  const changed: string[] = [];
  const keep = <T>(name: string, a: T, b: T): T => {
    if (differs(a, b)) changed.push(name);
    return a;
  };
  const o = next.observability;
  const r = running.observability;
  const config: GatewayConfig = {
    ...next,
    listen: keep("listen", running.listen, next.listen),
    tls: keep("tls", running.tls, next.tls),
    admin: keep("admin", running.admin, next.admin),
    governance: keep("governance", running.governance, next.governance),
    // The listener's own settings: Bun.serve's idle timer and the inbound cap are fixed when it binds.
    limits: {
      ...next.limits,
      idleTimeoutSecs: keep("limits.idle_timeout_secs", running.limits.idleTimeoutSecs, next.limits.idleTimeoutSecs),
      requestBodyReadTimeoutSecs: keep("limits.request_body_read_timeout_secs", running.limits.requestBodyReadTimeoutSecs, next.limits.requestBodyReadTimeoutSecs),
      maxInboundConcurrent: keep("limits.max_inbound_concurrent", running.limits.maxInboundConcurrent, next.limits.maxInboundConcurrent),
    },
    observability: {
      ...o,
      otlp: keep("observability.otlp_endpoint", r.otlp, o.otlp),
      audit: keep("observability.request_log_webhook_url", r.audit, o.audit),
      accessLog: keep("observability.access_log", r.accessLog, o.accessLog),
    },
  };
  return { config, restartRequired: changed };
}

export class Reloader {
  private version = 1;
  private running: Promise<ReloadResult> | undefined;

  constructor(
    private current: Runtime,
    /** Reads and checks config and catalog from disk, as at start. */
    private readonly load: () => LoadResult,
    /** Builds the next runtime over the running one. */
    private readonly build: (config: GatewayConfig, previous: Runtime) => Runtime,
    /** Puts the new runtime in front of new requests (serve.ts `Listening.reload`). */
    private readonly apply: (rt: Runtime) => void,
    private readonly log: Logger,
    /** Checks that need more than the load pipeline (compiling script policies); problems refuse the reload. */
    private readonly check: (config: GatewayConfig) => Promise<string[]> = async () => [],
  ) {}

  get configVersion(): number {
    return this.version;
  }

  get runtime(): Runtime {
    return this.current;
  }

  /** One reload at a time: a second call while one runs gets the same result. */
  reload(): Promise<ReloadResult> {
    this.running ??= Promise.resolve().then(() => this.once()).finally(() => { this.running = undefined; });
    return this.running;
  }

  private async once(): Promise<ReloadResult> {
    let loaded: LoadResult;
    try {
      loaded = this.load();
    } catch (e) {
      const errors = [`cannot read the config: ${e instanceof Error ? e.message : String(e)}`];
      this.log.warn("config reload refused", { errors });
      return { ok: false, errors };
    }
    if (!loaded.ok) {
      this.log.warn("config reload refused", { errors: loaded.errors });
      return { ok: false, errors: loaded.errors };
    }
    const problems = await this.check(loaded.config);
    if (problems.length > 0) {
      this.log.warn("config reload refused", { errors: problems });
      return { ok: false, errors: problems };
    }
    const { config, restartRequired } = holdStartOnly(this.current.config, loaded.config);
    const next = this.build(config, this.current);
    this.apply(next);
    this.current = next;
    this.version++;
    for (const w of loaded.warnings) this.log.warn(w);
    this.log.info("config reloaded", { config_version: this.version, ...loaded.counts, restart_required: restartRequired });
    return { ok: true, configVersion: this.version, restartRequired, warnings: loaded.warnings };
  }
}
