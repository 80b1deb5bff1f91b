// Gemini generateContent on the wire (protocols.md §1, §2.1). Egress always streams with `alt=sse`.
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";
import { encodePathSegment } from "../types.ts";

export const GEMINI_ACTIONS = ["generateContent", "streamGenerateContent", "countTokens"] as const;
export type GeminiAction = (typeof GEMINI_ACTIONS)[number];

/** `{rest}` after `/models/`: optional leading `models/` stripped, split on the LAST colon. */
export function splitModelAction(rest: string): { model: string; action: string } | undefined {
  const tail = rest.startsWith("models/") ? rest.slice("models/".length) : rest;
  const i = tail.lastIndexOf(":");
  if (i <= 0) return undefined;
  return { model: tail.slice(0, i), action: tail.slice(i + 1) };
}

export function isGeminiAction(a: string): a is GeminiAction {
  return (GEMINI_ACTIONS as readonly string[]).includes(a);
}

export function egressPath(op: Operation, model: string, stream: boolean): string {
  const m = `/v1beta/models/${encodePathSegment(model)}`;
  if (op === "count_tokens") return `${m}:countTokens`;
  return stream ? `${m}:streamGenerateContent?alt=sse` : `${m}:generateContent`;
}

/** The key travels in `x-goog-api-key`, never in the URL. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": return {};
    case "bearer": return { authorization: `Bearer ${key}` };
    case "api-key": case "native": return { "x-goog-api-key": key };
    default: return assertNever(style, "credential style");
  }
}
