// The Responses rows of the spec's mapping tables: usage (protocols.md §5.3) and stop reasons (§7.2). The effort
// words (§10.3) and data URLs (§6.3) are shared with Chat Completions in ../openai-family.ts.
import type { StopReason } from "../../ir/stop.ts";
import { totalInput, type Usage } from "../../ir/usage.ts";
import { readUsageCounts } from "../openai-family.ts";
import type { Usage as WireUsage } from "./wire.ts";

// ---- usage ----

/** RS usage → IR: `input` is uncached (input_tokens − cached − cache writes); reasoning tokens kept. */
export function readUsage(u: WireUsage | null | undefined): Usage {
  if (u === null || u === undefined) return { input: 0, output: 0 };
  return readUsageCounts({
    input: u.input_tokens,
    output: u.output_tokens,
    cached: u.input_tokens_details?.cached_tokens,
    written: u.input_tokens_details?.cache_write_tokens,
    reasoning: u.output_tokens_details?.reasoning_tokens,
  });
}

export interface UsageOut {
  input_tokens: number;
  input_tokens_details: { cached_tokens: number };
  output_tokens: number;
  output_tokens_details: { reasoning_tokens: number };
  total_tokens: number;
}

/** IR → RS usage, every field always present (§5.3 write column): cache writes fold into the input total. */
export function writeUsage(u: Usage): UsageOut {
  const input = totalInput(u);
  return {
    input_tokens: input,
    input_tokens_details: { cached_tokens: u.cacheRead ?? 0 },
    output_tokens: u.output,
    output_tokens_details: { reasoning_tokens: u.reasoning ?? 0 },
    total_tokens: input + u.output,
  };
}

// ---- stop reasons ----

/** Response `status` + `incomplete_details.reason` → IR (§7.2 read); function calls and refusals refine `completed`. */
export function readStop(status: string | null | undefined, reason: string | null | undefined, sawCall: boolean, sawRefusal: boolean): StopReason {
  switch (status) {
    case "completed":
      if (sawCall) return "tool_use";
      return sawRefusal ? "refusal" : "end_turn";
    case "incomplete":
      if (reason === "max_output_tokens") return "max_tokens";
      return reason === "content_filter" ? "safety" : "other";
    case "failed":
      return "error";
    default:
      return "other";
  }
}

export interface StatusOut {
  status: "completed" | "incomplete";
  incomplete_details: { reason: "max_output_tokens" | "content_filter" } | null;
}

/** IR → RS status (§7.2 write): only max_tokens and safety are `incomplete`; everything else completed. */
export function writeStop(stop: StopReason | undefined): StatusOut {
  if (stop === "max_tokens") return { status: "incomplete", incomplete_details: { reason: "max_output_tokens" } };
  if (stop === "safety") return { status: "incomplete", incomplete_details: { reason: "content_filter" } };
  return { status: "completed", incomplete_details: null };
}
