// Token usage, normalised (protocols.md §5.3): `input` is UNCACHED input; cache reads/writes are additive;
// `output` includes reasoning tokens. Readers saturate subtractions at 0.
export interface Usage {
  input: number;
  output: number;
  cacheRead?: number;
  cacheWrite?: number;
  reasoning?: number;
}

export function emptyUsage(): Usage {
  return { input: 0, output: 0 };
}

/** Total input as the OpenAI family and Gemini count it: uncached + cache reads + cache writes. */
export function totalInput(u: Usage): number {
  return u.input + (u.cacheRead ?? 0) + (u.cacheWrite ?? 0);
}

export function saturatingSub(a: number, b: number): number {
  return a > b ? a - b : 0;
}
