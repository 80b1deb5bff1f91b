// The load pipeline (platform.md §1.2) shared by boot, `--validate` and (later) reload:
// read → expand → parse → schema → catalog merge + defaults → cross-references, names, URLs,
// pool rules, auth combinations → secrets → frozen snapshot. A failing stage reports all of its errors.
// Pure: files, env and permissions arrive through LoadInput, so tests need no process state.
import { type EnvMap } from "./env.ts";
import { parseCatalog } from "./catalog.ts";
import { checkClientAuth } from "./client-auth.ts";
import { readDocument } from "./document.ts";
import { parseListen } from "./listen.ts";
import { formatProblem, type Problem, problem, sortByPosition } from "./messages.ts";
import type { GatewayConfig, TlsSpec } from "./model.ts";
import { checkGovernance, resolveGovernanceSecrets } from "./governance.ts";
import { checkObservability, resolveObservabilitySecrets } from "./observability.ts";
import { checkNames } from "./names.ts";
import { unknownFrom } from "./placeholders.ts";
import { checkPools } from "./pool-checks.ts";
import { mergeProviders } from "./providers.ts";
import { DEFAULT_LISTEN, OperatorConfigSchema } from "./schema.ts";
import { defaultFileMode, defaultReadFile, resolveSecrets } from "./secrets.ts";
import { buildSnapshot } from "./snapshot.ts";
import { readTls } from "./tls-files.ts";

export { locateCatalog, locateConfigFile } from "./locate.ts";

export interface LoadInput {
  readonly configText: string;
  /** Path or label of the operator config; messages use its basename. */
  readonly configFile: string;
  readonly catalogText: string;
  readonly catalogFile: string;
  readonly env: EnvMap;
  /** `--validate`: unset `${VAR}`s become a note, secrets are not resolved, no other file is read. */
  readonly validateOnly?: boolean;
  /** Reads `api_key_file`, `client_tokens_file`, `ca_file`; default node:fs. */
  readonly readFile?: (path: string) => string;
  /** Permission bits for the group/other-readable warning; default fs.statSync. */
  readonly fileMode?: (path: string) => number | undefined;
}

/**
 * Errors are complete §1.6 lines (`config.yaml: models.x.provider: …`). Warnings and notes are
 * bare text; the caller adds the `warning: ` / `note: ` prefix its output needs.
 */
export type LoadResult =
  | {
      readonly ok: true;
      /** Under validateOnly, values from unset variables are stand-ins and keys are unresolved. */
      readonly config: GatewayConfig;
      readonly warnings: string[];
      readonly notes: string[];
      readonly counts: { readonly providers: number; readonly models: number; readonly pools: number };
    }
  | { readonly ok: false; readonly errors: string[]; readonly warnings: string[]; readonly notes: string[] };

export function loadConfig(input: LoadInput): LoadResult {
  const validateOnly = input.validateOnly ?? false;
  const doc = readDocument({
    schema: OperatorConfigSchema,
    text: input.configText,
    file: input.configFile,
    expand: { env: input.env, validateOnly },
  });
  const catalog = parseCatalog(input.catalogText, input.catalogFile);
  const notes = doc.unset.length > 0 ? [`env var(s) referenced but unset here — required at runtime: ${doc.unset.join(", ")}`] : [];
  if (!doc.ok || !catalog.ok) {
    return { ok: false, errors: [...(doc.ok ? [] : doc.errors), ...(catalog.ok ? [] : catalog.errors)], warnings: [], notes };
  }

  const op = doc.value;
  const lines = (ps: readonly Problem[]): string[] => sortByPosition(ps, doc.offsetOf).map((p) => formatProblem(doc.label, p));
  const unknownAt = unknownFrom(doc.skipped);
  // The schema already rejected a malformed listen; the fallback is for a stand-in (--validate).
  const listen = parseListen(op.listen) ?? parseListen(DEFAULT_LISTEN) ?? { host: "127.0.0.1", port: 8080 };

  // An unknown mode (--validate) might be passthrough, where provider keys are optional.
  const keysOptional = op.auth.mode === "passthrough" || unknownAt(["auth", "mode"]);
  const merged = mergeProviders(op, catalog.catalog, keysOptional, unknownAt);
  const auth = checkClientAuth(op, listen, merged.providers, unknownAt);
  const pools = checkPools(op, merged.providers, unknownAt);
  const gov = checkGovernance(op, listen, unknownAt);
  const problems = [...merged.problems, ...checkNames(op), ...pools.problems, ...auth.problems, ...gov.problems, ...checkObservability(op, unknownAt)];
  const warnings = lines([...merged.warnings, ...auth.warnings, ...pools.warnings, ...gov.warnings]);
  if (problems.length > 0) return { ok: false, errors: lines(problems), warnings, notes };

  let keys: ReadonlyMap<string, string> = new Map();
  let clientTokens: readonly string[] = op.auth.client_tokens;
  let govSecrets: { adminToken?: string; storeUrl?: string; encryptionKey?: string } = {};
  let obsSecrets: { metricsToken?: string; auditSecret?: string } = {};
  const scripts = new Map<string, string>();
  let tlsFiles: { tls?: TlsSpec; adminTls?: TlsSpec; caPems?: ReadonlyMap<string, string> } = {};
  if (!validateOnly) {
    const io = {
      env: input.env,
      readFile: input.readFile ?? defaultReadFile,
      fileMode: input.fileMode ?? defaultFileMode,
    };
    const secrets = resolveSecrets(op, merged.providers, io);
    const g = resolveGovernanceSecrets(op, io);
    const o = resolveObservabilitySecrets(op, io);
    const scriptProblems: Problem[] = [];
    for (const [name, pool] of Object.entries(op.pools)) {
      const file = pool.policy.name === "script" ? pool.policy.script_file : undefined;
      if (file === undefined) continue;
      try {
        scripts.set(name, io.readFile(file));
      } catch {
        scriptProblems.push(problem(["pools", name, "policy", "script_file"], `cannot read ${file}`));
      }
    }
    const tlsProblems: Problem[] = [];
    const tls = readTls(["tls"], op.tls, io, tlsProblems);
    const adminTls = readTls(["admin", "tls"], op.admin?.tls, io, tlsProblems);
    tlsFiles = { ...(tls === undefined ? {} : { tls }), ...(adminTls === undefined ? {} : { adminTls }), caPems: secrets.caPems };
    warnings.push(...lines(secrets.warnings));
    const secretProblems = [...secrets.problems, ...g.problems, ...o.problems, ...scriptProblems, ...tlsProblems];
    if (secretProblems.length > 0) return { ok: false, errors: lines(secretProblems), warnings, notes };
    keys = secrets.keys;
    clientTokens = secrets.clientTokens;
    govSecrets = {
      ...(g.adminToken === undefined ? {} : { adminToken: g.adminToken }),
      ...(g.storeUrl === undefined ? {} : { storeUrl: g.storeUrl }),
      ...(g.encryptionKey === undefined ? {} : { encryptionKey: g.encryptionKey }),
    };
    obsSecrets = {
      ...(o.metricsToken === undefined ? {} : { metricsToken: o.metricsToken }),
      ...(o.auditSecret === undefined ? {} : { auditSecret: o.auditSecret }),
    };
  }

  const config = buildSnapshot({ op, listen, providers: merged.providers, keys, clientTokens, ...govSecrets, ...obsSecrets, ...tlsFiles, scripts });
  const counts = {
    providers: Object.keys(config.providers).length,
    models: Object.keys(config.models).length,
    pools: Object.keys(config.pools).length,
  };
  return { ok: true, config, warnings, notes, counts };
}
