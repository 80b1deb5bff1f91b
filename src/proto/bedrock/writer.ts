// Bedrock's error envelope: `{"message","__type"}` plus `x-amzn-ErrorType` / `x-amzn-RequestId` (protocols.md §8).
import { assertNever } from "../../ir/protocol.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

function statusAndException(kind: ErrorKind): [number, string] {
  switch (kind) {
    case "invalid_request": return [400, "ValidationException"];
    case "authentication": return [403, "AccessDeniedException"];
    case "permission": return [403, "AccessDeniedException"];
    case "not_found": return [404, "ResourceNotFoundException"];
    case "method_not_allowed": return [405, "ValidationException"];
    case "too_large": return [400, "ValidationException"];
    case "rate_limit": return [429, "ThrottlingException"];
    case "quota": return [400, "ServiceQuotaExceededException"];
    case "server_error": return [500, "InternalServerException"];
    case "overloaded": return [503, "ServiceUnavailableException"];
    case "timeout": return [408, "ModelTimeoutException"];
    default: return assertNever(kind, "error kind");
  }
}

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = statusAndException(err.kind);
  const headers: Record<string, string> = { "x-amzn-errortype": type, "x-amzn-requestid": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { message: err.message, __type: type }, headers);
}

/** A bad key or signature looks like AWS's own: 403 AccessDeniedException with an empty message (platform.md §2). */
export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "" }, ctx);
}
