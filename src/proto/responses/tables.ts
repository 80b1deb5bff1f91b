// The Responses rows of the spec's mapping tables: usage (protocols.md §5.3), stop reasons (§7.2), the reasoning
// effort words (§10.3) and data URLs (§6.3: `input_image` / `input_file` carry base64 as a data URL).
import type { ReasoningAsk, ReasoningEffort } from "../../ir/request.ts";
import type { StopReason } from "../../ir/stop.ts";
import { saturatingSub, totalInput, type Usage } from "../../ir/usage.ts";
import type { Usage as WireUsage } from "./wire.ts";

// ---- usage ----

/** RS usage → IR: `input` is uncached (input_tokens − cached − cache writes); reasoning tokens kept. */
export function readUsage(u: WireUsage | null | undefined): Usage {
  if (u === null || u === undefined) return { input: 0, output: 0 };
  const cached = u.input_tokens_details?.cached_tokens;
  // The SDK types a `cache_write_tokens` count; §5.3 names only cached_tokens, so writes are read when non-zero.
  const written = u.input_tokens_details?.cache_write_tokens;
  const out: Usage = {
    input: saturatingSub(saturatingSub(u.input_tokens, cached ?? 0), written ?? 0),
    output: u.output_tokens,
  };
  if (typeof cached === "number") out.cacheRead = cached;
  if (typeof written === "number" && written > 0) out.cacheWrite = written;
  const reasoning = u.output_tokens_details?.reasoning_tokens;
  if (typeof reasoning === "number") out.reasoning = reasoning;
  return out;
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

// ---- reasoning effort ----

/** §10.3's operator-tunable table (ascending, > 0), at its defaults. */
const EFFORT_BUDGET = { minimal: 1024, low: 4096, medium: 8192, high: 16384 } as const satisfies Record<ReasoningEffort, number>;

export function isEffort(x: string): x is ReasoningEffort {
  return Object.hasOwn(EFFORT_BUDGET, x);
}

/**
 * The word written for an ask (§10.3 OA/RS write): a budget maps to the largest word whose table value it
 * reaches; dynamic → medium; `minimal` is written as `low` (older reasoning models reject it).
 */
export function effortWord(ask: ReasoningAsk): "low" | "medium" | "high" {
  if (ask === "dynamic") return "medium";
  if ("effort" in ask) return ask.effort === "minimal" ? "low" : ask.effort;
  if (ask.budget >= EFFORT_BUDGET.high) return "high";
  if (ask.budget >= EFFORT_BUDGET.medium) return "medium";
  return "low";
}

// ---- data URLs ----

/** `data:<media type>;base64,<data>` → its parts; anything else (an http URL) → undefined. */
export function parseDataUrl(url: string): { mediaType: string; data: string } | undefined {
  if (!url.startsWith("data:")) return undefined;
  const marker = url.indexOf(";base64,");
  if (marker < 0) return undefined;
  return { mediaType: url.slice(5, marker), data: url.slice(marker + 8) };
}

export function dataUrl(mediaType: string, data: string): string {
  return `data:${mediaType};base64,${data}`;
}
