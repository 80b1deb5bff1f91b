// Failure attribution (reliability.md §5 stage 1a, §6 stages 1b and 2; §13.2 cases 10, 11, 13): each protocol's real
// error bodies, through the codec registry, to a class and a disposition.
import { describe, expect, test } from "bun:test";
import { ERROR_CLASSES, type ErrorClass } from "../../src/config/model.ts";
import type { ProtocolName } from "../../src/ir/protocol.ts";
import { exceptionName } from "../../src/proto/bedrock/reader.ts";
import {
  classify, dispositionOf, extractUpstreamError, parseRetryAfter, type RawUpstreamError,
} from "../../src/upstream/attribution.ts";

/** 2025-01-01T12:00:00Z */
const NOW = Date.UTC(2025, 0, 1, 12, 0, 0);
const MAX_RA = 86400;

function extract(p: ProtocolName, status: number, body: unknown, headers: Record<string, string> = {}): RawUpstreamError {
  return extractUpstreamError(p, status, new Headers(headers), typeof body === "string" ? body : JSON.stringify(body), NOW, MAX_RA);
}

/** Stage 1a → 1b → 2 for one upstream answer. */
function attribute(p: ProtocolName, status: number, body: unknown, opts: { errorMap?: Record<string, ErrorClass>; passthrough?: boolean } = {}) {
  const cls = classify(extract(p, status, body), opts.errorMap ?? {});
  return { cls, disposition: dispositionOf(cls, opts.passthrough ?? false) };
}

describe("Retry-After (§6; case 10)", () => {
  test("delta-seconds, capped; an HTTP-date in any RFC 9110 form; invalid values ignored", () => {
    const p = (v: string | null, now = NOW) => parseRetryAfter(v, now, MAX_RA);
    expect({
      seconds: p("45"),
      padded: p(" 45 "),
      huge: p("999999"),
      hugeDigits: p("99999999999999999999999"),
      zero: p("0"),
      imfDate: p("Wed, 01 Jan 2025 12:01:30 GMT"),
      imfDateMidSecond: p("Wed, 01 Jan 2025 12:01:30 GMT", NOW + 300),
      rfc850: p("Wednesday, 01-Jan-25 12:01:30 GMT"),
      asctime: p("Wed Jan  1 12:01:30 2025"),
      past: p("Wed, 01 Jan 2025 11:00:00 GMT"),
      soon: p("soon"),
      negative: p("-5"),
      fraction: p("1.5"),
      empty: p(""),
      absent: p(null),
      noSuchDay: p("Fri, 31 Feb 2025 12:00:00 GMT"),
      isoDate: p("2025-01-01T12:01:30Z"),
    }).toEqual({
      seconds: 45, padded: 45, huge: 86400, hugeDigits: 86400, zero: 0,
      imfDate: 90, imfDateMidSecond: 90, rfc850: 90, asctime: 90, past: 0,
      soon: undefined, negative: undefined, fraction: undefined, empty: undefined, absent: undefined,
      noSuchDay: undefined, isoDate: undefined,
    });
    expect(parseRetryAfter("45", NOW, 30)).toBe(30);
  });

  test("stage 1a reads it from any non-2xx answer, capped at max_honored_retry_after_secs", () => {
    const raw = extractUpstreamError("openai", 429, new Headers({ "retry-after": "999999" }), "", NOW, 3600);
    expect(raw).toEqual({ status: 429, contextSignal: false, keyRejected: false, retryAfterSec: 3600, message: "The upstream returned HTTP 429." });
  });
});

describe("stage 1b classify (§6)", () => {
  const raw = (status: number, more: Partial<RawUpstreamError> = {}): RawUpstreamError =>
    ({ status, contextSignal: false, keyRejected: false, message: "m", ...more });

  test("by status when nothing else matches", () => {
    const statuses = [400, 401, 403, 404, 408, 413, 422, 429, 500, 502, 503, 504, 529, 302, 600];
    expect(Object.fromEntries(statuses.map((s) => [s, classify(raw(s), {})]))).toEqual({
      400: "client_error", 401: "auth", 403: "auth", 404: "client_error", 408: "timeout", 413: "client_error",
      422: "client_error", 429: "rate_limit", 500: "server_error", 502: "server_error", 503: "server_error",
      504: "server_error", 529: "overloaded", 302: "server_error", 600: "server_error",
    });
  });

  test("the first rule that matches wins: code in error_map, context signal, type in error_map, status", () => {
    const map: Record<string, ErrorClass> = { c: "billing", t: "overloaded" };
    expect([
      classify(raw(400, { code: "c", type: "t", contextSignal: true }), map),
      classify(raw(400, { code: "x", type: "t", contextSignal: true }), map),
      classify(raw(400, { code: "x", type: "t" }), map),
      classify(raw(400, { code: "x", type: "y" }), map),
      classify(raw(400, { keyRejected: true }), {}),
      classify(raw(400, { keyRejected: true, type: "t" }), map),
      // Only the map's own keys count.
      classify(raw(400, { code: "constructor", type: "toString" }), map),
    ]).toEqual(["billing", "context_length", "overloaded", "client_error", "auth", "overloaded", "client_error"]);
  });

  test("case 11 guard: on a 5xx nothing yields context_length; it falls through to the status", () => {
    const map: Record<string, ErrorClass> = { context_length_exceeded: "context_length", ctx_type: "context_length" };
    expect([
      classify(raw(500, { code: "context_length_exceeded" }), map),
      classify(raw(503, { type: "ctx_type" }), map),
      classify(raw(529, { contextSignal: true }), {}),
      classify(raw(400, { code: "context_length_exceeded" }), map),
    ]).toEqual(["server_error", "server_error", "overloaded", "context_length"]);
  });
});

describe("stage 2 disposition (§6)", () => {
  test("the full table, with and without passthrough", () => {
    const table = Object.fromEntries(ERROR_CLASSES.map((c) => [c, [dispositionOf(c, false), dispositionOf(c, true)]]));
    expect(table).toEqual({
      rate_limit: ["transient", "transient"],
      overloaded: ["transient", "transient"],
      server_error: ["transient", "transient"],
      timeout: ["transient", "transient"],
      network: ["transient", "transient"],
      auth: ["hard_down", "client_fault"],
      billing: ["hard_down", "client_fault"],
      client_error: ["client_fault", "client_fault"],
      context_length: ["context_length", "context_length"],
    });
  });
});

describe("cases 11 and 13 end to end", () => {
  test("case 11: a 500 carrying code context_length_exceeded is transient, and A is penalised", () => {
    const body = { error: { message: "This model's maximum context length is 8192 tokens.", type: "server_error", code: "context_length_exceeded" } };
    expect(extract("openai", 500, body)).toEqual({
      status: 500, code: "context_length_exceeded", type: "server_error", contextSignal: false, keyRejected: false,
      message: "This model's maximum context length is 8192 tokens.",
    });
    expect(attribute("openai", 500, body)).toEqual({ cls: "server_error", disposition: "transient" });
  });

  test("case 13: error_map \"1113\": billing turns a 400 into a hard-down (OpenAI- and Anthropic-compatible bodies)", () => {
    const errorMap: Record<string, ErrorClass> = { "1113": "billing" };
    const message = "Insufficient balance or no resource package. Please recharge.";
    expect([
      attribute("openai", 400, { error: { code: "1113", message } }, { errorMap }),
      attribute("anthropic", 400, { type: "error", error: { code: "1113", message } }, { errorMap }),
      attribute("anthropic", 400, { type: "error", error: { code: 1113, type: "invalid_request_error", message } }, { errorMap }),
      attribute("openai", 400, { error: { code: "1113", message } }, { errorMap, passthrough: true }),
      attribute("openai", 400, { error: { code: "1113", message } }),
    ]).toEqual([
      { cls: "billing", disposition: "hard_down" },
      { cls: "billing", disposition: "hard_down" },
      { cls: "billing", disposition: "hard_down" },
      { cls: "billing", disposition: "client_fault" },
      { cls: "client_error", disposition: "client_fault" },
    ]);
  });

  test("case 13: error_map \"model_overloaded\": overloaded makes a 400 of that type transient", () => {
    const body = { error: { message: "The model is overloaded.", type: "model_overloaded", code: null } };
    expect(attribute("openai", 400, body, { errorMap: { model_overloaded: "overloaded" } })).toEqual({ cls: "overloaded", disposition: "transient" });
  });

  test("case 13: a Gemini 400 with API_KEY_INVALID is auth, a hard-down; the caller's own key in passthrough", () => {
    const body = {
      error: {
        code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT",
        details: [{ "@type": "type.googleapis.com/google.rpc.ErrorInfo", reason: "API_KEY_INVALID", domain: "googleapis.com" }],
      },
    };
    expect(extract("gemini", 400, body)).toEqual({
      status: 400, code: "400", type: "INVALID_ARGUMENT", contextSignal: false, keyRejected: true, message: body.error.message,
    });
    expect([attribute("gemini", 400, body), attribute("gemini", 403, { error: { ...body.error, code: 403 } }), attribute("gemini", 400, body, { passthrough: true })])
      .toEqual([{ cls: "auth", disposition: "hard_down" }, { cls: "auth", disposition: "hard_down" }, { cls: "auth", disposition: "client_fault" }]);
    // An ordinary INVALID_ARGUMENT stays the caller's fault.
    expect(attribute("gemini", 400, { error: { code: 400, message: "Invalid JSON payload.", status: "INVALID_ARGUMENT" } }))
      .toEqual({ cls: "client_error", disposition: "client_fault" });
  });
});

describe("context length per protocol (§5), with each vendor's real body", () => {
  const cases: [ProtocolName, string, unknown][] = [
    ["openai", "chat completions", {
      error: {
        message: "This model's maximum context length is 128000 tokens. However, your messages resulted in 130123 tokens. Please reduce the length of the messages.",
        type: "invalid_request_error", param: "messages", code: "context_length_exceeded",
      },
    }],
    ["openai", "a compatible server (vLLM): top-level message, no code", {
      object: "error", message: "This model's maximum context length is 32768 tokens. However, you requested 40000 tokens (39000 in the messages, 1000 in the completion).",
      type: "BadRequestError", param: null, code: 400,
    }],
    ["responses", "responses", {
      error: { message: "Your input exceeds the context window of this model. Please adjust your input and try again.", type: "invalid_request_error", param: "input", code: "context_length_exceeded" },
    }],
    ["anthropic", "prompt is too long", { type: "error", error: { type: "invalid_request_error", message: "prompt is too long: 215000 tokens > 200000 maximum" } }],
    ["anthropic", "input plus max_tokens", {
      type: "error",
      error: { type: "invalid_request_error", message: "input length and `max_tokens` exceed context limit: 197626 + 8192 > 200000, decrease input length or `max_tokens` and try again" },
    }],
    ["gemini", "token count exceeds the maximum", {
      error: { code: 400, message: "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).", status: "INVALID_ARGUMENT" },
    }],
    ["gemini", "input is longer than", {
      error: { code: 400, message: "Input is longer than the maximum number of tokens allowed for this model.", status: "INVALID_ARGUMENT" },
    }],
    ["bedrock", "Converse", { message: "Input is too long for requested model." }],
    ["bedrock", "Claude on Bedrock", { message: "The model returned the following errors: prompt is too long: 200049 tokens > 200000 maximum" }],
    ["bedrock", "a Gemini phrase", { message: "The input token count exceeds the maximum number of tokens allowed." }],
    ["cohere", "too many tokens", {
      id: "0b8e2f6e-7c9d-4a31-9f0e-2d6c1b5a4e3f",
      message: "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 4507. Try using a shorter prompt or enable prompt truncating.",
    }],
    ["cohere", "a \"too long\" phrasing", { id: "x", message: "invalid request: the input is too long for this model's context" }],
  ];

  test.each(cases)("%s (%s): a 400 is context_length", (p, _what, body) => {
    const raw = extract(p, 400, body);
    expect({ contextSignal: raw.contextSignal, ...attribute(p, 400, body) }).toEqual({ contextSignal: true, cls: "context_length", disposition: "context_length" });
  });

  test.each(cases)("%s (%s): the same body on a 429 or 5xx is no context error", (p, _what, body) => {
    expect([attribute(p, 429, body).cls, attribute(p, 500, body).cls, attribute(p, 503, body).cls]).toEqual(["rate_limit", "server_error", "server_error"]);
  });

  test("413 carries the signal too, except at Bedrock (400 only)", () => {
    const [, , openai] = cases[0]!;
    const [, , gemini] = cases[5]!;
    expect([extract("openai", 413, openai).contextSignal, extract("gemini", 413, gemini).contextSignal, extract("bedrock", 413, cases[9]![2]).contextSignal])
      .toEqual([true, true, false]);
  });

  test("look-alikes are not context errors", () => {
    expect([
      extract("anthropic", 413, { type: "error", error: { type: "request_too_large", message: "Request exceeds the maximum allowed number of bytes." } }),
      extract("gemini", 400, { error: { code: 400, message: "Request payload size exceeds the limit.", status: "INVALID_ARGUMENT" } }),
      extract("cohere", 413, { message: "Request entity too large" }),
      extract("openai", 400, { error: { message: "Invalid 'max_tokens': integer below minimum value.", type: "invalid_request_error", code: "integer_below_min_value" } }),
    ].map((r) => r.contextSignal)).toEqual([false, false, false, false]);
  });
});

describe("stage 1a fields per protocol (§5)", () => {
  test("OpenAI and Responses: code and type kept apart; Anthropic: type only", () => {
    expect([
      extract("openai", 429, { error: { message: "Rate limit reached", type: "requests", code: "rate_limit_exceeded" } }),
      extract("responses", 429, { error: { message: "You exceeded your current quota.", type: "insufficient_quota", code: null } }),
      extract("anthropic", 529, { type: "error", error: { type: "overloaded_error", message: "Overloaded" } }),
    ]).toEqual([
      { status: 429, code: "rate_limit_exceeded", type: "requests", contextSignal: false, keyRejected: false, message: "Rate limit reached" },
      { status: 429, type: "insufficient_quota", contextSignal: false, keyRejected: false, message: "You exceeded your current quota." },
      { status: 529, type: "overloaded_error", contextSignal: false, keyRejected: false, message: "Overloaded" },
    ]);
  });

  test("Bedrock: the exception name after the last # or /, from __type or else x-amzn-errortype", () => {
    const typeOf = (body: unknown, headers: Record<string, string> = {}) => extract("bedrock", 400, body, headers).type;
    expect([
      typeOf({ message: "Too many requests", __type: "com.amazonaws.bedrock.runtime#ThrottlingException" }),
      typeOf({ message: "m", __type: "aws/ServiceQuotaExceededException" }),
      typeOf({ message: "m" }, { "x-amzn-errortype": "ValidationException:http://internal.amazon.com/coral/com.amazon.bedrock/" }),
      typeOf({ message: "m", __type: "ThrottlingException" }, { "x-amzn-errortype": "ValidationException" }),
      typeOf("<html>Bad Gateway</html>", { "x-amzn-errortype": "ServiceUnavailableException" }),
      typeOf({ message: "m" }),
    ]).toEqual(["ThrottlingException", "ServiceQuotaExceededException", "ValidationException", "ThrottlingException", "ServiceUnavailableException", undefined]);
    expect([exceptionName("a.b#C:http://x/y/"), exceptionName("#"), exceptionName("")]).toEqual(["C", undefined, undefined]);
    // error_map keys on the bare name.
    expect(classify(extract("bedrock", 400, { message: "The request exceeds your quota.", __type: "com.amazonaws.bedrock#ServiceQuotaExceededException" }), { ServiceQuotaExceededException: "billing" }))
      .toBe("billing");
  });

  test("Cohere: error_type when present; a bad body falls back to the status", () => {
    expect([
      extract("cohere", 429, { message: "slow down", error_type: "rate_limited" }),
      extract("cohere", 502, "<html>Bad Gateway</html>"),
    ]).toEqual([
      { status: 429, type: "rate_limited", contextSignal: false, keyRejected: false, message: "slow down" },
      { status: 502, contextSignal: false, keyRejected: false, message: "The upstream answered HTTP 502." },
    ]);
  });
});
