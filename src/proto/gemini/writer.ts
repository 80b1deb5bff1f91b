// Gemini's google.rpc error envelope (protocols.md §8). Messages echo the caller's API version.
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_CODE = {
  invalid_request: [400, "INVALID_ARGUMENT"],
  authentication: [401, "UNAUTHENTICATED"],
  permission: [403, "PERMISSION_DENIED"],
  not_found: [404, "NOT_FOUND"],
  method_not_allowed: [405, "INVALID_ARGUMENT"],
  too_large: [400, "INVALID_ARGUMENT"],
  rate_limit: [429, "RESOURCE_EXHAUSTED"],
  quota: [429, "RESOURCE_EXHAUSTED"],
  server_error: [500, "INTERNAL"],
  overloaded: [503, "UNAVAILABLE"],
  timeout: [504, "DEADLINE_EXCEEDED"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, code] = STATUS_AND_CODE[err.kind];
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
