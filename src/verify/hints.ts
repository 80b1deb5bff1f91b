// Why a case came out as it did when the cause is the pool's own config: the setting that made it hang or slow,
// and what can't fail over. Wording names the config key, so the operator knows what to change.
import type { GatewayConfig } from "../config/model.ts";
import { assertNever } from "../ir/protocol.ts";
import { DEFAULT_STALL_TIMEOUT_MS, DEFAULT_TTFT_TIMEOUT_MS } from "../config/schema.ts";
import { secs } from "./format.ts";
import { firstTokenMs, primaryAttemptTimeoutMs, type CaseResult, type PoolPlan } from "./run.ts";

/** A case slower than this gets a note naming the setting that made it so. */
export const SLOW_CASE_MS = 5_000;

/** The note for one case, if its result or its time comes from a setting. */
export function caseNote(config: GatewayConfig, plan: PoolPlan, r: CaseResult, hangAfterMs: number): string | undefined {
  const spec = config.pools[plan.pool]!;
  const verdicts = new Set(r.outcomes.map((o) => o.verdict));
  const hang = verdicts.has("hang");
  const slow = r.ms >= SLOW_CASE_MS;
  const attempt = primaryAttemptTimeoutMs(config, plan);
  const deadlineMs = spec.failover.deadlineSecs * 1000;
  if (verdicts.has("truncated")) return "no setting allows this: the gateway let a cut reply reach the client as a success (a gateway bug)";
  if (verdicts.has("unreadable")) {
    return r.fault === "malformed_chunk"
      ? "not a config matter: the gateway relays the upstream's unparsable frame unchanged, and the client's SDK throws a parse error"
      : "not a config matter: the gateway closed the connection without a response";
  }
  switch (r.fault) {
    case "no_response": {
      const requestMs = config.limits.upstreamRequestTimeoutSecs * 1000;
      if (attempt === undefined) {
        if (!hang && !slow) return undefined;
        const bound = Math.min(deadlineMs, requestMs);
        const which = bound === deadlineMs ? `the whole ${secs(deadlineMs)} deadline (failover.deadline_secs)` : `${secs(requestMs)} (limits.upstream_request_timeout_secs)`;
        return `no attempt_timeout_ms on ${plan.primary}: a hanging primary holds the request for ${which}`;
      }
      if (hang) return `attempt_timeout_ms on ${plan.primary} is ${attempt} ms, longer than the ${secs(hangAfterMs)} hang bound`;
      return slow ? `took ${secs(r.ms)}: attempt_timeout_ms ${attempt} on ${plan.primary}` : undefined;
    }
    case "slow_first_token": {
      const ft = firstTokenMs(config, plan);
      if (!hang && !slow) return undefined;
      const keys = attempt !== undefined && attempt <= spec.ttftTimeoutMs ? `attempt_timeout_ms ${attempt} on ${plan.primary}` : `ttft_timeout_ms ${spec.ttftTimeoutMs}${spec.ttftTimeoutMs === DEFAULT_TTFT_TIMEOUT_MS ? " (the default)" : ""}`;
      return `the pool waits ${secs(ft)} for a first token: ${keys}`;
    }
    case "stream_stall": {
      const idleMs = config.limits.upstreamStreamIdleTimeoutSecs * 1000;
      const gap = Math.min(spec.stallTimeoutMs, idleMs);
      if (!hang && !slow) return undefined;
      const key = gap === spec.stallTimeoutMs
        ? `stall_timeout_ms is ${spec.stallTimeoutMs}${spec.stallTimeoutMs === DEFAULT_STALL_TIMEOUT_MS ? " (the default)" : ""}`
        : `limits.upstream_stream_idle_timeout_secs is ${config.limits.upstreamStreamIdleTimeoutSecs}`;
      // Answered by another member: the stall came before commit (inside a commit window), where the attempt
      // timeout also runs (§9), and whichever is shorter gave up on the primary.
      if (r.outcomes.every((o) => o.verdict === "answer" && o.answeredBy !== plan.primary)) {
        return attempt !== undefined && attempt < gap
          ? `took ${secs(r.ms)}: the stall came inside the commit window, where attempt_timeout_ms ${attempt} on ${plan.primary} gives up first`
          : `took ${secs(r.ms)}: the stall came inside the commit window; ${key}`;
      }
      return `${key}: a stream that stalls after its first token holds the client ${secs(gap)} before its terminal error`;
    }
    case "stream_cut":
      if (verdicts.has("error") && plan.members.length > 1 && spec.commitWindow === undefined) {
        return "a stream cut after its first token cannot fail over; commit_window { tokens: N } would hide cuts within the first N tokens";
      }
      return undefined;
    case "flapping":
      return hang || slow ? `took ${secs(r.ms)} over ${r.outcomes.length} requests` : undefined;
    case "rate_limit_retry_after": case "rate_limit": case "server_error_once": case "server_error": case "connection_reset":
    case "malformed_chunk": case "missing_terminator": case "context_length": case "content_filter":
      return slow ? `took ${secs(r.ms)}` : undefined;
    default:
      return assertNever(r.fault, "fault");
  }
}

/** Facts about the pool's shape that explain several rows at once. */
export function poolHints(config: GatewayConfig, plan: PoolPlan): string[] {
  const spec = config.pools[plan.pool]!;
  const out: string[] = [];
  const usable = spec.members.filter((m) => !spec.failover.exclusions.includes(m.target));
  if (plan.reach.length <= 1) {
    out.push("a single member: nothing to fail over to, so each upstream failure reaches clients as a clean error");
  } else if (spec.failover.cap === 0) {
    out.push("failover.cap is 0: a failing primary is never replaced within a request");
  }
  if (usable.length < spec.members.length) out.push(`failover.exclusions leave ${usable.length} of ${spec.members.length} members selectable`);
  return out;
}
