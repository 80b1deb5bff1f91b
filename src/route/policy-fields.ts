// The field names of what a routing policy sees (reliability.md §11.2), in one place and in a fixed order: a webhook
// gets them as JSON objects (webhook-policy.ts), a script's sandbox rebuilds the same objects from value arrays in
// this order (script/sandbox.ts), so the two can never drift apart. No imports: the script worker bundles this.

/** PolicyRequest: the request's shape, never its text. */
export const REQUEST_FIELDS = [
  "pool", "ingress_protocol", "requested_model", "message_count", "tool_count", "has_tools", "total_chars",
  "system_chars", "max_tokens", "stream",
] as const;

/** A candidate's fields that change only with the config: a script's worker keeps them between calls. */
export const STATIC_FIELDS = [
  "idx", "model", "provider", "protocol", "weight", "context_max", "tier", "tags", "cost_per_mtok", "max_concurrent",
] as const;

/** A candidate's live signals, read at each decision. */
export const DYNAMIC_FIELDS = ["latency_ms", "available_concurrency", "budget_remaining", "rate_headroom", "half_open"] as const;

/** PolicyContext. */
export const CONTEXT_FIELDS = ["pool", "key_id", "key_rate_headroom", "key_budget_remaining", "deadline_ms"] as const;

/** `names[i]: values[i]`, in order. */
export function zip(names: readonly string[], values: readonly unknown[], into: Record<string, unknown> = {}): Record<string, unknown> {
  for (let i = 0; i < names.length; i++) into[names[i]!] = values[i];
  return into;
}
