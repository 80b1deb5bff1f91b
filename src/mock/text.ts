// The mock's deterministic reply: its text, how a stream splits it, and the token counts it reports
// (platform.md §6.2: "Hello from the busbar demo upstream (<protocol>). You said: <first 60 chars>",
// usage = ceil(chars / 4)). Tool-call and reasoning replies count the same way (calls.ts `answerTokens`).
import { field, list, str } from "./json.ts";

/** What a protocol reader pulls out of a request body: every text, and the last user turn's text. */
export interface Conversation {
  readonly texts: readonly string[];
  readonly lastUser: string;
}

export const EMPTY_CONVERSATION: Conversation = { texts: [], lastUser: "" };

const ECHO_CHARS = 60;

/** Length in Unicode code points, so an emoji counts once and a slice never splits a pair. */
export function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0xdc00 || c > 0xdfff) n++; // count everything but low surrogates
  }
  return n;
}

function firstChars(s: string, n: number): string {
  if (charCount(s) <= n) return s;
  return Array.from(s).slice(0, n).join("");
}

export function replyText(protocol: string, lastUser: string): string {
  return `Hello from the busbar demo upstream (${protocol}). You said: ${firstChars(lastUser, ECHO_CHARS)}`;
}

/** The marker a tagged reply opens with, so a test can tell which member answered (reliability.md §13.1). */
export function memberMarker(member: string): string {
  return `member=${member}`;
}

/** `text` with filler words appended until it has at least `n` words, so it can stream as exactly `n` deltas. */
export function padWords(text: string, n: number): string {
  const words = text === "" ? 0 : text.split(/(?<= )/).length;
  return words >= n ? text : `${text}${" more".repeat(n - words)}`;
}

export function tokensFor(chars: number): number {
  return Math.ceil(chars / 4);
}

export function inputTokens(conv: Conversation): number {
  let chars = 0;
  for (const t of conv.texts) chars += charCount(t);
  return tokensFor(chars);
}

/**
 * Split `text` word by word (each word keeps its trailing space) into min(words, `maxPieces`) pieces
 * whose concatenation is `text`. Never returns an empty list, so every stream carries at least one delta.
 */
export function splitPieces(text: string, maxPieces: number): string[] {
  const words = text.split(/(?<= )/);
  const limit = Math.max(1, Math.floor(maxPieces));
  if (words.length <= limit) return words;
  // Exactly `limit` pieces, word counts differing by at most one.
  const pieces: string[] = [];
  for (let i = 0; i < limit; i++) {
    pieces.push(words.slice(Math.floor((i * words.length) / limit), Math.floor(((i + 1) * words.length) / limit)).join(""));
  }
  return pieces;
}

/** Texts of a content value: a string, or a list of parts/blocks carrying a string `text`. */
export function contentTexts(content: unknown): string[] {
  const s = str(content);
  if (s !== undefined) return [s];
  const out: string[] = [];
  for (const part of list(content)) {
    const t = str(part) ?? str(field(part, "text"));
    if (t !== undefined) out.push(t);
  }
  return out;
}

/**
 * The shared reader for "a list of {role, content} turns" (OpenAI, Anthropic, Bedrock, Cohere, Gemini).
 * `prelude` holds texts outside the turns (system prompts, instructions).
 */
export function readTurns(
  turns: unknown,
  opts: { readonly contentKey: string; readonly isUser: (role: string | undefined) => boolean; readonly prelude?: readonly string[] },
): Conversation {
  const texts: string[] = [...(opts.prelude ?? [])];
  let lastUser = "";
  for (const turn of list(turns)) {
    const parts = contentTexts(field(turn, opts.contentKey));
    texts.push(...parts);
    if (opts.isUser(str(field(turn, "role")))) lastUser = parts.join("");
  }
  return { texts, lastUser };
}
