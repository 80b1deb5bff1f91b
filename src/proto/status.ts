// The one place an upstream HTTP status becomes an error kind (STYLE habit 6; protocols.md §8).
import type { ErrorKind } from "../ir/errors.ts";

export function kindOfStatus(status: number): ErrorKind {
  switch (status) {
    case 400: return "invalid_request";
    case 401: return "authentication";
    case 403: return "permission";
    case 404: return "not_found";
    case 405: return "method_not_allowed";
    case 413: return "too_large";
    case 429: return "rate_limit";
    case 503: case 529: return "overloaded";
    case 504: case 408: return "timeout";
    default: return status >= 500 ? "server_error" : "invalid_request";
  }
}

/**
 * Statuses on which a body may signal an exceeded context window (reliability.md §5). A 429 or 5xx body that quotes
 * token counts must never pass as a context error: that would fail over without penalising an unhealthy lane.
 */
export function mayCarryContextSignal(status: number): boolean {
  return status === 400 || status === 413;
}
