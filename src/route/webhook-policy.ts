// Webhook routing policy (reliability.md §11.2–§11.3): once per request, before the first attempt in the pool, POST
// what the request is (never its text, credentials or headers) and what each member looks like to an operator URL,
// and take back an order, a restriction or a rejection. A timeout, an error, a malformed answer or too many calls in
// flight fall back per `on_error` and never block or fail the request beyond it.
import type { WebhookPolicySpec } from "../config/model.ts";
import { requestedOutputCap } from "../govern/admission.ts";
import type { GatewayError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Runtime } from "../runtime.ts";
import type { Pool, PoolMember } from "./lanes.ts";
import { memberCost } from "./policies.ts";
import { CONTEXT_FIELDS, DYNAMIC_FIELDS, REQUEST_FIELDS, STATIC_FIELDS, zip } from "./policy-fields.ts";
import { timers } from "./timers.ts";

export const REPLY_MAX_BYTES = 65_536;

export interface PolicyRequestInfo {
  readonly caller: ProtocolName;
  readonly body: Record<string, unknown>;
  readonly bodyChars: number;
  readonly stream: boolean;
  readonly deadlineMs: number;
  /** The caller's virtual key (`vk_…`) when governance is on. */
  readonly keyId: string | undefined;
}

export type PolicyDecision =
  | { readonly kind: "decide"; readonly order: PoolMember[] | undefined; readonly allowed: ((m: PoolMember) => boolean) | undefined; readonly outcome: string }
  | { readonly kind: "reject"; readonly error: GatewayError; readonly outcome: string };

const inFlight = new WeakMap<Pool, { n: number }>();

const arrayLength = (v: unknown): number => (Array.isArray(v) ? v.length : 0);

/** §11.2 PolicyRequest in `REQUEST_FIELDS` order: the request's shape, never its text. */
export function requestValues(pool: Pool, r: PolicyRequestInfo): unknown[] {
  const b = r.body;
  const messages = arrayLength(b["messages"]) || arrayLength(b["contents"]) || arrayLength(b["input"]);
  const tools = arrayLength(b["tools"]);
  const model = b["model"];
  const cap = requestedOutputCap(r.caller, b, 0);
  return [
    pool.name, r.caller, typeof model === "string" ? model : null, messages, tools, tools > 0, r.bodyChars, null,
    cap > 0 ? cap : null, r.stream,
  ];
}

/** A candidate's fields in `STATIC_FIELDS` order; they change only with the config. */
export function staticValues(rt: Runtime, m: PoolMember): unknown[] {
  return [
    m.index, m.lane.name, m.lane.provider.name, m.lane.protocol.name, m.weight, m.spec.contextMax ?? null,
    m.spec.tier ?? null, m.spec.tags, memberCost(m, rt.config.governance) ?? null, m.lane.state.permits.size,
  ];
}

/**
 * A candidate's live signals in `DYNAMIC_FIELDS` order, appended to `out`. `rate_headroom` is the provider's part
 * only (its last rate-limit headers, until their reset): the key's part is not read at routing time, and §11.2
 * ignores an unknown part.
 */
export function pushDynamicValues(m: PoolMember, now: number, out: unknown[]): void {
  const s = m.lane.state;
  const h = s.headroom;
  out.push(
    s.latencyEwmaMs, s.permits.free, Number.isFinite(s.budgetLeft) && s.budgetLeft >= 0 ? s.budgetLeft : null,
    h !== undefined && h.until > now ? h.value : null, m.cell.state === "half_open" || !m.cell.isReady(now),
  );
}

/** §11.2 PolicyContext in `CONTEXT_FIELDS` order. The key's rate and budget headroom are null in this build. */
export function contextValues(pool: Pool, r: PolicyRequestInfo): unknown[] {
  return [pool.name, r.keyId ?? null, null, null, r.deadlineMs];
}

/** §11.2 PolicyRequest, candidates and context as JSON objects; no message text, credentials or client headers. */
export function policyPayload(rt: Runtime, pool: Pool, r: PolicyRequestInfo): { version: 1; request: Record<string, unknown>; candidates: Record<string, unknown>[]; context: Record<string, unknown> } {
  const now = rt.nowMs();
  return {
    version: 1,
    request: zip(REQUEST_FIELDS, requestValues(pool, r)),
    candidates: pool.members.map((m) => {
      const dynamic: unknown[] = [];
      pushDynamicValues(m, now, dynamic);
      return zip(DYNAMIC_FIELDS, dynamic, zip(STATIC_FIELDS, staticValues(rt, m)));
    }),
    context: zip(CONTEXT_FIELDS, contextValues(pool, r)),
  };
}

const POLICY_FAILED: GatewayError = { kind: "overloaded", message: "The routing policy for this model is unavailable; retry shortly." };
const NOTHING_ALLOWED: GatewayError = { kind: "overloaded", message: "No upstream of this model may serve this request right now." };

/** A reject's status (clamped to 400–499, default 403) as the nearest native error kind. */
function rejectError(status: unknown, message: unknown): GatewayError {
  const s = typeof status === "number" && Number.isInteger(status) ? Math.min(499, Math.max(400, status)) : 403;
  const text = (typeof message === "string" && message !== "" ? message : "This request is not allowed.")
    .replace(/[\u0000-\u001f\u007f]/g, "").slice(0, 512);
  const kind = s === 401 ? "authentication" : s === 403 ? "permission" : s === 404 ? "not_found" : s === 413 ? "too_large" : s === 429 ? "rate_limit" : "invalid_request";
  return { kind, message: text };
}

/** `on_error` and `on_empty`: what a webhook and a script policy share (§11.3). */
export type PolicyFallbacks = Pick<WebhookPolicySpec, "onError" | "onEmpty">;

export function fallback(spec: PolicyFallbacks, pool: Pool, outcome: string): PolicyDecision {
  switch (spec.onError) {
    case "weighted": return { kind: "decide", order: undefined, allowed: undefined, outcome };
    case "first": return { kind: "decide", order: [...pool.members], allowed: undefined, outcome };
    case "reject": return { kind: "reject", error: POLICY_FAILED, outcome };
    default: {
      const never: never = spec.onError;
      throw new Error(`unknown on_error ${String(never)}`);
    }
  }
}

/** `cache_ms`: decisions per pool by request shape; only answers the webhook gave are kept, never fallbacks. */
const cached = new WeakMap<Pool, Map<string, { readonly decision: PolicyDecision; readonly until: number }>>();

export async function webhookDecision(rt: Runtime, pool: Pool, spec: WebhookPolicySpec, r: PolicyRequestInfo): Promise<PolicyDecision> {
  if (spec.cacheMs <= 0) return ask(rt, pool, spec, r);
  const shape = `${r.caller}|${r.stream}|${Array.isArray(r.body["tools"]) && r.body["tools"].length > 0}`;
  let byShape = cached.get(pool);
  if (byShape === undefined) cached.set(pool, byShape = new Map());
  const now = rt.nowMs();
  const hit = byShape.get(shape);
  if (hit !== undefined && hit.until > now) return hit.decision;
  const d = await ask(rt, pool, spec, r);
  if (ANSWERED.has(d.outcome)) byShape.set(shape, { decision: d, until: now + spec.cacheMs });
  return d;
}

const ANSWERED = new Set(["prefer", "abstain", "restrict", "reject"]);

async function ask(rt: Runtime, pool: Pool, spec: WebhookPolicySpec, r: PolicyRequestInfo): Promise<PolicyDecision> {
  let count = inFlight.get(pool);
  if (count === undefined) inFlight.set(pool, count = { n: 0 });
  if (count.n >= spec.maxInFlight) return fallback(spec, pool, "saturated");
  count.n++;
  const abort = new AbortController();
  const timer = timers.schedule(spec.timeoutMs, () => abort.abort());
  let reply: unknown;
  try {
    const res = await rt.fetch(new URL(spec.url), {
      method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(policyPayload(rt, pool, r)),
      signal: abort.signal, redirect: "manual",
    });
    if (res.status < 200 || res.status > 299) {
      await res.body?.cancel().catch(() => {});
      return fallback(spec, pool, "error");
    }
    const text = await res.text();
    if (text.length > REPLY_MAX_BYTES) return fallback(spec, pool, "error");
    reply = JSON.parse(text);
  } catch {
    return fallback(spec, pool, abort.signal.aborted ? "timeout" : "error");
  } finally {
    timer.cancel();
    count.n--;
  }
  if (typeof reply !== "object" || reply === null || Array.isArray(reply)) return fallback(spec, pool, "error");
  return interpret(reply as Record<string, unknown>, pool, spec);
}

/** Precedence: reject, then restrict + order, then abstain (§11.3). */
export function interpret(reply: Record<string, unknown>, pool: Pool, spec: PolicyFallbacks): PolicyDecision {
  const reject = reply["reject"];
  if (typeof reject === "object" && reject !== null) {
    const r = reject as Record<string, unknown>;
    return { kind: "reject", error: rejectError(r["status"], r["message"]), outcome: "reject" };
  }
  let allowed: ((m: PoolMember) => boolean) | undefined;
  const restrict = reply["restrict"];
  if (typeof restrict === "object" && restrict !== null) {
    const tags = (restrict as Record<string, unknown>)["tags_any"];
    const models = (restrict as Record<string, unknown>)["models"];
    const tagSet = Array.isArray(tags) ? new Set(tags.filter((t): t is string => typeof t === "string")) : undefined;
    const modelSet = Array.isArray(models) ? new Set(models.filter((t): t is string => typeof t === "string")) : undefined;
    if (tagSet !== undefined || modelSet !== undefined) {
      allowed = (m) => (tagSet === undefined || m.spec.tags.some((t) => tagSet.has(t))) && (modelSet === undefined || modelSet.has(m.lane.name));
      if (!pool.members.some(allowed)) {
        if (spec.onEmpty === "reject") return { kind: "reject", error: NOTHING_ALLOWED, outcome: "restrict" };
        allowed = undefined;
      }
    }
  }
  const raw = reply["order"];
  const order: PoolMember[] = [];
  if (Array.isArray(raw)) {
    for (const i of raw) {
      const m = typeof i === "number" ? pool.members[i] : undefined;
      if (m !== undefined && !order.includes(m)) order.push(m);
    }
  }
  const abstain = order.length === 0 || reply["abstain"] === true;
  return {
    kind: "decide",
    order: abstain ? undefined : order,
    allowed,
    outcome: allowed !== undefined ? "restrict" : abstain ? "abstain" : "prefer",
  };
}
