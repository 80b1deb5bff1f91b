// Anthropic's error envelope (protocols.md §8). Overloaded is 529, as Anthropic itself sends (spec README D15).
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_TYPE = {
  invalid_request: [400, "invalid_request_error"],
  authentication: [401, "authentication_error"],
  permission: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  too_large: [413, "request_too_large"],
  rate_limit: [429, "rate_limit_error"],
  quota: [429, "rate_limit_error"],
  server_error: [500, "api_error"],
  overloaded: [529, "overloaded_error"],
  timeout: [504, "timeout_error"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_TYPE[err.kind];
  const headers: Record<string, string> = { "request-id": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { type: "error", error: { type, message: err.message }, request_id: ctx.requestId }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid x-api-key" }, ctx);
}
