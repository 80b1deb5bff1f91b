// Cohere's error envelope is a bare `{"message"}`; the SDK picks its error class from the status (protocols.md §8).
import { assertNever } from "../../ir/protocol.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import { jsonError } from "../types.ts";

function status(kind: ErrorKind): number {
  switch (kind) {
    case "invalid_request": return 400;
    case "authentication": return 401;
    case "permission": return 403;
    case "not_found": return 404;
    case "method_not_allowed": return 405;
    case "too_large": return 413;
    case "rate_limit": case "quota": return 429;
    case "server_error": return 500;
    case "overloaded": return 503;
    case "timeout": return 504;
    default: return assertNever(kind, "error kind");
  }
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status(err.kind), { message: err.message }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid api token" }, ctx);
}
