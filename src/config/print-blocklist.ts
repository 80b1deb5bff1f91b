// `busbar --print-metadata-blocklist` (platform.md §6.1, SEC-04): the effective cloud-metadata denylist, one
// entry per line on stdout. It reads the config the gateway would read (for `security.*`), like `--validate`
// without secrets; with no config file anywhere it prints the compiled-in list. Reads files only.
import { existsSync } from "node:fs";
import { EMBEDDED_CATALOG_FILE, embeddedCatalogText } from "./catalog.ts";
import type { EnvMap } from "./env.ts";
import { readTextFile } from "./files.ts";
import { loadConfig, locateCatalog, locateConfigFile } from "./load.ts";
import { plural } from "./messages.ts";
import { BUILTIN_METADATA_POLICY, effectiveBlocklist, type MetadataPolicy, metadataPolicy } from "./metadata.ts";

export interface PrintBlocklistOptions {
  readonly configFlag?: string;
  readonly providersFlag?: string;
  readonly env: EnvMap;
  readonly cwd: string;
  readonly exists?: (path: string) => boolean;
}

export interface PrintBlocklistOutcome {
  readonly exitCode: 0 | 1;
  /** The list, newline-terminated ("" when protection is disabled). */
  readonly out: string;
  /** Notes (exemptions inside a blocked range, protection disabled) or the config errors. */
  readonly err: string;
}

export function runPrintBlocklist(o: PrintBlocklistOptions): PrintBlocklistOutcome {
  const fail = (lines: readonly string[]): PrintBlocklistOutcome => ({ exitCode: 1, out: "", err: lines.map((l) => `${l}\n`).join("") });
  const explicit = [o.configFlag, o.env.BUSBAR_CONFIG].some((x) => x !== undefined && x !== "");
  const located = locateConfigFile(o.configFlag, o.env, o.exists ?? existsSync, o.cwd);
  let policy: MetadataPolicy = BUILTIN_METADATA_POLICY;
  if ("error" in located) {
    // A file that was asked for must exist; no file at all means the built-ins are what a gateway would use.
    if (explicit) return fail([located.error]);
  } else {
    const config = readTextFile(located.path);
    if ("error" in config) return fail([config.error]);
    const where = locateCatalog(o.providersFlag, o.env);
    const catalog = "embedded" in where ? { text: embeddedCatalogText(), file: EMBEDDED_CATALOG_FILE } : { ...readTextFile(where.path), file: where.path };
    if ("error" in catalog) return fail([catalog.error]);
    const r = loadConfig({ configText: config.text, configFile: located.path, catalogText: catalog.text, catalogFile: catalog.file, env: o.env, validateOnly: true });
    if (!r.ok) return fail([`config invalid (${plural(r.errors.length, "error")}):`, ...r.errors]);
    policy = metadataPolicy(r.config.security);
  }
  return render(policy);
}

export function render(policy: MetadataPolicy): PrintBlocklistOutcome {
  const list = effectiveBlocklist(policy);
  const notes = policy.allowAll
    ? ["note: metadata protection DISABLED (security.allow_all_metadata: true); nothing is blocked"]
    : list.exemptions.map((h) => `note: ${h} is exempt (security.allow_metadata_hosts) from the range around it`);
  return { exitCode: 0, out: list.hosts.map((h) => `${h}\n`).join(""), err: notes.map((n) => `${n}\n`).join("") };
}
