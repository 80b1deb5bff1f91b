// OpenAI's error envelope, shared by Chat Completions and Responses (protocols.md §8).
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_TYPE = {
  invalid_request: [400, "invalid_request_error"],
  authentication: [401, "authentication_error"],
  permission: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  too_large: [413, "invalid_request_error"],
  rate_limit: [429, "rate_limit_error"],
  quota: [429, "insufficient_quota"],
  server_error: [500, "server_error"],
  overloaded: [503, "server_error"],
  timeout: [504, "server_error"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

function defaultCode(kind: ErrorKind): string | null {
  if (kind === "authentication") return "invalid_api_key";
  if (kind === "quota") return "insufficient_quota";
  return null;
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_TYPE[err.kind];
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status, {
    error: { message: err.message, type, param: err.param ?? null, code: err.code ?? defaultCode(err.kind) },
  }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "Incorrect API key provided." }, ctx);
}
