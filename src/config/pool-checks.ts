// Pool rules that span keys or sections (reliability.md §2, §13.2 case 30): fallback pools, exclusions,
// the cooldown range, trip keys the chosen mode never reads, and pools that mix protocols.
import { classifyHost } from "./hosts.ts";
import { didYouMean, type Problem, problem } from "./messages.ts";
import { dependsOnUnset, type UnknownAt } from "./placeholders.ts";
import type { MergedProvider } from "./providers.ts";
import { DEFAULT_MAX_COOLDOWN_SECS, type OperatorConfig, type PoolEntry, TRIP_MODES } from "./schema.ts";

export interface PoolFindings {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

export function checkPools(op: OperatorConfig, providers: readonly MergedProvider[], unknownAt: UnknownAt): PoolFindings {
  const out: PoolFindings = { problems: [], warnings: [] };
  for (const [name, pool] of Object.entries(op.pools)) {
    const at = (...keys: (string | number)[]) => ["pools", name, ...keys];
    out.problems.push(...exclusionProblems(pool, at));
    out.problems.push(...webhookPolicyProblems(pool, at, unknownAt), ...scriptPolicyProblems(pool, at));
    out.problems.push(...cooldownProblems(pool, at, unknownAt));
    if (!unknownAt(at("breaker", "trip", "mode"))) out.warnings.push(...unreadTripKeys(pool, at));
    const mixed = mixedProtocols(op, pool, providers, unknownAt);
    if (mixed) {
      out.warnings.push(problem(at("members"),
        `members speak several protocols (${mixed.join(", ")}), so requests are translated for some members and a translation may drop fields`));
    }
  }
  out.problems.push(...fallbackProblems(op, unknownAt));
  return out;
}

type At = (...keys: (string | number)[]) => (string | number)[];

function exclusionProblems(pool: PoolEntry, at: At): Problem[] {
  const targets = pool.members.map((m) => m.target);
  const out: Problem[] = [];
  const exclusions = pool.failover.exclusions;
  exclusions.forEach((x, i) => {
    if (dependsOnUnset(x) || targets.includes(x)) return;
    out.push(problem(at("failover", "exclusions", i), `${JSON.stringify(x)} is not a member of this pool${didYouMean(x, targets)}`));
  });
  if (out.length === 0 && !targets.some(dependsOnUnset) && targets.every((t) => exclusions.includes(t))) {
    out.push(problem(at("failover", "exclusions"), "excludes every member, so the pool could never serve a request"));
  }
  return out;
}

function cooldownProblems(pool: PoolEntry, at: At, unknownAt: UnknownAt): Problem[] {
  if (unknownAt(at("breaker", "base_cooldown_secs")) || unknownAt(at("breaker", "max_cooldown_secs"))) return [];
  const { base_cooldown_secs: base, max_cooldown_secs: max } = pool.breaker;
  if (max === undefined) {
    return base > DEFAULT_MAX_COOLDOWN_SECS
      ? [problem(at("breaker", "base_cooldown_secs"),
          `must be <= max_cooldown_secs, which defaults to ${DEFAULT_MAX_COOLDOWN_SECS} (got ${base}); set max_cooldown_secs too`)]
      : [];
  }
  return max < base ? [problem(at("breaker", "max_cooldown_secs"), `must be >= base_cooldown_secs ${base} (got ${max})`)] : [];
}

/** Which trip keys each mode reads; a key for the other mode is ignored, most likely by mistake. */
const TRIP_KEYS = {
  error_rate: ["window_s", "threshold", "min_requests"],
  consecutive: ["n"],
} as const satisfies Record<(typeof TRIP_MODES)[number], readonly string[]>;

function unreadTripKeys(pool: PoolEntry, at: At): Problem[] {
  const trip = pool.breaker.trip;
  const out: Problem[] = [];
  for (const mode of TRIP_MODES) {
    if (mode === trip.mode) continue;
    for (const key of TRIP_KEYS[mode]) {
      if (trip[key] !== undefined) out.push(problem(at("breaker", "trip", key), `ignored with mode: ${trip.mode} (it applies to mode: ${mode})`));
    }
  }
  return out;
}

/** The sorted protocol names when the members span more than one, else undefined. */
function mixedProtocols(op: OperatorConfig, pool: PoolEntry, providers: readonly MergedProvider[], unknownAt: UnknownAt): string[] | undefined {
  const seen = new Set<string>();
  for (const m of pool.members) {
    const model = Object.hasOwn(op.models, m.target) ? op.models[m.target] : undefined;
    const provider = model && providers.find((p) => p.name === model.provider);
    if (!provider || unknownAt(["providers", provider.name, "protocol"]) || unknownAt(["providers", provider.name, "base_url"])) continue;
    seen.add(provider.protocol);
  }
  return seen.size > 1 ? [...seen].sort() : undefined;
}

/** Unknown, self-referencing and cyclic `fallback_pool:` chains (reliability.md §8.6: cycles are refused at startup). */
function fallbackProblems(op: OperatorConfig, unknownAt: UnknownAt): Problem[] {
  const out: Problem[] = [];
  const pools = Object.keys(op.pools);
  const next = new Map<string, string>();
  for (const [name, pool] of Object.entries(op.pools)) {
    const action = pool.on_exhausted.action;
    const at = ["pools", name, "on_exhausted", "action"];
    if (action.action !== "fallback_pool" || dependsOnUnset(action.pool) || unknownAt(at)) continue;
    const target = action.pool;
    if (target === name) out.push(problem(at, `fallback_pool points to its own pool ${JSON.stringify(name)}`));
    else if (Object.hasOwn(op.pools, target)) next.set(name, target);
    else if (Object.hasOwn(op.models, target)) out.push(problem(at, `${JSON.stringify(target)} is a model; fallback_pool must name a pool`));
    else out.push(problem(at, `unknown pool ${JSON.stringify(target)}${didYouMean(target, pools)}`));
  }
  // Each pool has at most one fallback, so following the chain from every pool finds every cycle;
  // a cycle is reported once, at its member that comes first in the file.
  const reported = new Set<string>();
  for (const start of pools) {
    const path: string[] = [];
    let cur: string | undefined = start;
    while (cur !== undefined && !path.includes(cur)) {
      path.push(cur);
      cur = next.get(cur);
    }
    if (cur === undefined || reported.has(cur)) continue;
    const cycle = path.slice(path.indexOf(cur));
    for (const p of cycle) reported.add(p);
    const first = pools.find((p) => cycle.includes(p)) ?? cur;
    const from = cycle.indexOf(first);
    const ordered = [...cycle.slice(from), ...cycle.slice(0, from), first];
    out.push(problem(["pools", first, "on_exhausted", "action"],
      `fallback_pool ${JSON.stringify(next.get(first))} closes a cycle: ${ordered.join(" → ")} (a fallback chain must end)`));
  }
  return out;
}

/** reliability.md §11.4: a script policy has exactly one of `script` and `script_file`; no other policy has either. */
function scriptPolicyProblems(pool: PoolEntry, at: (...k: (string | number)[]) => (string | number)[]): Problem[] {
  const p = pool.policy;
  const given = (["script", "script_file"] as const).filter((k) => p[k] !== undefined);
  if (p.name !== "script" && p.instances !== undefined) given.push("instances" as never);
  if (p.name !== "script") return given.map((k) => problem(at("policy", k), `only a script policy takes ${k} (policy.name is ${p.name})`));
  if (given.length === 0) return [problem(at("policy", "script"), "a script policy needs its source: policy.script or policy.script_file")];
  if (given.length === 2) return [problem(at("policy", "script"), "set policy.script or policy.script_file, not both")];
  return [];
}

/**
 * reliability.md §11.3: a webhook policy needs `url`; loopback may be plain http, anything else https; private,
 * link-local, CGNAT, metadata and unroutable hosts are refused. No other policy takes a url.
 */
function webhookPolicyProblems(pool: PoolEntry, at: (...k: (string | number)[]) => (string | number)[], unknownAt: UnknownAt): Problem[] {
  const p = pool.policy;
  if (p.name !== "webhook") return p.url === undefined ? [] : [problem(at("policy", "url"), `only a webhook policy takes a url (policy.name is ${p.name})`)];
  if (p.url === undefined) return [problem(at("policy", "url"), "a webhook policy needs the url it asks")];
  if (unknownAt(at("policy", "url"))) return [];
  let url: URL;
  try {
    url = new URL(p.url);
  } catch {
    return [problem(at("policy", "url"), "must be an absolute http:// or https:// URL")];
  }
  const cls = classifyHost(url.hostname);
  if (cls === "loopback") return url.protocol === "http:" || url.protocol === "https:" ? [] : [problem(at("policy", "url"), "must be http:// or https://")];
  if (cls !== "public") return [problem(at("policy", "url"), `${url.hostname} is a ${cls} address; a routing webhook may be loopback or a public https:// host`)];
  return url.protocol === "https:" ? [] : [problem(at("policy", "url"), `https:// is required for ${url.hostname} (plain http:// only on loopback)`)];
}
