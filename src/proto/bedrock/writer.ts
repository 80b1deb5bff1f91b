// Bedrock's error envelope: `{"message","__type"}` plus `x-amzn-ErrorType` / `x-amzn-RequestId` (protocols.md §8).
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_EXCEPTION = {
  invalid_request: [400, "ValidationException"],
  authentication: [403, "AccessDeniedException"],
  permission: [403, "AccessDeniedException"],
  not_found: [404, "ResourceNotFoundException"],
  method_not_allowed: [405, "ValidationException"],
  too_large: [400, "ValidationException"],
  rate_limit: [429, "ThrottlingException"],
  quota: [400, "ServiceQuotaExceededException"],
  server_error: [500, "InternalServerException"],
  overloaded: [503, "ServiceUnavailableException"],
  timeout: [408, "ModelTimeoutException"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_EXCEPTION[err.kind];
  const headers: Record<string, string> = { "x-amzn-errortype": type, "x-amzn-requestid": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { message: err.message, __type: type }, headers);
}

/** A bad key or signature looks like AWS's own: 403 AccessDeniedException with an empty message (platform.md §2). */
export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "" }, ctx);
}
