// What every protocol's `readError` shares (protocols.md §8, reliability.md §5 stage 1a): an upstream error body is
// parsed only up to a bound (a larger one is judged by its status alone), and the message kept is clipped.

const ERROR_PARSE_MAX = 64 * 1024;
const ERROR_MESSAGE_MAX = 500;

/** The body as JSON, or undefined when it is too large to parse or is not JSON. */
export function errorJson(body: string): unknown {
  if (body.length > ERROR_PARSE_MAX) return undefined;
  try {
    return JSON.parse(body);
  } catch {
    return undefined;
  }
}

export function clipMessage(s: string): string {
  return s.length > ERROR_MESSAGE_MAX ? `${s.slice(0, ERROR_MESSAGE_MAX)}…` : s;
}
