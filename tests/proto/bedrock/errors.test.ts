// Upstream Bedrock error bodies → kind, message and exception name (protocols.md §8).
import { expect, test } from "bun:test";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";

/** Stage 1a (reliability.md §5): no context signal, no key rejection. */
const none = { contextSignal: false, keyRejected: false } as const;

test("each status class with its native envelope", () => {
  const rows: [number, unknown][] = [
    [400, { message: "Malformed input request: #: required key [messages] not found" }],
    [400, { message: "The request exceeds your quota.", __type: "com.amazonaws.bedrock#ServiceQuotaExceededException" }],
    [403, { message: "The security token included in the request is invalid.", __type: "UnrecognizedClientException" }],
    [403, { Message: "User is not authorized to perform: bedrock:InvokeModel" }],
    [404, { message: "Could not resolve the foundation model from the provided model identifier." }],
    [408, { message: "Model has timed out in processing the request.", __type: "ModelTimeoutException" }],
    [424, { message: "Model error.", __type: "ModelErrorException" }],
    [429, { message: "Too many requests, please wait before trying again." }],
    [500, { message: "Internal server error", __type: "InternalServerException" }],
    [503, { message: "Bedrock is unable to process your request.", code: "ServiceUnavailableException" }],
  ];
  expect(rows.map(([s, b]) => bedrockCodec.readError(s, JSON.stringify(b)))).toEqual([
    { kind: "invalid_request", message: "Malformed input request: #: required key [messages] not found", ...none },
    { kind: "quota", message: "The request exceeds your quota.", code: "com.amazonaws.bedrock#ServiceQuotaExceededException", type: "ServiceQuotaExceededException", ...none },
    { kind: "authentication", message: "The security token included in the request is invalid.", code: "UnrecognizedClientException", type: "UnrecognizedClientException", ...none },
    { kind: "permission", message: "User is not authorized to perform: bedrock:InvokeModel", ...none },
    { kind: "not_found", message: "Could not resolve the foundation model from the provided model identifier.", ...none },
    { kind: "timeout", message: "Model has timed out in processing the request.", code: "ModelTimeoutException", type: "ModelTimeoutException", ...none },
    { kind: "server_error", message: "Model error.", code: "ModelErrorException", type: "ModelErrorException", ...none },
    { kind: "rate_limit", message: "Too many requests, please wait before trying again.", ...none },
    { kind: "server_error", message: "Internal server error", code: "InternalServerException", type: "InternalServerException", ...none },
    { kind: "overloaded", message: "Bedrock is unable to process your request.", code: "ServiceUnavailableException", type: "ServiceUnavailableException", ...none },
  ]);
});

test("non-JSON, foreign-shaped and huge bodies get the status's kind and a generic message", () => {
  expect(bedrockCodec.readError(502, "<html><body>Bad Gateway</body></html>")).toEqual({ kind: "server_error", message: "The upstream answered HTTP 502.", ...none });
  expect(bedrockCodec.readError(503, "")).toEqual({ kind: "overloaded", message: "The upstream answered HTTP 503.", ...none });
  expect(bedrockCodec.readError(429, JSON.stringify({ error: { message: "slow down" } }))).toEqual({ kind: "rate_limit", message: "The upstream answered HTTP 429.", ...none });
  expect(bedrockCodec.readError(400, JSON.stringify({ message: "x".repeat(200_000) }))).toEqual({ kind: "invalid_request", message: "The upstream answered HTTP 400.", ...none });
});

test("an unknown exception keeps the status's kind; a long message is cut to 500 characters", () => {
  expect(bedrockCodec.readError(418, JSON.stringify({ message: "é".repeat(600), __type: "TeapotException" })))
    .toEqual({ kind: "invalid_request", message: `${"é".repeat(500)}…`, code: "TeapotException", type: "TeapotException", ...none });
});
