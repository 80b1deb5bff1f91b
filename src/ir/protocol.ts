// The six wire protocols busbar speaks (protocols.md §0). The closed set every table is keyed by.
export const PROTOCOL_NAMES = ["openai", "responses", "anthropic", "gemini", "bedrock", "cohere"] as const;
export type ProtocolName = (typeof PROTOCOL_NAMES)[number];

export function isProtocolName(x: string): x is ProtocolName {
  return (PROTOCOL_NAMES as readonly string[]).includes(x);
}

/** Exhaustiveness guard for switches over closed sets (STYLE habit 3). */
export function assertNever(x: never, what = "value"): never {
  throw new Error(`unhandled ${what}: ${JSON.stringify(x)}`);
}
