// The Anthropic rows of the spec's mapping tables: usage (protocols.md §5.3), stop reasons (§7.2), error types
// (§8) and the thinking budget's floor (§10.3; the effort table itself is ir/reasoning.ts).
import type { ErrorKind } from "../../ir/errors.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { StopReason } from "../../ir/stop.ts";
import type { Usage } from "../../ir/usage.ts";
import type { WireUsage } from "./wire.ts";

// ---- usage ----

/** AN usage → IR: `input_tokens` is already uncached; cache reads and writes are additive (§5.3). */
export function readUsage(u: WireUsage | null | undefined): Usage {
  const out: Usage = { input: u?.input_tokens ?? 0, output: u?.output_tokens ?? 0 };
  if (typeof u?.cache_read_input_tokens === "number") out.cacheRead = u.cache_read_input_tokens;
  if (typeof u?.cache_creation_input_tokens === "number") out.cacheWrite = u.cache_creation_input_tokens;
  const thinking = u?.output_tokens_details?.thinking_tokens;
  if (typeof thinking === "number") out.reasoning = thinking;
  return out;
}

export interface UsageOut {
  input_tokens: number;
  cache_creation_input_tokens: number;
  cache_read_input_tokens: number;
  output_tokens: number;
  output_tokens_details?: { thinking_tokens: number };
}

/** IR → AN usage. The live API always sends both cache counts (0 when unused), so callers get them too. */
export function writeUsage(u: Usage | undefined): UsageOut {
  const out: UsageOut = {
    input_tokens: u?.input ?? 0,
    cache_creation_input_tokens: u?.cacheWrite ?? 0,
    cache_read_input_tokens: u?.cacheRead ?? 0,
    output_tokens: u?.output ?? 0,
  };
  if (u?.reasoning !== undefined) out.output_tokens_details = { thinking_tokens: u.reasoning };
  return out;
}

// ---- stop reasons ----

/** §7.2 read: AN values to their namesakes; the context-window stop is a length stop; unknown → `other`. */
export function readStop(s: string | null | undefined): StopReason | undefined {
  switch (s) {
    case null: case undefined: return undefined;
    case "end_turn": case "max_tokens": case "stop_sequence": case "tool_use": case "pause_turn": case "refusal": return s;
    case "model_context_window_exceeded": return "max_tokens";
    default: return "other";
  }
}

export type WireStop = "end_turn" | "max_tokens" | "stop_sequence" | "tool_use" | "pause_turn" | "refusal";

/** §7.2 write: always a member of the AN enum; an unknown end reads as a plain end of turn. */
export function writeStop(s: StopReason | undefined): WireStop {
  if (s === undefined) return "end_turn";
  switch (s) {
    case "end_turn": case "stop_sequence": case "max_tokens": case "tool_use": case "refusal": case "pause_turn": return s;
    case "safety": case "error": case "other": return "end_turn";
    default: return assertNever(s, "stop reason");
  }
}

// ---- errors ----

/** Anthropic `error.type` → kind, where the body says more than the status (e.g. a 500 carrying overloaded_error). */
export function kindOfErrorType(type: string | null | undefined): ErrorKind | undefined {
  switch (type) {
    case "invalid_request_error": return "invalid_request";
    case "authentication_error": return "authentication";
    case "permission_error": return "permission";
    case "not_found_error": return "not_found";
    case "request_too_large": return "too_large";
    case "rate_limit_error": return "rate_limit";
    case "billing_error": return "quota";
    case "api_error": return "server_error";
    case "overloaded_error": return "overloaded";
    case "timeout_error": return "timeout";
    default: return undefined;
  }
}
