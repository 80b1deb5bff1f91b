// What a tool-call or reasoning reply carries (directives in shape.ts): the same arguments for every call,
// the same reasoning text, one fixed signature per vendor, and how they count as output tokens.
import { charCount, splitPieces, tokensFor } from "./text.ts";

/** Every call's arguments as JSON text, key order fixed; the note exercises non-ASCII and an astral emoji. */
export const TOOL_ARGUMENTS = '{"city":"Paris","days":3,"note":"naïve 😀"}';

/**
 * TOOL_ARGUMENTS as streamed: cut mid-string and mid-word, as model token boundaries fall (one cut lands
 * right before the "ï"), never inside a surrogate pair. Gemini never streams arguments (protocols.md §9.5).
 */
export const ARGUMENT_FRAGMENTS: readonly string[] = ['{"city":"Pa', 'ris","days":3,', '"note":"na', 'ïve 😀"}'];

export const THINKING_TEXT = "Let me think.";

/** The opaque reasoning signature each vendor attaches (OpenAI Chat and Cohere carry none). */
export const SIGNATURES = {
  anthropic: "sig-anthropic-1",
  responses: "sig-responses-1",
  gemini: "sig-gemini-1",
  bedrock: "sig-bedrock-1",
} as const;

/** Gemini 3 signs each function call it returns; the mock's signature for the call at `index` (from 0). */
export function functionCallSignature(index: number): string {
  return `sig-gemini-fc-${index + 1}`;
}

export interface ToolCall {
  /** Position among the reply's calls, from 0; with the request counter it seeds the call's id (ids.ts). */
  readonly index: number;
  readonly name: string;
  /** TOOL_ARGUMENTS. */
  readonly arguments: string;
  /** ARGUMENT_FRAGMENTS. */
  readonly fragments: readonly string[];
  /** The arguments parsed, a fresh object per call, for vendors that send an object (AN, GM, BR). */
  readonly input: unknown;
}

export interface Thinking {
  readonly text: string;
  /** `text` split like the answer text; concatenated they equal `text`. */
  readonly pieces: readonly string[];
}

export function toolCalls(names: readonly string[]): ToolCall[] {
  return names.map((name, index): ToolCall => ({
    index,
    name,
    arguments: TOOL_ARGUMENTS,
    fragments: ARGUMENT_FRAGMENTS,
    input: JSON.parse(TOOL_ARGUMENTS),
  }));
}

export function thinking(maxPieces: number): Thinking {
  return { text: THINKING_TEXT, pieces: splitPieces(THINKING_TEXT, maxPieces) };
}

/**
 * Output tokens of the answer, reasoning excluded: ceil(chars / 4) of the text, or for a tool-call reply
 * ceil(chars / 4) of every call's name plus its argument text, counted together (code points, as for
 * text). Reasoning adds ceil(chars / 4) of THINKING_TEXT on top, reported apart where the vendor does.
 */
export function answerTokens(text: string, calls: readonly ToolCall[]): number {
  if (calls.length === 0) return tokensFor(charCount(text));
  let chars = 0;
  for (const c of calls) chars += charCount(c.name) + charCount(c.arguments);
  return tokensFor(chars);
}

export function reasoningTokens(t: Thinking | undefined): number {
  return t === undefined ? 0 : tokensFor(charCount(t.text));
}
