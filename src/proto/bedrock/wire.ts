// Bedrock Converse on the wire (protocols.md §1, §3.1): the model lives only in the URL, encoded once on the
// wire (`:` → `%3A`); SigV4 signs the same path encoded again (see upstream/sigv4.ts).
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle } from "../types.ts";
import { encodePathSegment } from "../types.ts";

export function egressPath(model: string, stream: boolean): string {
  return `/model/${encodePathSegment(model)}/${stream ? "converse-stream" : "converse"}`;
}

/** Native Bedrock credentials are SigV4 (signed later, over the final request); `bearer` is a Bedrock API key. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": case "native": case "api-key": return {};
    case "bearer": return { authorization: `Bearer ${key}` };
    default: return assertNever(style, "credential style");
  }
}

export const EVENTSTREAM_CONTENT_TYPE = "application/vnd.amazon.eventstream";
