// Anthropic Messages on the wire: paths, version header, credentials (protocols.md §1, §3.1).
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";

export const ANTHROPIC_VERSION = "2023-06-01";

export function egressPath(op: Operation): string {
  return op === "count_tokens" ? "/v1/messages/count_tokens" : "/v1/messages";
}

/** `x-api-key` natively; OAuth tokens (`sk-ant-oat…`) and `auth: bearer` go as Bearer. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  const version = { "anthropic-version": ANTHROPIC_VERSION };
  switch (style) {
    case "none": return version;
    case "bearer": return { ...version, authorization: `Bearer ${key}` };
    case "api-key": return { ...version, "x-api-key": key };
    case "native":
      return key.startsWith("sk-ant-oat") ? { ...version, authorization: `Bearer ${key}` } : { ...version, "x-api-key": key };
    default: return assertNever(style, "credential style");
  }
}
