// OpenAI Chat Completions on the wire: paths and credentials (protocols.md §1, §3.1).
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";

export function egressPath(op: Operation): string {
  return op === "embeddings" ? "/v1/embeddings" : "/v1/chat/completions";
}

/** Bearer by default; `api-key` is Azure's header style. */
export function bearerCredential(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": return {};
    case "api-key": return { "api-key": key };
    case "native": case "bearer": return { authorization: `Bearer ${key}` };
    default: return assertNever(style, "credential style");
  }
}
