// Upstream Bedrock error bodies → kind, message and exception name (protocols.md §8).
import { expect, test } from "bun:test";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";

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
    { kind: "invalid_request", message: "Malformed input request: #: required key [messages] not found" },
    { kind: "quota", message: "The request exceeds your quota.", code: "com.amazonaws.bedrock#ServiceQuotaExceededException" },
    { kind: "authentication", message: "The security token included in the request is invalid.", code: "UnrecognizedClientException" },
    { kind: "permission", message: "User is not authorized to perform: bedrock:InvokeModel" },
    { kind: "not_found", message: "Could not resolve the foundation model from the provided model identifier." },
    { kind: "timeout", message: "Model has timed out in processing the request.", code: "ModelTimeoutException" },
    { kind: "server_error", message: "Model error.", code: "ModelErrorException" },
    { kind: "rate_limit", message: "Too many requests, please wait before trying again." },
    { kind: "server_error", message: "Internal server error", code: "InternalServerException" },
    { kind: "overloaded", message: "Bedrock is unable to process your request.", code: "ServiceUnavailableException" },
  ]);
});

test("non-JSON, foreign-shaped and huge bodies get the status's kind and a generic message", () => {
  expect(bedrockCodec.readError(502, "<html><body>Bad Gateway</body></html>")).toEqual({ kind: "server_error", message: "The upstream answered HTTP 502." });
  expect(bedrockCodec.readError(503, "")).toEqual({ kind: "overloaded", message: "The upstream answered HTTP 503." });
  expect(bedrockCodec.readError(429, JSON.stringify({ error: { message: "slow down" } }))).toEqual({ kind: "rate_limit", message: "The upstream answered HTTP 429." });
  expect(bedrockCodec.readError(400, JSON.stringify({ message: "x".repeat(200_000) }))).toEqual({ kind: "invalid_request", message: "The upstream answered HTTP 400." });
});

test("an unknown exception keeps the status's kind; a long message is cut to 500 characters", () => {
  expect(bedrockCodec.readError(418, JSON.stringify({ message: "é".repeat(600), __type: "TeapotException" })))
    .toEqual({ kind: "invalid_request", message: `${"é".repeat(500)}…`, code: "TeapotException" });
});
