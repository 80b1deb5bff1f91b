// Numbers carried exactly (protocols.md §5.2): a `seed` beyond ±(2^53−1) keeps its source lexeme and is written
// back with JSON.rawJSON, so 9007199254740993 never becomes …992.
export interface RawNumber {
  readonly lexeme: string;
}

type RawJson = (text: string) => unknown;
const rawJSON = (JSON as unknown as { rawJSON?: RawJson }).rawJSON;

/** A value JSON.stringify writes as the lexeme itself. */
export function rawNumberValue(n: RawNumber): unknown {
  if (rawJSON === undefined) return Number(n.lexeme); // runtime without JSON.rawJSON: best effort
  return rawJSON(n.lexeme);
}

export function isIntegerLexeme(s: string): boolean {
  return /^-?\d+$/.test(s);
}
