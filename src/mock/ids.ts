// Deterministic ids in each vendor's format, derived from the mock's request counter so that
// replies are reproducible across runs (the formats follow protocols.md §7.1).

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** `n` in base 62, left-padded with `0` to `width` characters. */
export function base62(n: number, width: number): string {
  let out = "";
  let v = Math.max(0, Math.floor(n));
  do {
    out = BASE62.charAt(v % 62) + out;
    v = Math.floor(v / 62);
  } while (v > 0);
  return out.padStart(width, "0");
}

export function hex(n: number, width: number): string {
  return Math.max(0, Math.floor(n)).toString(16).padStart(width, "0");
}

/** A syntactically valid UUIDv4 whose last group carries `n`. */
export function uuid(n: number): string {
  return `00000000-0000-4000-8000-${hex(n, 12)}`;
}

export const ids = {
  chatCompletion: (n: number) => `chatcmpl-mock${base62(n, 20)}`,
  response: (n: number) => `resp_mock${base62(n, 44)}`,
  responseMessage: (n: number) => `msg_mock${base62(n, 44)}`,
  anthropicMessage: (n: number) => `msg_01mock${base62(n, 20)}`,
  anthropicRequest: (n: number) => `req_01mock${base62(n, 20)}`,
  geminiResponse: (n: number) => `mock${base62(n, 12)}`,
  requestId: (n: number) => `req_mock${hex(n, 24)}`,
  // Tool-call and reasoning ids: the vendor's prefix and length; `n` is the request, `i` the call's position.
  openaiCall: (n: number, i: number) => `call_mock${base62(n, 16)}${base62(i, 4)}`,
  responsesCall: (n: number, i: number) => `fc_mock${base62(n, 40)}${base62(i, 4)}`,
  responsesReasoning: (n: number) => `rs_mock${base62(n, 44)}`,
  anthropicToolUse: (n: number, i: number) => `toolu_01mock${base62(n, 14)}${base62(i, 4)}`,
  bedrockToolUse: (n: number, i: number) => `tooluse_mock${base62(n, 14)}${base62(i, 4)}`,
  /** Cohere v2 names a call after its tool: `get_weather_1byjy32y4hvq` (docs.cohere.com, tool use). */
  cohereCall: (name: string, n: number, i: number) => `${name}_mock${hex(n, 6)}${hex(i, 2)}`,
  uuid,
} as const;
