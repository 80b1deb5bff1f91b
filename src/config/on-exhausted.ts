// `pools.<p>.on_exhausted.action` (reliability.md §2, §8.6): the spellings operators write, normalised
// to the OnExhausted union at load so nothing downstream compares strings.
import { describeEnumInput } from "./messages.ts";
import type { OnExhausted } from "./model.ts";

/** YAML reads `action: 503` as a number, so the 503 alias is matched on its text. */
const REJECT = new Set(["reject", "503", "status_503", "status503"]);
const LEAST_BAD = new Set(["least_bad", "least-bad", "leastbad"]);
const FALLBACK = "fallback_pool:";

const EXPECTED = "reject (or 503), least_bad or fallback_pool:<pool>";

/** The action, or the message for an unknown one (`must be …`, the §1.6 expected-vs-actual form). */
export function parseOnExhausted(raw: unknown): OnExhausted | string {
  const text = typeof raw === "number" && Number.isInteger(raw) ? String(raw) : raw;
  if (typeof text !== "string") return `must be ${EXPECTED} (got ${describeEnumInput(raw)})`;
  if (REJECT.has(text)) return { action: "reject" };
  if (LEAST_BAD.has(text)) return { action: "least_bad" };
  if (text.startsWith(FALLBACK)) {
    // Quoted YAML may carry a space after the colon (`"fallback_pool: spill"`).
    const pool = text.slice(FALLBACK.length).trim();
    return pool === "" ? `must name the pool: fallback_pool:<pool> (got ${describeEnumInput(raw)})` : { action: "fallback_pool", pool };
  }
  return `must be ${EXPECTED} (got ${describeEnumInput(raw)})`;
}
