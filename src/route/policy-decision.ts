// Operator routing policies (reliability.md §11.3, §11.4): the one place the failover loop asks a webhook or a
// script for a decision. Each answers a PolicyDecision and never throws; failures fall back per `on_error` inside.
import type { Runtime } from "../runtime.ts";
import type { Pool } from "./lanes.ts";
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
