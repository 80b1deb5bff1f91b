// Upstream Anthropic error bodies → kind, message and vendor type (protocols.md §8).
import { expect, test } from "bun:test";
import { anthropicCodec } from "../../../src/proto/anthropic/codec.ts";

/** Stage 1a (reliability.md §5): no context signal, no key rejection. */
const none = { contextSignal: false, keyRejected: false } as const;

const body = (type: string, message: string) => JSON.stringify({ type: "error", error: { type, message }, request_id: "req_011CSHoEeqs5C35K2UUqR7Fy" });

test("each status class with its native envelope", () => {
  const rows: [number, string, string][] = [
    [400, "invalid_request_error", "messages: roles must alternate"],
    [401, "authentication_error", "invalid x-api-key"],
    [402, "billing_error", "Your credit balance is too low"],
    [403, "permission_error", "Your API key does not have permission"],
    [404, "not_found_error", "model: claude-nope"],
    [413, "request_too_large", "Request exceeds the maximum allowed number of bytes."],
    [429, "rate_limit_error", "Number of request tokens has exceeded your per-minute rate limit"],
    [500, "api_error", "Internal server error"],
    [529, "overloaded_error", "Overloaded"],
    [504, "timeout_error", "Request timed out"],
    // The body says more than the status: Anthropic can send overloaded_error with a 500.
    [500, "overloaded_error", "Overloaded"],
  ];
  expect(rows.map(([s, t, m]) => anthropicCodec.readError(s, body(t, m)))).toEqual([
    { kind: "invalid_request", message: "messages: roles must alternate", code: "invalid_request_error", type: "invalid_request_error", ...none },
    { kind: "authentication", message: "invalid x-api-key", code: "authentication_error", type: "authentication_error", ...none },
    { kind: "quota", message: "Your credit balance is too low", code: "billing_error", type: "billing_error", ...none },
    { kind: "permission", message: "Your API key does not have permission", code: "permission_error", type: "permission_error", ...none },
    { kind: "not_found", message: "model: claude-nope", code: "not_found_error", type: "not_found_error", ...none },
    { kind: "too_large", message: "Request exceeds the maximum allowed number of bytes.", code: "request_too_large", type: "request_too_large", ...none },
    { kind: "rate_limit", message: "Number of request tokens has exceeded your per-minute rate limit", code: "rate_limit_error", type: "rate_limit_error", ...none },
    { kind: "server_error", message: "Internal server error", code: "api_error", type: "api_error", ...none },
    { kind: "overloaded", message: "Overloaded", code: "overloaded_error", type: "overloaded_error", ...none },
    { kind: "timeout", message: "Request timed out", code: "timeout_error", type: "timeout_error", ...none },
    { kind: "overloaded", message: "Overloaded", code: "overloaded_error", type: "overloaded_error", ...none },
  ]);
});

test("non-JSON, foreign-shaped and huge bodies get the status's kind and a generic message", () => {
  expect(anthropicCodec.readError(502, "<html><body>Bad Gateway</body></html>")).toEqual({ kind: "server_error", message: "The upstream answered HTTP 502.", ...none });
  expect(anthropicCodec.readError(503, "")).toEqual({ kind: "overloaded", message: "The upstream answered HTTP 503.", ...none });
  expect(anthropicCodec.readError(429, JSON.stringify({ message: "slow down" }))).toEqual({ kind: "rate_limit", message: "The upstream answered HTTP 429.", ...none });
  expect(anthropicCodec.readError(400, body("invalid_request_error", "x".repeat(200_000)))).toEqual({ kind: "invalid_request", message: "The upstream answered HTTP 400.", ...none });
});

test("an unknown error type keeps the status's kind; a long message is cut to 500 characters", () => {
  const r = anthropicCodec.readError(418, body("teapot_error", "é".repeat(600)));
  expect(r).toEqual({ kind: "invalid_request", message: `${"é".repeat(500)}…`, code: "teapot_error", type: "teapot_error", ...none });
});
