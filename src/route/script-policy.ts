// Script routing policy (reliability.md §11.4): once per request, before the first attempt in the pool, the
// operator's `route(req, candidates, ctx)` runs in the QuickJS sandbox (script/sandbox.ts) over the same objects a
// webhook gets (§11.2), and its reply is read like a webhook's. A throw, a breach of the CPU or memory limits, or a
// reply that is not an order, a PolicyReply or an abstention falls back per `on_error`, like a webhook failure.
//
// Calls run in worker threads (script/workers.ts), `policy.instances` of them per script, each with its own
// sandbox; a call that finds none free is `saturated`, one that overruns its wall-clock bound is a `timeout` and its
// worker is replaced. The engine's interrupt handler bounds CPU inside the worker; the wall-clock bound covers what
// it cannot reach (a native loop such as a huge Array.fill under memory pressure), so proxying never stalls.
import type { ScriptPolicySpec } from "../config/model.ts";
import type { Logger } from "../observe/log.ts";
import type { Runtime } from "../runtime.ts";
import type { Pool } from "./lanes.ts";
import { ScriptWorkers, type Statics } from "./script/workers.ts";
import {
  contextValues, fallback, interpret, type PolicyDecision, type PolicyRequestInfo, pushDynamicValues, requestValues, staticValues,
} from "./webhook-policy.ts";

/** At most this many entries in a returned order (§11.4). */
export const MAX_ORDER = 4096;

/**
 * By source text: a config reload that keeps a script keeps its workers (a QuickJS runtime lives in wasm memory the
 * garbage collector does not see, so workers are never made per config object).
 */
const running = new Map<string, Promise<ScriptWorkers>>();

export function workersFor(spec: ScriptPolicySpec, log: Logger): Promise<ScriptWorkers> {
  let w = running.get(spec.source);
  if (w === undefined) {
    w = ScriptWorkers.start(spec.source, spec.instances, (msg) => log.debug("script policy log", { origin: spec.origin, msg }));
    running.set(spec.source, w);
    w.catch(() => running.delete(spec.source)); // a compile error is reported, not cached
  }
  return w;
}

/**
 * Compiles every script policy of a config: a syntax error or a missing `route` is a startup error naming the pool
 * (and the line), not a surprise at the first request. Empty when all compile.
 */
export async function scriptProblems(pools: Readonly<Record<string, { readonly script: ScriptPolicySpec | undefined }>>, log: Logger): Promise<string[]> {
  const out: string[] = [];
  for (const [name, p] of Object.entries(pools)) {
    if (p.script === undefined) continue;
    try {
      await workersFor(p.script, log);
    } catch (e) {
      out.push(`pools.${name}.policy.${p.script.origin.startsWith("pools.") ? "script" : `script_file (${p.script.origin})`}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return out;
}

/**
 * A pool's static candidate fields per config: a reload makes a new config object and so new statics (weights,
 * prices and limits may have changed), under a new key.
 */
const staticsByPool = new WeakMap<Pool, { readonly config: object; readonly statics: Statics }>();
let nextStaticsKey = 1;

/**
 * What a call sends: the pool's statics (once per worker) and, per call, only values in policy-fields.ts order;
 * the sandbox rebuilds the same §11.2 objects a webhook gets.
 */
export function scriptInput(rt: Runtime, pool: Pool, r: PolicyRequestInfo): { readonly statics: Statics; readonly input: string } {
  let s = staticsByPool.get(pool);
  if (s === undefined || s.config !== rt.config) {
    s = { config: rt.config, statics: { key: nextStaticsKey++, json: JSON.stringify(pool.members.map((m) => staticValues(rt, m))) } };
    staticsByPool.set(pool, s);
  }
  const now = rt.nowMs();
  const dynamic: unknown[] = [];
  for (const m of pool.members) pushDynamicValues(m, now, dynamic);
  return { statics: s.statics, input: JSON.stringify([s.statics.key, requestValues(pool, r), dynamic, contextValues(pool, r)]) };
}

export async function scriptDecision(rt: Runtime, pool: Pool, spec: ScriptPolicySpec, r: PolicyRequestInfo): Promise<PolicyDecision> {
  let workers: ScriptWorkers;
  try {
    workers = await workersFor(spec, rt.log);
  } catch {
    return fallback(spec, pool, "error"); // checked at startup; only a config built around that check gets here
  }
  const { statics, input } = scriptInput(rt, pool, r);
  const res = await workers.call(statics, input, spec.timeoutMs);
  if (!res.ok) {
    rt.log.debug("script policy failed", { pool: pool.name, reason: res.reason, error: res.message.slice(0, 256) });
    return fallback(spec, pool, res.reason);
  }
  if (res.json === undefined) return interpret({}, pool, spec); // undefined: abstain
  const reply: unknown = JSON.parse(res.json);
  if (reply === null) return interpret({}, pool, spec);
  if (Array.isArray(reply)) {
    if (reply.length > MAX_ORDER || !reply.every((i) => typeof i === "number")) return fallback(spec, pool, "error");
    return interpret({ order: reply }, pool, spec);
  }
  if (typeof reply !== "object") return fallback(spec, pool, "error");
  const order = (reply as Record<string, unknown>)["order"];
  if (Array.isArray(order) && order.length > MAX_ORDER) return fallback(spec, pool, "error");
  return interpret(reply as Record<string, unknown>, pool, spec);
}
