// Where the gateway may send traffic (platform.md §4.2, spec README platform decision 1): one table per sink
// kind, one judgement shared by load time (URLs in the config) and connect time (addresses a name resolves
// to, src/upstream/guard.ts). Names are never resolved here; DNS rebinding is out of scope (§4.5).
import { canonicalHost, classifyCanonical, type HostClass, isIpLiteral } from "./hosts.ts";
import { type ConfigPath, formatPath, type Problem, problem } from "./messages.ts";
import { BUILTIN_METADATA_POLICY, type MetadataPolicy, metadataPolicy } from "./metadata.ts";
import type { SecuritySpec } from "./model.ts";

export { classifyHost, type HostClass, parseIPv4, parseIPv6 } from "./hosts.ts";

/** Who sends to the URL: a provider lane, the audit/routing webhook, or the OTLP trace exporter. */
export type SinkKind = "provider" | "webhook" | "otlp";

/**
 * `allow`: reachable. `opt-in`: reachable with the sink's private-network opt-in. `exempt`: reachable only with a
 * metadata exemption. `block`: never. Plain `http://` is accepted only for a non-public host that passed.
 */
type Rule = "allow" | "opt-in" | "exempt" | "block";

/** The §4.2 table, a column per sink kind. */
export const SINK_RULES = {
  provider: { metadata: "exempt", unroutable: "block", loopback: "opt-in", private: "opt-in", public: "allow" },
  webhook: { metadata: "exempt", unroutable: "block", loopback: "block", private: "block", public: "allow" },
  otlp: { metadata: "exempt", unroutable: "block", loopback: "allow", private: "block", public: "allow" },
} as const satisfies Record<SinkKind, Record<HostClass, Rule>>;

const SINK_NOUN = { provider: "a provider", webhook: "a webhook", otlp: "the OTLP exporter" } as const satisfies Record<SinkKind, string>;
const PLAIN_HTTP_NOTE = {
  provider: " (plain http:// is only accepted for private hosts with allow_private_network: true)",
  webhook: "",
  otlp: " (plain http:// is only accepted for loopback)",
} as const satisfies Record<SinkKind, string>;
const CLASS_WORD = { metadata: "cloud metadata", unroutable: "unroutable", loopback: "loopback", private: "private-network", public: "public" } as const satisfies Record<HostClass, string>;

export interface SinkPolicy {
  readonly meta: MetadataPolicy;
  /** The sink's loopback/private opt-in is on (providers: allow_private_network or security.allow_private_upstreams). */
  readonly allowPrivate: boolean;
  /** Every metadata host is exempt for this sink (providers: `allow_metadata_hosts: true`). */
  readonly allowMetadata: boolean;
  /** The keys messages name; a sink without its own metadata key is pointed at `security.allow_metadata_hosts`. */
  readonly privateKey?: ConfigPath;
  readonly metadataKey?: ConfigPath;
}

/** Webhook and OTLP sinks: no opt-ins of their own, the gateway-wide metadata lists. */
export function sinkPolicy(sec: SecuritySpec | undefined): SinkPolicy {
  return { meta: sec === undefined ? BUILTIN_METADATA_POLICY : metadataPolicy(sec), allowPrivate: false, allowMetadata: false };
}

/** A provider's policy; `security.allow_private_upstreams` counts as every provider's `allow_private_network`. */
export function providerPolicy(
  name: string,
  p: { readonly allowPrivateNetwork: boolean; readonly allowMetadataHosts: boolean },
  sec: SecuritySpec | undefined,
): SinkPolicy {
  return {
    meta: sec === undefined ? BUILTIN_METADATA_POLICY : metadataPolicy(sec),
    allowPrivate: p.allowPrivateNetwork || (sec?.allowPrivateUpstreams ?? false),
    allowMetadata: p.allowMetadataHosts,
    privateKey: ["providers", name, "allow_private_network"],
    metadataKey: ["providers", name, "allow_metadata_hosts"],
  };
}

export type Judgement =
  | { readonly ok: true; readonly cls: HostClass }
  | { readonly ok: false; readonly cls: HostClass; readonly rule: Exclude<Rule, "allow"> };

/**
 * May `kind` reach canonical `host` (hosts.ts `canonicalHost`)? `exemptName`: at connect time, the name this
 * address was resolved from is itself exempt from the metadata block, so its answers are too.
 */
export function judgeHost(kind: SinkKind, host: string, policy: SinkPolicy, exemptName = false): Judgement {
  const natural = classifyCanonical(host);
  const { meta } = policy;
  if (natural === "metadata" || meta.blockedSet.has(host)) {
    const exempt = meta.allowAll || policy.allowMetadata || exemptName || meta.allowed.has(host);
    if (!exempt) return { ok: false, cls: "metadata", rule: "exempt" };
    if (natural === "metadata") return { ok: true, cls: "metadata" };
    // An operator addition exempted again: allow beats block, and the host's own range decides.
  }
  // `natural` is not "metadata" here (both branches above return for it), so the rule is never "exempt".
  const rule = SINK_RULES[kind][natural];
  switch (rule) {
    case "allow": return { ok: true, cls: natural };
    case "opt-in": return policy.allowPrivate ? { ok: true, cls: natural } : { ok: false, cls: natural, rule };
    case "block": return { ok: false, cls: natural, rule };
  }
}

/** True when the metadata block is lifted for a name, so the addresses it resolves to inherit that (guard.ts). */
export function nameIsExempt(host: string, policy: SinkPolicy): boolean {
  return policy.meta.allowAll || policy.allowMetadata || policy.meta.allowed.has(host);
}

export interface SinkCheck {
  readonly problems: Problem[];
  /** The URL without userinfo, safe to log; undefined when there are problems. */
  readonly url: URL | undefined;
  /** `Basic …` built from the URL's userinfo (webhook, OTLP). A credential: never log it. */
  readonly authorization: string | undefined;
}

/** Checks one sink URL at load time; every message names `at` (e.g. `observability.otlp.endpoint`) and the host. */
export function checkSinkUrl(kind: SinkKind, raw: string, at: ConfigPath, policy: SinkPolicy): SinkCheck {
  const fail = (message: string): SinkCheck => ({ problems: [problem(at, message)], url: undefined, authorization: undefined });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail("must be an absolute http:// or https:// URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") return fail(`scheme must be https:// (got ${url.protocol}//)`);

  const problems: Problem[] = [];
  let authorization: string | undefined;
  if (url.username !== "" || url.password !== "") {
    if (kind === "provider") {
      problems.push(problem(at, "must not contain user:password@ (put the credential in api_key_env or api_key_file)"));
    } else {
      const pair = `${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`;
      authorization = `Basic ${Buffer.from(pair, "utf8").toString("base64")}`;
      url.username = "";
      url.password = "";
    }
  }
  if (kind === "provider" && (url.search !== "" || url.hash !== "")) {
    problems.push(problem(at, "must not contain a query or fragment (put them in path)"));
  }

  const shown = url.hostname.replace(/\.+$/, "");
  const host = canonicalHost(url.hostname);
  const verdict: Judgement = host === undefined ? { ok: false, cls: "unroutable", rule: "block" } : judgeHost(kind, host, policy);
  if (!verdict.ok) {
    problems.push(problem(at, refusal(kind, shown, verdict, policy)));
  } else if (url.protocol === "http:" && verdict.cls === "public" && !(host !== undefined && plainHttpNameAllowed(kind, host, policy))) {
    problems.push(problem(at, `https:// is required for ${shown}${PLAIN_HTTP_NOTE[kind]}`));
  }
  return problems.length > 0 ? { problems, url: undefined, authorization: undefined } : { problems, url, authorization };
}

/**
 * Plain http:// to a name that is not resolved at load (`http://ollama:11434`, a Docker service) is accepted when
 * the sink's private opt-in is on; the connect-time guard then refuses it unless every address is non-public.
 */
export function plainHttpNameAllowed(kind: SinkKind, host: string, policy: SinkPolicy): boolean {
  return SINK_RULES[kind].private === "opt-in" && policy.allowPrivate && !isIpLiteral(host);
}

/** The message for a refused host, naming the key that would allow it (if any does). */
function refusal(kind: SinkKind, host: string, v: Extract<Judgement, { ok: false }>, policy: SinkPolicy): string {
  const what = `${host} is ${v.cls === "unroutable" ? "not a routable address" : `a ${CLASS_WORD[v.cls]} address`}`;
  switch (v.rule) {
    case "exempt":
      return policy.metadataKey !== undefined
        ? `${what}; set ${formatPath(policy.metadataKey)}: true to allow it`
        : `${what}; add it to security.allow_metadata_hosts to allow it`;
    case "opt-in":
      if (policy.privateKey !== undefined) return `${what}; set ${formatPath(policy.privateKey)}: true to allow it`;
      return `${what}, which ${SINK_NOUN[kind]} may not reach`;
    case "block":
      return v.cls === "unroutable" ? what : `${what}, which ${SINK_NOUN[kind]} may not reach`;
  }
}

/** Problems with one provider's `base_url` (+ `path`), reported on `providers.<name>.*`. */
export function checkProviderUrl(name: string, baseUrl: string, path: string | undefined, policy: SinkPolicy): Problem[] {
  const checked = checkSinkUrl("provider", baseUrl, ["providers", name, "base_url"], policy);
  if (checked.url === undefined || path === undefined) return checked.problems;
  // The composed URL is re-checked (§4.2): a path may not move the request to another host.
  let composed: URL | undefined;
  try {
    composed = new URL(trimTrailingSlashes(baseUrl) + path);
  } catch {
    composed = undefined;
  }
  return composed !== undefined && composed.host === checked.url.host
    ? []
    : [problem(["providers", name, "path"], "must keep the request on the base_url host")];
}

/** `https://api.example.com/v1/` → `https://api.example.com/v1` (platform.md §1.8). */
export function trimTrailingSlashes(s: string): string {
  return s.replace(/\/+$/, "");
}
