// Error kinds every dialect can render (protocols.md §8). The kind is the meaning; each protocol's
// writer owns the status and envelope it maps to.
export const ERROR_KINDS = [
  "invalid_request", "authentication", "permission", "not_found", "method_not_allowed", "too_large",
  "rate_limit", "quota", "server_error", "overloaded", "timeout",
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

/** A gateway-originated error, before it is rendered in the caller's dialect. */
export interface GatewayError {
  readonly kind: ErrorKind;
  readonly message: string;
  /** Seconds, kept on rate-limit style errors. */
  readonly retryAfter?: number;
  /** OpenAI-style `param`, when one names the offending field. */
  readonly param?: string;
  /** Overrides the dialect's default `code` (OpenAI) / reason. */
  readonly code?: string;
}

/** What a protocol needs to know to render an error the way the vendor would. */
export interface ErrorContext {
  /** Gemini echoes the API version the caller used (`v1` or `v1beta`). */
  readonly apiVersion?: string;
  readonly requestId: string;
}

/** A rendered error: status, headers and body bytes, ready for the wire. */
export interface RenderedError {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}
