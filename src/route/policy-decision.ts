// Routing policies (reliability.md §11): the one place the failover loop asks for a pool's ranking, native
// (policies.ts) or an operator's webhook or script, and where the decision is counted, timed and recorded. Each
// answers a PolicyDecision and never throws; operator failures fall back per `on_error` inside.
import type { RequestRecord } from "../observe/record.ts";
import type { Runtime } from "../runtime.ts";
import type { Pool, PoolMember } from "./lanes.ts";
import { isNative, nativeOrder } from "./policies.ts";
import { scriptDecision } from "./script-policy.ts";
import { type PolicyDecision, type PolicyRequestInfo, webhookDecision } from "./webhook-policy.ts";

/** The pool's operator policy, or undefined when it has none (native strategies rank in policies.ts). */
export function operatorPolicy(pool: Pool): ((rt: Runtime, r: PolicyRequestInfo) => Promise<PolicyDecision>) | undefined {
  const spec = pool.spec;
  if (spec.policy === "webhook" && spec.webhook !== undefined) {
    const w = spec.webhook;
    return (rt, r) => webhookDecision(rt, pool, w, r);
  }
  if (spec.policy === "script" && spec.script !== undefined) {
    const s = spec.script;
    return (rt, r) => scriptDecision(rt, pool, s, r);
  }
  return undefined;
}

/**
 * The decision for a pool the request has just entered: a native ranking at once, an operator's as a promise
 * (`request` builds what it is sent, given the time the call starts), or undefined when the pool has no policy
 * (`weighted`, `ordered`: selection alone decides). Synchronous where it can be, so a plain pool pays no await.
 */
export function poolDecision(
  rt: Runtime, pool: Pool, request: (t0: number) => PolicyRequestInfo, record: RequestRecord | undefined,
): PolicyDecision | Promise<PolicyDecision> | undefined {
  const policy = pool.spec.policy;
  if (isNative(policy)) {
    const order = nativeOrder(pool, policy, rt.config.governance, rt.nowMs());
    const outcome = order === undefined ? "abstain" : "prefer";
    rt.observe.metrics.routeDecision(pool.name, policy, outcome);
    return { kind: "decide", order, allowed: undefined, outcome };
  }
  const operator = operatorPolicy(pool);
  return operator === undefined ? undefined : timed(rt, pool, operator, request, record);
}

async function timed(
  rt: Runtime, pool: Pool, operator: (rt: Runtime, r: PolicyRequestInfo) => Promise<PolicyDecision>,
  request: (t0: number) => PolicyRequestInfo, record: RequestRecord | undefined,
): Promise<PolicyDecision> {
  const t0 = performance.now();
  const d = await operator(rt, request(t0));
  const ms = performance.now() - t0;
  rt.observe.metrics.routeDecision(pool.name, pool.spec.policy, d.outcome, ms / 1000);
  if (record !== undefined) record.policy = { name: pool.spec.policy, outcome: d.outcome, ms };
  return d;
}

/** §11.4: a policy's order picked the member that served: say which policy and which model. */
export function markRouted(res: Response, policy: string, member: PoolMember): void {
  try {
    res.headers.set("x-busbar-route-policy", policy === "webhook" || policy === "script" ? policy : `native:${policy}`);
    res.headers.set("x-busbar-route-target", member.lane.name);
  } catch {
    // A response with immutable headers (an injected fetch's) goes out unmarked.
  }
}
