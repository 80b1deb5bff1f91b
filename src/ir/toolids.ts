// Tool-call ids across protocols (protocols.md §6.6, spec README D10): an upstream id reaches the caller as
// `<prefix>bb1<base64url(upstream id)>`, reversibly and statelessly; on the next request ids with the caller's
// prefix + marker decode back. Every other id is client-authored and passes untouched.
import { assertNever, type ProtocolName } from "./protocol.ts";

const MARKER = "bb1";

export function toolIdPrefix(p: ProtocolName): string {
  switch (p) {
    case "anthropic": return "toolu_";
    case "openai": case "responses": return "call_";
    case "bedrock": return "tooluse_";
    case "gemini": case "cohere": return "";
    default: return assertNever(p, "protocol");
  }
}

/** Upstream id → the id the caller sees. Cohere and Gemini ids pass through. */
export function encodeToolId(upstreamId: string, caller: ProtocolName): string {
  const prefix = toolIdPrefix(caller);
  if (prefix === "") return upstreamId;
  return `${prefix}${MARKER}${Buffer.from(upstreamId, "utf8").toString("base64url")}`;
}

/** Caller id → the id the upstream issued, when the caller's id is one the gateway minted. */
export function decodeToolId(callerId: string, caller: ProtocolName): string {
  const prefix = toolIdPrefix(caller);
  if (prefix === "" || !callerId.startsWith(prefix + MARKER)) return callerId;
  const tail = callerId.slice(prefix.length + MARKER.length);
  if (!/^[A-Za-z0-9_-]+$/.test(tail)) return callerId;
  const bytes = Buffer.from(tail, "base64url");
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  // Valid UTF-8 that re-encodes to the same tail, else it was never ours.
  return Buffer.from(text, "utf8").toString("base64url") === tail && !text.includes("\uFFFD") ? text : callerId;
}
