// Gemini's google.rpc error envelope (protocols.md §8). Messages echo the caller's API version.
import { assertNever } from "../../ir/protocol.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

function statusAndCode(kind: ErrorKind): [number, string] {
  switch (kind) {
    case "invalid_request": return [400, "INVALID_ARGUMENT"];
    case "authentication": return [401, "UNAUTHENTICATED"];
    case "permission": return [403, "PERMISSION_DENIED"];
    case "not_found": return [404, "NOT_FOUND"];
    case "method_not_allowed": return [405, "INVALID_ARGUMENT"];
    case "too_large": return [400, "INVALID_ARGUMENT"];
    case "rate_limit": case "quota": return [429, "RESOURCE_EXHAUSTED"];
    case "server_error": return [500, "INTERNAL"];
    case "overloaded": return [503, "UNAVAILABLE"];
    case "timeout": return [504, "DEADLINE_EXCEEDED"];
    default: return assertNever(kind, "error kind");
  }
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, code] = statusAndCode(err.kind);
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status, { error: { code: status, message: err.message, status: code } }, headers);
}

/** Google answers a bad key with 400 INVALID_ARGUMENT plus an ErrorInfo detail (platform.md §2). */
export function renderAuthFailure(_ctx: ErrorContext): RenderedError {
  return jsonError(400, {
    error: {
      code: 400,
      message: "API key not valid. Please pass a valid API key.",
      status: "INVALID_ARGUMENT",
      details: [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      }],
    },
  });
}

/** The not-found text Google uses for an unknown model. */
export function modelNotFoundMessage(name: string, apiVersion: string): string {
  return `models/${name} is not found for API version ${apiVersion}, or is not supported for the task you are trying to perform.`;
}
