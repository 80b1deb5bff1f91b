// The operator's config, loaded as serving loads it but without its secrets, then pointed at the mock: every
// provider's base_url becomes the mock, every model a mock member of its own; protocols, pools, breakers, failover,
// timeouts and policies stay exactly as configured.
import { type LoadInput, type LoadResult, loadConfig } from "../config/load.ts";
import type { GatewayConfig, ModelSpec, ProviderSpec } from "../config/model.ts";
import { readDocument } from "../config/document.ts";
import { dependsOnUnset } from "../config/placeholders.ts";
import { type OperatorConfig, OperatorConfigSchema } from "../config/schema.ts";

/**
 * Stands in for every provider key and key file. It also parses as a Bedrock `ACCESS_KEY_ID:SECRET`, so SigV4
 * lanes sign as they would in production. The real keys are never read, so they cannot leak into a report.
 */
export const DUMMY_KEY = "BUSBARVERIFY:dummy-not-a-key";
/** Client token of the verify gateway (the operator's own tokens are replaced, like provider keys). */
export const VERIFY_CLIENT_TOKEN = "busbar-verify-client-token";

export type VerifyLoadInput = Omit<LoadInput, "validateOnly" | "readFile" | "fileMode">;

/**
 * `loadConfig` with dummy secrets: each provider's `api_key_env` reads as DUMMY_KEY and every secret file
 * (`api_key_file`, `client_tokens_file`, `ca_file`) as its text, so loading needs no key and reads none. Every
 * other `${VAR}` expands from the real environment, so the config is the one `busbar` would serve; a `${VAR}`
 * that is unset here but only feeds secrets (`client_tokens: ["${TOKEN}"]`) gets a stand-in too, so a CI job
 * without secrets can run verify.
 */
export function loadWithoutSecrets(input: VerifyLoadInput): LoadResult {
  // Read once as --validate does (unset variables become recognisable stand-ins) to learn which variables hold
  // keys; a file that does not read fails below with the loader's own errors.
  const doc = readDocument({ schema: OperatorConfigSchema, text: input.configText, file: input.configFile, expand: { env: input.env, validateOnly: true } });
  const stand: string[] = [];
  if (doc.ok) {
    for (const p of Object.values(doc.value.providers)) if (p.api_key_env !== undefined) stand.push(p.api_key_env);
    if (doc.skipped.every(isSecretPath) && !dependsOnUnset(withoutSecrets(doc.value))) stand.push(...doc.unset);
  }
  const env = { ...input.env, ...Object.fromEntries(stand.map((name) => [name, DUMMY_KEY])) };
  return loadConfig({ ...input, env, readFile: () => DUMMY_KEY, fileMode: () => undefined });
}

function isSecretPath(path: readonly (string | number)[]): boolean {
  const [top, second, third] = path;
  return (top === "auth" && (second === "client_tokens" || second === "client_tokens_file"))
    || (top === "providers" && (third === "api_key_env" || third === "api_key_file"));
}

/** The config with its secret-bearing fields emptied: what must not depend on an unset variable. */
function withoutSecrets(op: OperatorConfig): unknown {
  return {
    ...op,
    auth: { ...op.auth, client_tokens: [], client_tokens_file: "" },
    providers: Object.fromEntries(Object.entries(op.providers).map(([n, p]) => [n, { ...p, api_key_env: "", api_key_file: "" }])),
  };
}

/** One case's config: the mock member each model is served by, and its way back. */
export interface MockedConfig {
  readonly config: GatewayConfig;
  /** Model name → mock member (its upstream model). */
  readonly memberOf: ReadonlyMap<string, string>;
  /** Mock member → model name. */
  readonly modelOf: ReadonlyMap<string, string>;
}

/**
 * The snapshot pointed at the mock for one case. `tag` makes the members unique per case, so cases can share one
 * mock and run side by side. Health probing is off: a probe is not part of what a client sees, and would add
 * requests to the attempt counts.
 */
export function mockedConfig(base: GatewayConfig, mockUrl: string, tag: string): MockedConfig {
  const providers: Record<string, ProviderSpec> = {};
  for (const [name, p] of Object.entries(base.providers)) {
    providers[name] = {
      ...p,
      baseUrl: mockUrl,
      path: undefined, // a custom path (Azure deployments) is the provider's URL layout, which the mock does not serve
      apiKey: p.auth === "none" ? undefined : DUMMY_KEY,
      allowPrivateNetwork: true,
      caFile: undefined,
      caPem: undefined,
      health: { ...p.health, mode: "none" },
    };
  }
  const memberOf = new Map<string, string>();
  const modelOf = new Map<string, string>();
  const models: Record<string, ModelSpec> = {};
  Object.entries(base.models).forEach(([name, m], i) => {
    // By index, not by name: a model name may hold characters (spaces, `@`) the mock reads as directives.
    const member = `verify-${tag}-m${i}`;
    memberOf.set(name, member);
    modelOf.set(member, name);
    models[name] = { ...m, upstreamModel: member };
  });
  const config: GatewayConfig = {
    ...base,
    listen: { host: "127.0.0.1", port: 0 },
    auth: { ...base.auth, clientTokens: [VERIFY_CLIENT_TOKEN] },
    providers,
    models,
    health: { ...base.health, mode: "none" },
  };
  return { config, memberOf, modelOf };
}
