// Test harness: a real gateway (Bun.serve on port 0) in front of a real mock upstream (port 0), configured
// from YAML text through the same loader operators use.
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import { type MockOptions, startMockUpstream, type MockUpstream } from "../../src/mock/index.ts";
import { type Logger, silentLogger } from "../../src/observe/log.ts";
import { buildRuntime, type Runtime, type RuntimeOptions } from "../../src/runtime.ts";
import { listen } from "../../src/serve.ts";
import { listenAdmin } from "../../src/admin/serve.ts";
import { Governor } from "../../src/govern/governor.ts";
import { openStore } from "../../src/govern/store/index.ts";

export interface TestGateway {
  readonly url: string;
  readonly mock: MockUpstream;
  /** The runtime behind the gateway (lanes, pools, cells), for white-box assertions. */
  readonly rt: Runtime;
  /** With `governance.enabled`: the governor over the configured store. */
  readonly governor: Governor | undefined;
  /** With an `admin` section: the admin listener's URL (port 0). */
  readonly adminUrl: string | undefined;
  stop(): Promise<void>;
}

export interface GatewayOptions {
  /** Builds config.yaml text; `mock` is the mock upstream's base URL. */
  readonly yaml: (mock: string) => string;
  readonly env?: Record<string, string>;
  readonly log?: Logger;
  readonly runtime?: RuntimeOptions;
  /** Extra mock options, e.g. `{ memberTag: true }` for reliability tests (faults are always on). */
  readonly mock?: Omit<MockOptions, "port" | "faults">;
}

export async function startGateway(o: GatewayOptions): Promise<TestGateway> {
  const mock = startMockUpstream({ ...o.mock, port: 0, faults: true });
  const loaded = loadConfig({
    configText: o.yaml(mock.url),
    configFile: "config.yaml",
    catalogText: embeddedCatalogText(),
    catalogFile: "embedded catalog",
    env: o.env ?? {},
  });
  if (!loaded.ok) {
    await mock.stop();
    throw new Error(`test config invalid:\n${loaded.errors.join("\n")}`);
  }
  const config = loaded.config;
  const log = o.log ?? silentLogger;
  const clock = o.runtime?.now;
  const nowMs = clock === undefined ? Date.now : () => clock().getTime();
  const governor = config.governance.enabled ? new Governor(config.governance, await openStore(config.governance.store), nowMs, log) : undefined;
  const rt = buildRuntime(config, { log, ...o.runtime, ...(governor === undefined ? {} : { governor }) });
  const gw = listen(rt, "127.0.0.1", 0);
  const admin = config.admin === undefined ? undefined : listenAdmin(config.admin, {
    governor, log, nowMs, startedAt: nowMs(), configVersion: () => 1,
    routeNames: () => [...Object.keys(config.pools), ...Object.keys(config.models)],
  }, "127.0.0.1", 0);
  return {
    url: gw.url,
    mock,
    rt,
    governor,
    adminUrl: admin?.url,
    async stop() {
      await gw.stop();
      await admin?.stop();
      await governor?.close();
      await mock.stop();
    },
  };
}

/** Lane keys the mock must see, one per protocol, and the caller token it must never see. */
export const LANE_KEYS = {
  openai: "sk-lane-openai",
  responses: "sk-lane-responses",
  anthropic: "sk-ant-lane-anthropic",
  gemini: "lane-gemini-key",
  bedrock: "AKIDLANE:lane/secret+key",
  cohere: "lane-cohere-key",
} as const;
export const CALLER_TOKEN = "bb-caller-token-0123456789";

export const LANE_ENV: Record<string, string> = Object.fromEntries(
  Object.entries(LANE_KEYS).map(([p, k]) => [`LANE_${p.toUpperCase()}_KEY`, k]),
);

/** One provider, model and pool per protocol, token auth, every lane keyed. Pools are `pool-<protocol>`. */
export function sixProtocolYaml(mock: string, extra = ""): string {
  const protos = Object.keys(LANE_KEYS);
  const lines = [
    `auth: { mode: token, client_tokens: ["${CALLER_TOKEN}"] }`,
    "providers:",
    ...protos.map((p) => `  up-${p}: { protocol: ${p}, base_url: "${mock}", api_key_env: LANE_${p.toUpperCase()}_KEY, allow_private_network: true${p === "bedrock" ? ", region: us-west-2" : ""} }`),
    "models:",
    ...protos.map((p) => `  m-${p}: { provider: up-${p}, upstream_model: "${p === "bedrock" ? "vendor.model-v1:0" : `upstream-${p}`}" }`),
    "pools:",
    ...protos.map((p) => `  pool-${p}: { members: [ { target: m-${p} } ] }`),
  ];
  return `${lines.join("\n")}\n${extra}`;
}

/**
 * sixProtocolYaml behind virtual keys: token auth with no static client tokens, governance on a memory store that
 * re-reads keys on every request, the admin listener with `adminToken`; `pools` adds pool lines, `rateCard` lines
 * under `governance.rate_card`.
 */
export function governedYaml(mock: string, adminToken: string, o: { pools?: string; rateCard?: string } = {}): string {
  return `${sixProtocolYaml(mock).replace(/^auth:.*$/m, "auth: { mode: token }")}${o.pools ?? ""}
governance:
  enabled: true
  store: { kind: memory }
  key_cache_ms: 0
${o.rateCard === undefined ? "" : `  rate_card:\n${o.rateCard}\n`}admin: { listen: "127.0.0.1:0", token: "${adminToken}" }
`;
}
