// What Chat Completions (openai/) and Responses (responses/) read and write alike: the reasoning effort word
// (protocols.md §10.3), data URLs (§6.3), tool-call argument text (§6.2), the usage counts (§5.3) and the
// context-length phrases of an error message (reliability.md §5).
import type { Ledger } from "../ir/ledger.ts";
import { effortOf } from "../ir/reasoning.ts";
import type { ReasoningAsk } from "../ir/request.ts";
import { saturatingSub, type Usage } from "../ir/usage.ts";

// ---- reasoning effort ----

/**
 * The word written for an ask (§10.3 OA/RS write): a budget maps to the largest word whose table value it reaches;
 * dynamic → medium; `minimal` is written as `low` (older reasoning models reject it).
 */
export function effortWord(ask: ReasoningAsk): "low" | "medium" | "high" {
  const word = effortOf(ask);
  return word === "minimal" ? "low" : word;
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

// ---- tool-call arguments ----

/**
 * Argument text → object (§6.2); unparseable or non-object text is wrapped as `{"input": value}` and recorded at
 * `path()` (built only then).
 */
export function parseArguments(args: string, path: () => string, ledger: Ledger): unknown {
  if (args.trim() === "") return {}; // a call without arguments
  let parsed: unknown;
  try {
    parsed = JSON.parse(args);
  } catch {
    ledger.add(path(), "no_target_analog");
    return { input: args };
  }
  if (typeof parsed === "object" && parsed !== null && !Array.isArray(parsed)) return parsed;
  ledger.add(path(), "no_target_analog");
  return { input: parsed };
}

// ---- usage ----

type Count = number | null | undefined;

/**
 * Usage counts → IR (§5.3 read), named `prompt_*`/`completion_*` in Chat Completions and `input_*`/`output_*` in
 * Responses: `input` is uncached (total − cached − cache writes), reasoning tokens kept. The SDKs type a
 * `cache_write_tokens` count; §5.3 names only cached_tokens, so writes are read when non-zero.
 */
export function readUsageCounts(c: { input: Count; output: Count; cached: Count; written: Count; reasoning: Count }): Usage {
  const { cached, written, reasoning } = c;
  const out: Usage = { input: saturatingSub(saturatingSub(c.input ?? 0, cached ?? 0), written ?? 0), output: c.output ?? 0 };
  if (typeof cached === "number") out.cacheRead = cached;
  if (typeof written === "number" && written > 0) out.cacheWrite = written;
  if (typeof reasoning === "number") out.reasoning = reasoning;
  return out;
}

// ---- errors ----

/**
 * reliability.md §5: the message says the maximum context length was exceeded. Chat Completions says "This model's
 * maximum context length is 128000 tokens. However, your messages resulted in …"; Responses says "Your input exceeds
 * the context window of this model" (both with code `context_length_exceeded`, which compatible servers often omit).
 */
export function saysContextExceeded(message: string | undefined): boolean {
  if (message === undefined) return false;
  const m = message.toLowerCase();
  return m.includes("maximum context length") || m.includes("exceeds the context window");
}
