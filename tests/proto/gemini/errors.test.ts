// Upstream Gemini error bodies → kind, message and google.rpc status (protocols.md §8).
import { expect, test } from "bun:test";
import { geminiCodec } from "../../../src/proto/gemini/codec.ts";

/** Stage 1a (reliability.md §5): no context signal, no key rejection. */
const none = { contextSignal: false, keyRejected: false } as const;

const body = (code: number, status: string, message: string, details?: unknown[]) =>
  JSON.stringify({ error: { code, message, status, ...(details && { details }) } });

test("each status class with its native envelope", () => {
  const rows: [number, string, string][] = [
    [400, "INVALID_ARGUMENT", "Function call is missing a thought_signature in functionCall parts."],
    [400, "FAILED_PRECONDITION", "User location is not supported for the API use."],
    [403, "PERMISSION_DENIED", "Method doesn't allow unregistered callers."],
    [404, "NOT_FOUND", "models/gemini-nope is not found for API version v1beta"],
    [413, "INVALID_ARGUMENT", "Request payload size exceeds the limit."],
    [429, "RESOURCE_EXHAUSTED", "You exceeded your current quota."],
    [500, "INTERNAL", "An internal error has occurred."],
    [503, "UNAVAILABLE", "The model is overloaded. Please try again later."],
    [504, "DEADLINE_EXCEEDED", "Deadline expired before operation could complete."],
    // The body says more than the status.
    [500, "UNAVAILABLE", "The service is currently unavailable."],
  ];
  expect(rows.map(([s, st, m]) => geminiCodec.readError(s, body(s, st, m)))).toEqual([
    { kind: "invalid_request", message: "Function call is missing a thought_signature in functionCall parts.", code: "INVALID_ARGUMENT", type: "INVALID_ARGUMENT", errorCode: "400", ...none },
    { kind: "invalid_request", message: "User location is not supported for the API use.", code: "FAILED_PRECONDITION", type: "FAILED_PRECONDITION", errorCode: "400", ...none },
    { kind: "permission", message: "Method doesn't allow unregistered callers.", code: "PERMISSION_DENIED", type: "PERMISSION_DENIED", errorCode: "403", ...none },
    { kind: "not_found", message: "models/gemini-nope is not found for API version v1beta", code: "NOT_FOUND", type: "NOT_FOUND", errorCode: "404", ...none },
    { kind: "too_large", message: "Request payload size exceeds the limit.", code: "INVALID_ARGUMENT", type: "INVALID_ARGUMENT", errorCode: "413", ...none },
    { kind: "rate_limit", message: "You exceeded your current quota.", code: "RESOURCE_EXHAUSTED", type: "RESOURCE_EXHAUSTED", errorCode: "429", ...none },
    { kind: "server_error", message: "An internal error has occurred.", code: "INTERNAL", type: "INTERNAL", errorCode: "500", ...none },
    { kind: "overloaded", message: "The model is overloaded. Please try again later.", code: "UNAVAILABLE", type: "UNAVAILABLE", errorCode: "503", ...none },
    { kind: "timeout", message: "Deadline expired before operation could complete.", code: "DEADLINE_EXCEEDED", type: "DEADLINE_EXCEEDED", errorCode: "504", ...none },
    { kind: "overloaded", message: "The service is currently unavailable.", code: "UNAVAILABLE", type: "UNAVAILABLE", errorCode: "500", ...none },
  ]);
});

test("Google answers a bad key with 400 + API_KEY_INVALID: an authentication error; 401 UNAUTHENTICATED too", () => {
  const bad = body(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.", [
    { "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" },
  ]);
  expect(geminiCodec.readError(400, bad)).toEqual({
    kind: "authentication", message: "API key not valid. Please pass a valid API key.", code: "INVALID_ARGUMENT", type: "INVALID_ARGUMENT", errorCode: "400",
    contextSignal: false, keyRejected: true,
  });
  expect(geminiCodec.readError(401, body(401, "UNAUTHENTICATED", "Request had invalid authentication credentials."))).toEqual({
    kind: "authentication", message: "Request had invalid authentication credentials.", code: "UNAUTHENTICATED", type: "UNAUTHENTICATED", errorCode: "401", ...none,
  });
});

test("the array form (`:streamGenerateContent` without alt=sse) is read too", () => {
  expect(geminiCodec.readError(429, `[${body(429, "RESOURCE_EXHAUSTED", "slow down")}]`)).toEqual({ kind: "rate_limit", message: "slow down", code: "RESOURCE_EXHAUSTED", type: "RESOURCE_EXHAUSTED", errorCode: "429", ...none });
});

test("non-JSON, foreign-shaped and huge bodies get the status's kind and a generic message", () => {
  expect(geminiCodec.readError(502, "<html><body>Bad Gateway</body></html>")).toEqual({ kind: "server_error", message: "The upstream answered HTTP 502.", ...none });
  expect(geminiCodec.readError(503, "")).toEqual({ kind: "overloaded", message: "The upstream answered HTTP 503.", ...none });
  expect(geminiCodec.readError(429, JSON.stringify({ message: "slow down" }))).toEqual({ kind: "rate_limit", message: "The upstream answered HTTP 429.", ...none });
  expect(geminiCodec.readError(400, body(400, "INVALID_ARGUMENT", "x".repeat(200_000)))).toEqual({ kind: "invalid_request", message: "The upstream answered HTTP 400.", ...none });
});

test("an unknown status keeps the HTTP kind; a long message is cut to 500 characters", () => {
  expect(geminiCodec.readError(418, body(418, "TEAPOT", "é".repeat(600)))).toEqual({ kind: "invalid_request", message: `${"é".repeat(500)}…`, code: "TEAPOT", type: "TEAPOT", errorCode: "418", ...none });
});
