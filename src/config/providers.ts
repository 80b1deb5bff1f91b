// Operator provider entries merged onto catalog rows (platform.md §1.5, §1.8): each field the
// operator sets wins, `error_map` merges per code, and the base URL passes the §4.2 checks under the provider's
// opt-ins and the gateway-wide `security` lists.
import { type ErrorClass, type UpstreamAuth } from "./model.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import { type Problem, problem } from "./messages.ts";
import { dependsOnUnset, type UnknownAt } from "./placeholders.ts";
import type { Catalog, CatalogRow, OperatorConfig } from "./schema.ts";
import { checkSecurity } from "./metadata.ts";
import { checkProviderUrl, providerPolicy, trimTrailingSlashes } from "./ssrf.ts";

/** A provider after the catalog merge, before its secret is resolved. */
export interface MergedProvider {
  readonly name: string;
  readonly protocol: ProtocolName;
  readonly baseUrl: string;
  readonly path: string | undefined;
  readonly auth: UpstreamAuth;
  readonly region: string | undefined;
  readonly errorMap: Readonly<Record<string, ErrorClass>>;
  readonly allowPrivateNetwork: boolean;
  readonly allowMetadataHosts: boolean;
  readonly caFile: string | undefined;
  readonly apiKeyEnv: string | undefined;
  readonly apiKeyFile: string | undefined;
  /** Dated list prices (catalog row, or the operator's override as a whole). */
  readonly pricing: CatalogRow["pricing"];
}

export interface MergedProviders {
  readonly providers: readonly MergedProvider[];
  readonly problems: readonly Problem[];
  /** `security.allow_all_metadata` (platform.md §1.6). */
  readonly warnings: readonly Problem[];
}

/** Stand-ins used only under --validate when protocol/base_url come from unset variables. */
const UNKNOWN_PROTOCOL: ProtocolName = "openai";
const UNKNOWN_BASE_URL = "https://unset.invalid";

/**
 * `passthroughClients`: under `auth.mode: passthrough` callers bring their own upstream
 * credential, so an operator key is optional there (and warned about when present).
 * `unknownAt`: paths whose values depend on unset variables (--validate); their checks are skipped.
 */
export function mergeProviders(op: OperatorConfig, catalog: Catalog, passthroughClients: boolean, unknownAt: UnknownAt): MergedProviders {
  const providers: MergedProvider[] = [];
  const security = checkSecurity(op.security);
  const problems: Problem[] = [...security.problems];
  // The snapshot's SecuritySpec, from the same fields (snapshot.ts copies them one to one).
  const sec = {
    allowPrivateUpstreams: op.security.allow_private_upstreams,
    blockedMetadataHosts: op.security.blocked_metadata_hosts,
    allowMetadataHosts: op.security.allow_metadata_hosts,
    allowAllMetadata: op.security.allow_all_metadata,
  };
  for (const [name, entry] of Object.entries(op.providers)) {
    const row = Object.hasOwn(catalog.providers, name) ? catalog.providers[name] : undefined;
    const unknown = (...keys: string[]): boolean => keys.some((k) => unknownAt(["providers", name, k]));
    const urlUnknown = unknown("protocol", "base_url");
    const protocol = entry.protocol ?? row?.protocol ?? (urlUnknown ? UNKNOWN_PROTOCOL : undefined);
    const baseUrl = entry.base_url ?? row?.base_url ?? (urlUnknown ? UNKNOWN_BASE_URL : undefined);
    if (protocol === undefined || baseUrl === undefined) {
      const missing = [protocol === undefined ? "protocol" : "", baseUrl === undefined ? "base_url" : ""].filter(Boolean).join("/");
      problems.push(problem(["providers", name], `not found in the provider catalog and no ${missing} given`));
      continue;
    }
    const merged: MergedProvider = {
      name,
      protocol,
      baseUrl: trimTrailingSlashes(baseUrl),
      path: entry.path ?? row?.path,
      auth: entry.auth ?? row?.auth ?? "native",
      region: entry.region ?? row?.region,
      errorMap: { ...row?.error_map, ...entry.error_map },
      allowPrivateNetwork: entry.allow_private_network ?? row?.allow_private_network ?? false,
      allowMetadataHosts: entry.allow_metadata_hosts ?? false,
      caFile: entry.ca_file,
      apiKeyEnv: entry.api_key_env,
      apiKeyFile: entry.api_key_file,
      pricing: entry.pricing ?? row?.pricing,
    };
    providers.push(merged);
    if (!unknown("auth", "api_key_env", "api_key_file")) problems.push(...keySourceProblems(merged, passthroughClients));
    // A URL built from an unset variable (--validate) cannot be judged until runtime.
    const urlInputsUnknown = urlUnknown || unknown("path", "auth", "allow_private_network", "allow_metadata_hosts") || unknownAt(["security"]);
    if (!urlInputsUnknown && !dependsOnUnset(merged.baseUrl) && !dependsOnUnset(merged.path)) {
      problems.push(...checkProviderUrl(name, merged.baseUrl, merged.path, providerPolicy(name, merged, sec)));
    }
  }
  return { providers, problems, warnings: security.warnings };
}

/** Exactly one key source, or none for a keyless upstream (platform.md §1.5). */
function keySourceProblems(p: MergedProvider, passthroughClients: boolean): Problem[] {
  const at = (key: string) => ["providers", p.name, key];
  if (p.auth === "none") {
    return [
      ...(p.apiKeyEnv !== undefined ? [problem(at("api_key_env"), "not allowed with auth: none (a keyless upstream takes no key)")] : []),
      ...(p.apiKeyFile !== undefined ? [problem(at("api_key_file"), "not allowed with auth: none (a keyless upstream takes no key)")] : []),
    ];
  }
  if (p.apiKeyEnv !== undefined && p.apiKeyFile !== undefined) {
    return [problem(["providers", p.name], "set only one of api_key_env and api_key_file")];
  }
  if (p.apiKeyEnv === undefined && p.apiKeyFile === undefined && !passthroughClients) {
    return [problem(["providers", p.name], "no key source: set api_key_env or api_key_file (or auth: none for a keyless upstream)")];
  }
  return [];
}
