// Native error envelopes (protocols.md §8): one table maps an HTTP status to a kind, and each
// protocol renders the kind in its own envelope, so an SDK raises its own typed error.
import { assertNever } from "../ir/protocol.ts";
import { ids } from "./ids.ts";
import type { MockProtocolName } from "./protocol.ts";

export type ErrorKind =
  | "invalid_request" | "authentication" | "permission" | "not_found" | "too_large"
  | "rate_limit" | "server_error" | "overloaded" | "timeout";

export function kindOf(status: number): ErrorKind {
  switch (status) {
    case 401: return "authentication";
    case 403: return "permission";
    case 404: return "not_found";
    case 408: case 504: return "timeout";
    case 413: return "too_large";
    case 429: return "rate_limit";
    case 503: case 529: return "overloaded";
    default: return status >= 500 ? "server_error" : "invalid_request";
  }
}

const DEFAULT_MESSAGE: Record<ErrorKind, string> = {
  invalid_request: "Invalid request.",
  authentication: "Invalid authentication credentials.",
  permission: "Permission denied.",
  not_found: "Not found.",
  too_large: "Request too large.",
  rate_limit: "Rate limit exceeded.",
  server_error: "The server had an error while processing your request.",
  overloaded: "The server is overloaded.",
  timeout: "The request timed out.",
};

const OPENAI_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error", authentication: "authentication_error", permission: "permission_error",
  not_found: "not_found_error", too_large: "invalid_request_error", rate_limit: "rate_limit_error",
  server_error: "server_error", overloaded: "server_error", timeout: "server_error",
};

const ANTHROPIC_TYPE: Record<ErrorKind, string> = {
  invalid_request: "invalid_request_error", authentication: "authentication_error", permission: "permission_error",
  not_found: "not_found_error", too_large: "request_too_large", rate_limit: "rate_limit_error",
  server_error: "api_error", overloaded: "overloaded_error", timeout: "timeout_error",
};

const GEMINI_STATUS: Record<ErrorKind, string> = {
  invalid_request: "INVALID_ARGUMENT", authentication: "UNAUTHENTICATED", permission: "PERMISSION_DENIED",
  not_found: "NOT_FOUND", too_large: "INVALID_ARGUMENT", rate_limit: "RESOURCE_EXHAUSTED",
  server_error: "INTERNAL", overloaded: "UNAVAILABLE", timeout: "DEADLINE_EXCEEDED",
};

/** Smithy shape names; the AWS SDK picks its exception class from `x-amzn-ErrorType`. */
const BEDROCK_EXCEPTION: Record<ErrorKind, string> = {
  invalid_request: "ValidationException", authentication: "AccessDeniedException", permission: "AccessDeniedException",
  not_found: "ResourceNotFoundException", too_large: "ValidationException", rate_limit: "ThrottlingException",
  server_error: "InternalServerException", overloaded: "ServiceUnavailableException", timeout: "ModelTimeoutException",
};

export interface ErrorReply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Readonly<Record<string, string>>;
}

/** Where a vendor's body has room for them: a machine-readable code and an error type. */
export interface ErrorDetail {
  readonly code?: string;
  readonly type?: string;
}

/**
 * The error `status` in `protocol`'s envelope. `seq` seeds the Anthropic `request_id`, which must match
 * the `request-id` header the server adds. `detail` goes where stage 1a reads it (reliability.md §5):
 * OpenAI `error.code`/`error.type`; Anthropic `error.type` (no code field, so a lone code becomes the type);
 * Gemini a numeric code as `error.code`, any other code as an `ErrorInfo` reason (how Gemini sends
 * `API_KEY_INVALID`), the type as `error.status`; Bedrock `__type` and `x-amzn-ErrorType`; Cohere `error_type`.
 */
export function nativeError(protocol: MockProtocolName, status: number, message: string | undefined, seq: number, detail: ErrorDetail = {}): ErrorReply {
  const kind = kindOf(status);
  const msg = message ?? DEFAULT_MESSAGE[kind];
  const { code, type } = detail;
  switch (protocol) {
    case "openai":
    case "responses":
    case "embeddings":
      return {
        status,
        body: { error: { message: msg, type: type ?? OPENAI_TYPE[kind], param: null, code: code ?? (kind === "authentication" ? "invalid_api_key" : null) } },
        headers: {},
      };
    case "anthropic":
      return {
        status,
        body: { type: "error", error: { type: type ?? code ?? ANTHROPIC_TYPE[kind], message: msg }, request_id: ids.anthropicRequest(seq) },
        headers: {},
      };
    case "gemini": {
      const numeric = code !== undefined && /^\d{1,9}$/.test(code);
      const reason = code !== undefined && !numeric ? { details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: code, domain: "googleapis.com" }] } : {};
      return { status, body: { error: { code: numeric ? Number(code) : status, message: msg, status: type ?? GEMINI_STATUS[kind], ...reason } }, headers: {} };
    }
    case "bedrock": {
      const name = type ?? code ?? BEDROCK_EXCEPTION[kind];
      return { status, body: { message: msg, __type: name }, headers: { "x-amzn-ErrorType": name } };
    }
    case "cohere": {
      const errorType = type ?? code;
      return { status, body: { message: msg, ...(errorType === undefined ? {} : { error_type: errorType }) }, headers: {} };
    }
    default:
      return assertNever(protocol, "protocol");
  }
}

/** An error kind's name in `protocol`'s own vocabulary, for in-band stream errors (inband.ts). */
export function nativeErrorType(protocol: MockProtocolName, kind: ErrorKind): string {
  switch (protocol) {
    case "openai": case "responses": case "embeddings": case "cohere": return OPENAI_TYPE[kind];
    case "anthropic": return ANTHROPIC_TYPE[kind];
    case "gemini": return GEMINI_STATUS[kind];
    case "bedrock": return BEDROCK_EXCEPTION[kind];
    default: return assertNever(protocol, "protocol");
  }
}

export function isErrorKind(k: string): k is ErrorKind {
  return Object.hasOwn(DEFAULT_MESSAGE, k);
}

export function defaultMessage(kind: ErrorKind): string {
  return DEFAULT_MESSAGE[kind];
}
