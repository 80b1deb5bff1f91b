// The reasoning effort table (protocols.md §10.3), in one place for every codec: words map to thinking budgets
// (AN/GM write) and budgets back to words (OA/RS write).
import type { Ledger } from "./ledger.ts";
import type { ReasoningAsk, ReasoningEffort } from "./request.ts";

/** §10.3's operator-tunable table (ascending, > 0), at its defaults. */
export const EFFORT_BUDGET = { minimal: 1024, low: 4096, medium: 8192, high: 16384 } as const satisfies Record<ReasoningEffort, number>;

/** The words from the largest budget down, for budget → word. */
const DESCENDING: readonly ReasoningEffort[] = ["high", "medium", "low", "minimal"];

/** A word of the table (`none` and unknown words are not: §10.3 read records them as no ask). */
export function isEffort(x: string): x is ReasoningEffort {
  return Object.hasOwn(EFFORT_BUDGET, x);
}

/** Word → budget: B = budget | table[word] | table.medium (dynamic). */
export function budgetOf(ask: ReasoningAsk): number {
  if (ask === "dynamic") return EFFORT_BUDGET.medium;
  return "budget" in ask ? ask.budget : EFFORT_BUDGET[ask.effort];
}

/** Budget → word: the largest word whose table value the budget reaches (`minimal` below them all); dynamic → medium. */
export function effortOf(ask: ReasoningAsk): ReasoningEffort {
  if (ask === "dynamic") return "medium";
  if ("effort" in ask) return ask.effort;
  for (const word of DESCENDING) if (ask.budget >= EFFORT_BUDGET[word]) return word;
  return "minimal";
}

/** Claude's smallest accepted thinking budget (Anthropic, and Claude on Bedrock per spec README D4). */
export const MIN_THINKING_BUDGET = 1024;

/**
 * protocols.md §10.3, the Claude write rule shared by the Anthropic and Bedrock writers: the ask crosses only to a
 * reasoning lane; the budget is capped at `maxTokens − 1024` and dropped below 1024, each recorded. The caller
 * still applies its own wire-specific continuation check.
 */
export function claudeThinkingBudget(
  ask: ReasoningAsk | undefined, laneReasoning: boolean, maxTokens: number, ledger: Ledger,
): number | undefined {
  if (ask === undefined) return undefined;
  if (!laneReasoning) {
    ledger.add("reasoning", "capability_gate");
    return undefined;
  }
  let budget = budgetOf(ask);
  const cap = maxTokens - MIN_THINKING_BUDGET;
  if (budget > cap) {
    budget = cap;
    ledger.add("reasoning", "clamped");
  }
  if (budget < MIN_THINKING_BUDGET) {
    ledger.add("reasoning", "clamped");
    return undefined;
  }
  return budget;
}

/**
 * Claude's sampling rules, shared by the Anthropic and Bedrock writers: temperature is clamped to 0–1 (§6.1), and
 * with thinking on only temperature 1 is accepted, with no top_p or top_k (§10.3). Each drop is recorded; the
 * caller writes what comes back under its own field names.
 */
export function claudeSampling(
  ir: { temperature?: number; topP?: number; topK?: number }, thinking: boolean, ledger: Ledger,
): { temperature?: number; topP?: number; topK?: number } {
  const out: { temperature?: number; topP?: number; topK?: number } = {};
  if (ir.temperature !== undefined) {
    const t = Math.min(1, Math.max(0, ir.temperature));
    if (t !== ir.temperature) ledger.add("temperature", "clamped");
    if (thinking && t !== 1) ledger.add("temperature", "capability_gate");
    else out.temperature = t;
  }
  if (ir.topP !== undefined) {
    if (thinking) ledger.add("top_p", "capability_gate");
    else out.topP = ir.topP;
  }
  if (ir.topK !== undefined) {
    if (thinking) ledger.add("top_k", "capability_gate");
    else out.topK = ir.topK;
  }
  return out;
}
