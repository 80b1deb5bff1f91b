// The effective cloud-metadata denylist (platform.md §4.2): the compiled-in hosts, plus
// `security.blocked_metadata_hosts`, minus `security.allow_metadata_hosts` (allow beats block), or nothing at all
// under `security.allow_all_metadata`. Entries are matched in canonical form, so an IP entry covers all its spellings.
import { BUILTIN_METADATA, canonicalHost, classifyCanonical } from "./hosts.ts";
import { type Problem, problem } from "./messages.ts";
import type { SecuritySpec } from "./model.ts";
import { dependsOnUnset } from "./placeholders.ts";

export interface MetadataPolicy {
  /** `security.allow_all_metadata`: protection off for every sink. */
  readonly allowAll: boolean;
  /** Operator additions, canonical, in file order. */
  readonly blocked: readonly string[];
  readonly blockedSet: ReadonlySet<string>;
  /** Operator exemptions, canonical; an exemption lifts the metadata block for that exact host only. */
  readonly allowed: ReadonlySet<string>;
}

type SecurityLists = Pick<SecuritySpec, "blockedMetadataHosts" | "allowMetadataHosts" | "allowAllMetadata">;

const compiled = new WeakMap<SecurityLists, MetadataPolicy>();

/** Compiled once per snapshot (the snapshot is frozen, so the cache key never changes under us). */
export function metadataPolicy(sec: SecurityLists): MetadataPolicy {
  let p = compiled.get(sec);
  if (p === undefined) {
    const canon = (xs: readonly string[]): string[] => xs.flatMap((x) => canonicalHost(x) ?? []);
    const blocked = [...new Set(canon(sec.blockedMetadataHosts))];
    p = { allowAll: sec.allowAllMetadata, blocked, blockedSet: new Set(blocked), allowed: new Set(canon(sec.allowMetadataHosts)) };
    compiled.set(sec, p);
  }
  return p;
}

export const BUILTIN_METADATA_POLICY: MetadataPolicy = metadataPolicy({ blockedMetadataHosts: [], allowMetadataHosts: [], allowAllMetadata: false });

/** The operator's `security` block as the file spells it (schema.ts), checked before the snapshot exists. */
export interface SecurityEntry {
  readonly blocked_metadata_hosts: readonly string[];
  readonly allow_metadata_hosts: readonly string[];
  readonly allow_all_metadata: boolean;
}

/** Every list entry must be a host name or IP literal; `allow_all_metadata` is the §1.6 warning. */
export function checkSecurity(sec: SecurityEntry): { problems: Problem[]; warnings: Problem[] } {
  const problems: Problem[] = [];
  for (const key of ["blocked_metadata_hosts", "allow_metadata_hosts"] as const) {
    sec[key].forEach((entry, i) => {
      if (!dependsOnUnset(entry) && canonicalHost(entry) === undefined) {
        problems.push(problem(["security", key, i], `must be a host name or IP address, without scheme, port or path (got ${JSON.stringify(entry.slice(0, 80))})`));
      }
    });
  }
  const warnings = sec.allow_all_metadata
    ? [problem(["security", "allow_all_metadata"], "metadata protection DISABLED: every provider and sink may reach cloud metadata endpoints")]
    : [];
  return { problems, warnings };
}

export interface Blocklist {
  /** One entry per line for `--print-metadata-blocklist`; empty under allow_all_metadata. */
  readonly hosts: readonly string[];
  /** Exempt hosts inside a blocked range (e.g. one address of 169.254.0.0/16): still blocked around them. */
  readonly exemptions: readonly string[];
}

/** Built-ins + additions − exact exemptions (SEC-04). */
export function effectiveBlocklist(p: MetadataPolicy): Blocklist {
  if (p.allowAll) return { hosts: [], exemptions: [] };
  const hosts: string[] = [];
  for (const entry of [...BUILTIN_METADATA, ...p.blocked]) {
    const key = entry.includes("/") ? entry : canonicalHost(entry) ?? entry;
    if (!p.allowed.has(key) && !hosts.includes(key)) hosts.push(key);
  }
  const builtin: ReadonlySet<string> = new Set(BUILTIN_METADATA);
  const exemptions = [...p.allowed].filter((h) => classifyCanonical(h) === "metadata" && !builtin.has(h));
  return { hosts, exemptions };
}
