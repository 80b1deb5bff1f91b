// Anthropic's error envelope (protocols.md §8). Overloaded is 529, as Anthropic itself sends (spec README D15).
import { assertNever } from "../../ir/protocol.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

function statusAndType(kind: ErrorKind): [number, string] {
  switch (kind) {
    case "invalid_request": return [400, "invalid_request_error"];
    case "authentication": return [401, "authentication_error"];
    case "permission": return [403, "permission_error"];
    case "not_found": return [404, "not_found_error"];
    case "method_not_allowed": return [405, "invalid_request_error"];
    case "too_large": return [413, "request_too_large"];
    case "rate_limit": case "quota": return [429, "rate_limit_error"];
    case "server_error": return [500, "api_error"];
    case "overloaded": return [529, "overloaded_error"];
    case "timeout": return [504, "timeout_error"];
    default: return assertNever(kind, "error kind");
  }
}

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = statusAndType(err.kind);
  const headers: Record<string, string> = { "request-id": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { type: "error", error: { type, message: err.message }, request_id: ctx.requestId }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid x-api-key" }, ctx);
}
