// The contract every protocol folder fulfils; registry.ts names them all in one table.
import type { ErrorContext, GatewayError, RenderedError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Codec } from "./codec.ts";

/** What the caller asked for on a route: generation, or an auxiliary operation (protocols.md §2.5). */
export type Operation = "generate" | "count_tokens" | "embeddings";

/** The credential styles a provider row may choose (`auth`), `native` meaning the protocol's own. */
export type CredentialStyle = "native" | "bearer" | "api-key" | "none";

export interface Protocol {
  readonly name: ProtocolName;
  /** OA/RS/AN/CO carry the model in body `model`; GM/BR only in the URL (protocols.md §1). */
  readonly modelInBody: boolean;
  /** The operations a lane of this protocol can serve. */
  readonly operations: readonly Operation[];
  /** Upstream path (and query) appended to the provider's base URL. */
  egressPath(op: Operation, model: string, stream: boolean): string;
  /** Caller headers forwarded on same-protocol hops only (spec README D7: version and beta flags). */
  readonly forwardedHeaders: readonly string[];
  /** Content type of a streamed success body. */
  readonly streamContentType: string;
  /** `sigv4`: a native-style key signs the final request (Bedrock) instead of riding in a header. */
  readonly signing: "none" | "sigv4";
  /** Headers carrying a lane key, in this protocol's style unless the provider overrides it. */
  credentialHeaders(key: string, style: CredentialStyle): Record<string, string>;
  /** The one-token, non-streaming health-probe body for a lane of this protocol (reliability.md §10). */
  probeBody(model: string): string;
  /** An error in this dialect's native envelope (protocols.md §8). */
  renderError(err: GatewayError, ctx: ErrorContext): RenderedError;
  /**
   * Cross-protocol translation (proto/codec.ts). Optional only while the Gemini, Bedrock and Cohere codecs are
   * being written (issue 5); a lane without one serves same-protocol callers only.
   */
  readonly codec?: Codec;
  /** The gateway's own auth rejection, mimicking the vendor (platform.md §2). */
  renderAuthFailure(ctx: ErrorContext): RenderedError;
}

/** Percent-encodes everything outside `A–Z a–z 0–9 - _ . ~` (protocols.md §1: `:` → `%3A`). */
export function encodePathSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function jsonError(status: number, body: unknown, headers: Record<string, string> = {}): RenderedError {
  return { status, headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) };
}
