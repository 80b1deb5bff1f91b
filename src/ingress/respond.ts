// Renders gateway errors in the caller's dialect: the one place an error becomes HTTP (STYLE habit 5).
import type { GatewayError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import { protocol } from "../proto/registry.ts";
import type { RenderedError } from "../ir/errors.ts";

export interface Dialect {
  readonly protocol: ProtocolName;
  /** Gemini only: the API version the caller used. */
  readonly apiVersion?: string;
}

export function toResponse(r: RenderedError): Response {
  return new Response(r.body, { status: r.status, headers: r.headers });
}

export function errorResponse(d: Dialect, err: GatewayError, requestId: string): Response {
  return toResponse(protocol(d.protocol).renderError(err, { requestId, apiVersion: d.apiVersion }));
}

export function authFailureResponse(d: Dialect, requestId: string): Response {
  return toResponse(protocol(d.protocol).renderAuthFailure({ requestId, apiVersion: d.apiVersion }));
}
