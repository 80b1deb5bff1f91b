// Governance and admin-listener settings checked and resolved at load (platform.md §1.6 fatal combinations, §3,
// §3.6; spec README platform decisions 2 and 3). Pure: secrets arrive through the same SecretIO as provider keys.
import type { AdminSpec, GatewayConfig, GovernanceSpec, ListenSpec, StoreSpec, TlsSpec, TokenRates } from "./model.ts";
import { isLoopbackListen, parseListen } from "./listen.ts";
import { type Problem, problem } from "./messages.ts";
import type { UnknownAt } from "./placeholders.ts";
import type { OperatorConfig } from "./schema.ts";
import { type SecretIO, tokenOrFile } from "./secrets.ts";

type TokenRatesEntry = NonNullable<OperatorConfig["governance"]["rate_card"]>[string];

export interface Findings {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** The combinations §1.6 and §3.6 make fatal, and the warnings that go with governance. */
export function checkGovernance(op: OperatorConfig, listen: ListenSpec, unknownAt: UnknownAt): Findings {
  const out: Findings = { problems: [], warnings: [] };
  const gov = op.governance;
  const admin = op.admin;
  if (admin !== undefined) {
    if (admin.token !== undefined && admin.token_file !== undefined) {
      out.problems.push(problem(["admin", "token"], "set admin.token or admin.token_file, not both"));
    }
    const adminListen = parseListen(admin.listen);
    if (adminListen !== undefined && !unknownAt(["admin", "listen"])) {
      if (adminListen.port !== 0 && adminListen.port === listen.port && sameHost(adminListen.host, listen.host)) {
        out.problems.push(problem(["admin", "listen"], `must differ from listen (${admin.listen}): the admin API has its own listener`));
      }
      const mtls = admin.tls?.client_ca_file !== undefined;
      if (!isLoopbackListen(adminListen) && !mtls && !admin.insecure_expose) {
        out.problems.push(problem(["admin", "listen"],
          `${admin.listen} is not loopback and admin mTLS is off; set admin.tls.client_ca_file, listen on 127.0.0.1, or set admin.insecure_expose: true`));
      }
      if (!isLoopbackListen(adminListen) && !mtls && admin.insecure_expose) {
        out.warnings.push(problem(["admin", "insecure_expose"], `the admin API on ${admin.listen} is reachable off this machine without mTLS`));
      }
    }
  }
  if (!gov.enabled || unknownAt(["governance", "enabled"])) return out;

  if (op.auth.mode === "passthrough" && !unknownAt(["auth", "mode"])) {
    out.problems.push(problem(["governance", "enabled"], "cannot be combined with auth.mode: passthrough (callers would bring their own provider keys)"));
  }
  if (admin === undefined || (admin.token === undefined && admin.token_file === undefined)) {
    out.problems.push(problem(["admin", "token"], "governance needs an admin token to mint keys: set admin.token (\"${VAR}\") or admin.token_file"));
  }
  if (op.auth.mode === "token" && (op.auth.client_tokens.length > 0 || op.auth.client_tokens_file !== undefined)) {
    out.warnings.push(problem(["auth", "client_tokens"], "ignored while governance is enabled: callers need virtual keys"));
  }
  const store = gov.store;
  if ((store.kind === "redis" || store.kind === "postgres") && store.url_env === undefined) {
    out.problems.push(problem(["governance", "store", "url_env"], `the ${store.kind} store needs url_env: the NAME of the variable holding its URL`));
  }
  if (store.kind === "memory") {
    out.warnings.push(problem(["governance", "store", "kind"], "memory: keys and spend are lost when the process stops"));
  }
  for (const model of Object.keys(gov.rate_card)) {
    if (!Object.hasOwn(op.models, model)) out.problems.push(problem(["governance", "rate_card", model], "no model of that name in models"));
  }
  return out;
}

function sameHost(a: string, b: string): boolean {
  const wild = (h: string): boolean => h === "0.0.0.0" || h === "::";
  return a === b || wild(a) || wild(b);
}

export interface GovernanceSecrets {
  readonly adminToken: string | undefined;
  readonly storeUrl: string | undefined;
  readonly encryptionKey: string | undefined;
  readonly problems: Problem[];
}

/** The admin token (`token` or `token_file`) and the store URL (`url_env`); read in the secrets stage. */
export function resolveGovernanceSecrets(op: OperatorConfig, io: SecretIO): GovernanceSecrets {
  const problems: Problem[] = [];
  const adminToken = tokenOrFile("admin", op.admin?.token, op.admin?.token_file, "an admin token", io, problems);
  let storeUrl: string | undefined;
  const store = op.governance.store;
  if (op.governance.enabled && (store.kind === "redis" || store.kind === "postgres") && store.url_env !== undefined) {
    storeUrl = io.env[store.url_env];
    if (storeUrl === undefined || storeUrl === "") {
      problems.push(problem(["governance", "store", "url_env"], `environment variable ${store.url_env} is unset or empty`));
      storeUrl = undefined;
    }
  }
  let encryptionKey: string | undefined;
  if (op.governance.enabled && store.encryption_key_env !== undefined) {
    encryptionKey = io.env[store.encryption_key_env];
    if (encryptionKey === undefined || encryptionKey.trim() === "") {
      problems.push(problem(["governance", "store", "encryption_key_env"], `environment variable ${store.encryption_key_env} is unset or empty`));
      encryptionKey = undefined;
    }
  }
  return { adminToken, storeUrl, encryptionKey, problems };
}

/** Cents → integer micro-cents, half-up (platform.md §3.3). */
export function centsToMicros(cents: number): number {
  return Math.floor(cents * 1_000_000 + 0.5);
}

function rates(e: TokenRatesEntry): TokenRates {
  return {
    inputCentsPerMtok: e.input_cents_per_mtok,
    outputCentsPerMtok: e.output_cents_per_mtok,
    cacheReadCentsPerMtok: e.cache_read_cents_per_mtok,
    cacheWriteCentsPerMtok: e.cache_write_cents_per_mtok,
  };
}

export function buildGovernanceSpec(op: OperatorConfig, storeUrl: string | undefined, encryptionKey?: string): GovernanceSpec {
  const gov = op.governance;
  const s = gov.store;
  let store: StoreSpec;
  switch (s.kind) {
    case "memory": store = { kind: "memory" }; break;
    case "sqlite": store = { kind: "sqlite", path: s.path, busyTimeoutMs: s.busy_timeout_ms }; break;
    case "redis": store = { kind: "redis", url: storeUrl ?? "", prefix: s.prefix }; break;
    case "postgres": store = { kind: "postgres", url: storeUrl ?? "", schema: s.schema }; break;
    default: {
      const never: never = s.kind;
      throw new Error(`unknown store kind ${String(never)}`);
    }
  }
  const rateCard: Record<string, TokenRates> = Object.create(null) as Record<string, TokenRates>;
  for (const [model, e] of Object.entries(gov.rate_card)) rateCard[model] = rates(e);
  return {
    enabled: gov.enabled,
    store,
    feeMicros: centsToMicros(gov.price_per_request_cents),
    // cents per 1000 tokens = (cents * 1e6 µ¢) / 1000 tokens.
    flatMicrosPerToken: gov.price_per_1k_tokens_cents * 1000,
    rateCard,
    onStoreError: gov.budget_on_store_error === "deny" || gov.budget_on_store_error === "fail_closed" ? "deny" : "allow",
    keyCacheMs: gov.key_cache_ms,
    reservationLeaseSecs: gov.reservation_lease_secs,
    encryptionKey,
  };
}

/** Undefined without an admin token: the admin listener starts only when one is configured (§3.6). */
export function buildAdminSpec(op: OperatorConfig, token: string | undefined, tls: TlsSpec | undefined): GatewayConfig["admin"] {
  if (op.admin === undefined || token === undefined) return undefined;
  const listen = parseListen(op.admin.listen) ?? { host: "127.0.0.1", port: 8081 };
  const spec: AdminSpec = { listen, token, tls, insecureExpose: op.admin.insecure_expose };
  return spec;
}
