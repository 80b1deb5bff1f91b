// Total accessors over parsed JSON (`unknown`), so protocol readers never cast wire data.
// The mock is deliberately lenient: a missing or mistyped field reads as empty, never throws.

export function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** `x[key]` when `x` is an object, else undefined. */
export function field(x: unknown, key: string): unknown {
  return isRecord(x) ? x[key] : undefined;
}

export function list(x: unknown): readonly unknown[] {
  return Array.isArray(x) ? x : [];
}

export function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

/** Parse a request body; undefined for an empty body, `malformed` when it is not JSON. */
export function parseBody(text: string): { readonly ok: true; readonly value: unknown } | { readonly ok: false } {
  if (text.trim() === "") return { ok: true, value: undefined };
  try {
    const value: unknown = JSON.parse(text);
    return { ok: true, value };
  } catch {
    return { ok: false };
  }
}
