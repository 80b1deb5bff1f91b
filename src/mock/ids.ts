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
  uuid,
} as const;
