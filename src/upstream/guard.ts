// The connect-time SSRF check (platform.md §4.2): a lane whose base_url host is a name is resolved, and every
// address in the answer is judged by the same table and policy as load time (config/ssrf.ts); one blocked
// address refuses the lane. IP literals and names that classify by themselves (`localhost`, metadata names)
// were judged at load and cost one WeakMap lookup here. Verdicts are cached per lane for VERDICT_TTL_MS, so a
// request on a hot lane awaits nothing new.
//
// This check and Bun's own connect resolve the name separately (fetch keeps its own DNS cache): a resolver that
// answers differently between the two (DNS rebinding) is out of scope (§4.5). The check catches the common
// case, an operator's name that simply points at a private or metadata address.
import { canonicalHost, classifyCanonical, type HostClass, isIpLiteral } from "../config/hosts.ts";
import { judgeHost, nameIsExempt, providerPolicy, type SinkKind, type SinkPolicy } from "../config/ssrf.ts";
import type { GatewayError } from "../ir/errors.ts";
import type { Lane } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";

/** Every address a name resolves to (IPv4 and IPv6). Rejects when the name does not resolve. */
export type LookupFn = (host: string) => Promise<readonly string[]>;

/** Bun's resolver (`Bun.dns.lookup`); fetch then resolves again through its own cache (up to 30 s per entry). */
export const systemLookup: LookupFn = async (host) => (await Bun.dns.lookup(host)).map((a) => a.address);

/** How long a verdict stands: the same bound as fetch's DNS cache, so the two see answers of similar age. */
export const VERDICT_TTL_MS = 30_000;
/** A name that did not resolve is retried soon: it is an outage, not a policy. */
export const UNRESOLVED_TTL_MS = 1_000;

export type HostVerdict =
  | { readonly kind: "pass" }
  | { readonly kind: "blocked"; readonly address: string; readonly cls: HostClass }
  | { readonly kind: "unresolved" };

const PASS: HostVerdict = { kind: "pass" };
const UNRESOLVED: HostVerdict = { kind: "unresolved" };

/**
 * One name a sink sends to. `check()` is synchronous while the verdict is fresh; concurrent callers after expiry
 * share one lookup. Webhook and OTLP sinks use it directly with their own SinkKind.
 */
export interface HostGuardOptions {
  readonly kind: SinkKind;
  readonly policy: SinkPolicy;
  /** The URL is plain http://: then a public address is refused too (plain http is for private hosts only). */
  readonly plainHttp: boolean;
  readonly lookup: LookupFn;
  readonly nowMs: () => number;
  /** Called with each new verdict and the one it replaces (to log changes, not every refresh). */
  readonly onVerdict?: (v: HostVerdict, previous: HostVerdict | undefined) => void;
}

export class HostGuard {
  private verdict: HostVerdict | undefined;
  private expiresAt = 0;
  private pending: Promise<HostVerdict> | undefined;

  /** `host`: canonical (hosts.ts `canonicalHost`). */
  constructor(readonly host: string, private readonly o: HostGuardOptions) {}

  check(): HostVerdict | Promise<HostVerdict> {
    if (this.verdict !== undefined && this.o.nowMs() < this.expiresAt) return this.verdict;
    return (this.pending ??= this.refresh());
  }

  private async refresh(): Promise<HostVerdict> {
    let v: HostVerdict;
    try {
      v = this.judge(await this.o.lookup(this.host));
    } catch {
      v = UNRESOLVED;
    }
    const previous = this.verdict;
    this.verdict = v;
    this.expiresAt = this.o.nowMs() + (v.kind === "unresolved" ? UNRESOLVED_TTL_MS : VERDICT_TTL_MS);
    this.pending = undefined;
    this.o.onVerdict?.(v, previous);
    return v;
  }

  private judge(addresses: readonly string[]): HostVerdict {
    if (addresses.length === 0) return UNRESOLVED;
    const { kind, policy, plainHttp } = this.o;
    const exemptName = nameIsExempt(this.host, policy);
    for (const raw of addresses) {
      const address = canonicalHost(raw);
      // An answer that is not an address at all is refused rather than guessed at.
      if (address === undefined || !isIpLiteral(address)) return { kind: "blocked", address: raw, cls: "unroutable" };
      const j = judgeHost(kind, address, policy, exemptName);
      if (!j.ok || (plainHttp && j.cls === "public")) return { kind: "blocked", address, cls: j.cls };
    }
    return PASS;
  }
}

/** What `send()` returns instead of fetching. */
export interface GuardRefusal {
  readonly kind: "failed";
  readonly error: GatewayError;
}

/** Per lane: a static answer (literal or self-classifying host) or the guard for its name. */
interface LaneGate {
  readonly refusal: GuardRefusal | undefined;
  readonly guard: HostGuard | undefined;
  readonly blocked: GuardRefusal;
  readonly unreachable: GuardRefusal;
}

const gates = new WeakMap<Lane, LaneGate>();

/**
 * Undefined when the lane may be sent to now; a refusal (or a promise of the answer) otherwise. Lanes belong to
 * one runtime, so the per-lane cache is per runtime and bounded by the config.
 */
export function guardLane(rt: Runtime, lane: Lane): GuardRefusal | undefined | Promise<GuardRefusal | undefined> {
  let gate = gates.get(lane);
  if (gate === undefined) gates.set(lane, gate = laneGate(rt, lane));
  if (gate.guard === undefined) return gate.refusal;
  const v = gate.guard.check();
  if (v instanceof Promise) return v.then((x) => answer(gate, x));
  return answer(gate, v);
}

function answer(gate: LaneGate, v: HostVerdict): GuardRefusal | undefined {
  switch (v.kind) {
    case "pass": return undefined;
    case "blocked": return gate.blocked;
    case "unresolved": return gate.unreachable;
  }
}

function laneGate(rt: Runtime, lane: Lane): LaneGate {
  const p = lane.provider;
  // No address or host in what the client sees; the log has them for the operator.
  const blocked: GuardRefusal = { kind: "failed", error: { kind: "server_error", message: `The upstream for '${lane.name}' resolves to a blocked address.` } };
  const unreachable: GuardRefusal = { kind: "failed", error: { kind: "overloaded", message: `The upstream for '${lane.name}' could not be reached.` } };
  let host: string | undefined;
  let plainHttp = false;
  try {
    const url = new URL(p.baseUrl);
    host = canonicalHost(url.hostname);
    plainHttp = url.protocol === "http:";
  } catch {
    host = undefined;
  }
  const policy = providerPolicy(p.name, p, rt.config.security);
  if (host === undefined) {
    rt.log.warn("upstream blocked: base_url has no usable host", { lane: lane.name, provider: p.name });
    return { refusal: blocked, guard: undefined, blocked, unreachable };
  }
  // Literals, names that classify by themselves and listed names were judged at load (a config built in code
  // is judged here); only a name whose addresses decide is resolved.
  const j = judgeHost("provider", host, policy);
  if (isIpLiteral(host) || classifyCanonical(host) !== "public" || !j.ok) {
    const refused = !j.ok || (plainHttp && j.cls === "public");
    if (refused) rt.log.warn("upstream blocked", { lane: lane.name, provider: p.name, host, address_class: j.cls });
    return { refusal: refused ? blocked : undefined, guard: undefined, blocked, unreachable };
  }
  const onVerdict = (v: HostVerdict, previous: HostVerdict | undefined): void => {
    if (previous !== undefined && sameVerdict(v, previous)) return;
    const fields = { lane: lane.name, provider: p.name, host };
    switch (v.kind) {
      case "pass": if (previous !== undefined) rt.log.info("upstream name resolves to allowed addresses again", fields); break;
      case "blocked":
        rt.log.warn("upstream resolves to a blocked address", {
          ...fields, address: v.address, address_class: v.cls, ...(v.cls === "public" && { reason: "plain http:// is for private hosts only" }),
        });
        break;
      case "unresolved": rt.log.warn("upstream name did not resolve", fields); break;
    }
  };
  const guard = new HostGuard(host, { kind: "provider", policy, plainHttp, lookup: rt.lookup, nowMs: rt.nowMs, onVerdict });
  return { refusal: undefined, guard, blocked, unreachable };
}

function sameVerdict(a: HostVerdict, b: HostVerdict): boolean {
  return a.kind === b.kind && (a.kind !== "blocked" || (b.kind === "blocked" && a.address === b.address));
}
