// Cohere's error envelope is a bare `{"message"}`; the SDK picks its error class from the status (protocols.md §8).
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

/** Cohere's SDK picks its error class from the status alone; a missing kind is a compile error. */
const STATUS = {
  invalid_request: 400, authentication: 401, permission: 403, not_found: 404, method_not_allowed: 405, too_large: 413,
  rate_limit: 429, quota: 429, server_error: 500, overloaded: 503, timeout: 504,
} as const satisfies Record<ErrorKind, number>;

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(STATUS[err.kind], { message: err.message }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid api token" }, ctx);
}
