// The error presets as each vendor words them: the context-length message a gateway must recognise
// (reliability.md §5), the billing failure with its code, and the Retry-After header.
import { assertNever } from "../ir/protocol.ts";
import { presetStatus, type Behaviour } from "./behaviour.ts";
import type { ErrorDetail } from "./errors.ts";
import type { MockProtocolName } from "./protocol.ts";

export interface ErrorSpec extends ErrorDetail {
  readonly status: number;
  /** undefined: the status's default message. */
  readonly message?: string;
  /** The `Retry-After` header value, when there is one. */
  readonly retryAfter?: string;
}

/** An error behaviour: the kinds `presetStatus` knows. */
export type ErrorBehaviour = Extract<Behaviour, { kind: "rate_limited" | "server_error" | "unavailable" | "overloaded" | "unauthorized" | "forbidden" | "invalid_request" | "context_length" | "billing" | "error" }>;

export const DEFAULT_BILLING_CODE = "1113";
/** Zhipu GLM's wording for code 1113, the billing failure reliability.md §13.2 case 13 maps. */
const BILLING_MESSAGE = "Insufficient balance or no resource package. Please recharge.";

/**
 * Each vendor's context-length refusal, as its API words it, each matching the phrases stage 1a detects
 * (reliability.md §5). OpenAI adds the code `context_length_exceeded`.
 */
export function contextLengthMessage(protocol: MockProtocolName): string {
  switch (protocol) {
    case "openai": case "responses": case "embeddings":
      return "This model's maximum context length is 128000 tokens. However, your messages resulted in 131072 tokens. Please reduce the length of the messages.";
    case "anthropic":
      return "prompt is too long: 210000 tokens > 200000 maximum";
    case "gemini":
      return "The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).";
    case "bedrock":
      // Bedrock relays the model's own wording; this is the Gemini-style phrase §5 reads for Bedrock.
      return "The model returned the following errors: Input is too long for requested model. The input token count (210000) exceeds the maximum number of tokens allowed (200000).";
    case "cohere":
      return "too many tokens: total number of tokens in the prompt cannot exceed 4081 - received 5000. Try using a shorter prompt, or enabling prompt truncating.";
    default:
      return assertNever(protocol, "protocol");
  }
}

/** `retry_after` as given (seconds or text), or `retry_after_date_secs` as an HTTP-date that far ahead. */
export function retryAfterHeader(b: { readonly retry_after?: number | string; readonly retry_after_date_secs?: number }, now: number): string | undefined {
  if (b.retry_after_date_secs !== undefined) return new Date(now + b.retry_after_date_secs * 1000).toUTCString();
  return b.retry_after === undefined ? undefined : String(b.retry_after);
}

export function errorSpec(b: ErrorBehaviour, protocol: MockProtocolName, now: number): ErrorSpec {
  const status = presetStatus(b) ?? 500;
  const retryAfter = retryAfterHeader(b, now);
  const base = { status, ...(retryAfter === undefined ? {} : { retryAfter }), ...(b.message === undefined ? {} : { message: b.message }) };
  switch (b.kind) {
    case "context_length": {
      const openai = protocol === "openai" || protocol === "responses" || protocol === "embeddings";
      return { message: contextLengthMessage(protocol), ...base, ...(openai ? { code: "context_length_exceeded" } : {}) };
    }
    case "billing":
      return { message: BILLING_MESSAGE, ...base, code: b.code ?? DEFAULT_BILLING_CODE };
    case "error":
      return { ...base, ...(b.code === undefined ? {} : { code: b.code }), ...(b.type === undefined ? {} : { type: b.type }) };
    case "rate_limited": case "server_error": case "unavailable": case "overloaded":
    case "unauthorized": case "forbidden": case "invalid_request":
      return base;
    default:
      return assertNever(b, "error behaviour");
  }
}
