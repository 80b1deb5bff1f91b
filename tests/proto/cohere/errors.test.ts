// Upstream Cohere error bodies → kind and message (protocols.md §8); the rendered envelope is the SDK's typed error.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { CohereClientV2, CohereError } from "cohere-ai";
import { cohereCodec } from "../../../src/proto/cohere/codec.ts";
import { renderError } from "../../../src/proto/cohere/writer.ts";

/** Stage 1a (reliability.md §5): no context signal, no key rejection. */
const none = { contextSignal: false, keyRejected: false } as const;

const body = (message: string) => JSON.stringify({ id: "5a1e2d3c-4b5a-4c6d-8e7f-9a0b1c2d3e4f", message });

test("each status class with Cohere's {message} envelope", () => {
  const rows: [number, string][] = [
    [400, "invalid request: message must be at least 1 token long or tool results must be specified."],
    [401, "invalid api token"],
    [402, "Please add a payment method to continue."],
    [403, "Forbidden"],
    [404, "model 'command-nope' not found, make sure the correct model ID was used and that you have access to the model."],
    [413, "Request entity too large"],
    [422, "unprocessable entity"],
    [429, "You are using a Trial key, which is limited to 10 API calls / minute."],
    [498, "invalid api token"],
    [500, "internal server error, this has been reported to our developers"],
    [503, "service unavailable"],
    [504, "gateway timeout"],
  ];
  expect(rows.map(([s, m]) => cohereCodec.readError(s, body(m)))).toEqual([
    { kind: "invalid_request", message: rows[0]![1], ...none },
    { kind: "authentication", message: "invalid api token", ...none },
    { kind: "quota", message: "Please add a payment method to continue.", ...none },
    { kind: "permission", message: "Forbidden", ...none },
    { kind: "not_found", message: rows[4]![1], ...none },
    { kind: "too_large", message: "Request entity too large", ...none },
    { kind: "invalid_request", message: "unprocessable entity", ...none },
    { kind: "rate_limit", message: rows[7]![1], ...none },
    { kind: "authentication", message: "invalid api token", ...none },
    { kind: "server_error", message: rows[9]![1], ...none },
    { kind: "overloaded", message: "service unavailable", ...none },
    { kind: "timeout", message: "gateway timeout", ...none },
  ]);
});

test("non-JSON, empty, foreign-shaped and huge bodies; long messages are cut to 500 characters", () => {
  expect(cohereCodec.readError(502, "<html><body>Bad Gateway</body></html>")).toEqual({ kind: "server_error", message: "The upstream answered HTTP 502.", ...none });
  expect(cohereCodec.readError(503, "")).toEqual({ kind: "overloaded", message: "The upstream answered HTTP 503.", ...none });
  expect(cohereCodec.readError(429, JSON.stringify({ error: { message: "slow down" } }))).toEqual({ kind: "rate_limit", message: "slow down", ...none });
  expect(cohereCodec.readError(400, JSON.stringify({ error: "bad" }))).toEqual({ kind: "invalid_request", message: "bad", ...none });
  expect(cohereCodec.readError(400, body("x".repeat(200_000)))).toEqual({ kind: "invalid_request", message: "The upstream answered HTTP 400.", ...none });
  expect(cohereCodec.readError(400, body("é".repeat(600)))).toEqual({ kind: "invalid_request", message: `${"é".repeat(500)}…`, ...none });
});

let server: ReturnType<typeof Bun.serve>;
let rendered = renderError({ kind: "rate_limit", message: "x" }, { requestId: "r" });
beforeAll(() => {
  server = Bun.serve({ port: 0, fetch: () => new Response(rendered.body, { status: rendered.status, headers: rendered.headers }) });
});
afterAll(() => server.stop(true));

test("the rendered envelope reaches the SDK as its typed error with the message", async () => {
  const client = new CohereClientV2({ token: "t", environment: `http://127.0.0.1:${server.port}` });
  rendered = renderError({ kind: "rate_limit", message: "slow down", retryAfter: 7 }, { requestId: "r" });
  const err = await client.chat({ model: "m", messages: [{ role: "user", content: "hi" }] }, { maxRetries: 0 }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(CohereError);
  expect({ name: (err as CohereError).constructor.name, status: (err as CohereError).statusCode, body: (err as CohereError).body })
    .toEqual({ name: "TooManyRequestsError", status: 429, body: { message: "slow down" } });
});
