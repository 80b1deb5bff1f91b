// OpenAI's error envelope, shared by Chat Completions and Responses (protocols.md §8).
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
    case "too_large": return [413, "invalid_request_error"];
    case "rate_limit": return [429, "rate_limit_error"];
    case "quota": return [429, "insufficient_quota"];
    case "server_error": return [500, "server_error"];
    case "overloaded": return [503, "server_error"];
    case "timeout": return [504, "server_error"];
    default: return assertNever(kind, "error kind");
  }
}

function defaultCode(kind: ErrorKind): string | null {
  if (kind === "authentication") return "invalid_api_key";
  if (kind === "quota") return "insufficient_quota";
  return null;
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, type] = statusAndType(err.kind);
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status, {
    error: { message: err.message, type, param: err.param ?? null, code: err.code ?? defaultCode(err.kind) },
  }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "Incorrect API key provided." }, ctx);
}
