// The closed set of stop reasons (protocols.md §7.2). Unknown native values read as `other`.
export const STOP_REASONS = [
  "end_turn", "stop_sequence", "max_tokens", "tool_use", "safety", "refusal", "pause_turn", "error", "other",
] as const;
export type StopReason = (typeof STOP_REASONS)[number];
