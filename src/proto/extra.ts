// Unmodeled top-level request keys → IR `extra` (protocols.md §3.3 step 1), the same in every reader. An integer
// JSON.parse could not hold exactly keeps its source lexeme (§5.2) and is written back verbatim.
import { isIntegerLexeme, rawNumberValue } from "../ir/number.ts";
import type { JsonObject } from "./codec.ts";
import { topLevelValueRanges } from "./splice.ts";

/** Every top-level key of `body` outside `modeled`, copied into `fields`. */
export function collectExtra(body: JsonObject, modeled: ReadonlySet<string>, raw: string, fields: Record<string, unknown>): void {
  for (const key of Object.keys(body)) {
    if (!modeled.has(key)) fields[key] = exactNumber(body[key], key, raw);
  }
}

/** The source text of the last top-level `key` of `raw` (JSON.parse keeps the last duplicate), or "" when absent. */
export function lastTopLevelLexeme(raw: string, key: string): string {
  const last = topLevelValueRanges(raw, key).at(-1);
  return last === undefined ? "" : raw.slice(last[0], last[1]);
}

/** A safe integer, or any non-integer, is itself; a larger integer is its lexeme when the body has one. */
function exactNumber(value: unknown, key: string, raw: string): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
  const lexeme = lastTopLevelLexeme(raw, key);
  return isIntegerLexeme(lexeme) ? rawNumberValue({ lexeme }) : value;
}
