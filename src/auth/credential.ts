// Where a caller's credential is found (platform.md §2; protocols.md §2.2): one value, fixed carrier order.
export type Carrier = "bearer" | "x-api-key" | "x-goog-api-key" | "query-key";

export interface PresentedCredential {
  readonly value: string;
  readonly carrier: Carrier;
}

/**
 * `Authorization: Bearer` (scheme case-insensitive) > `x-api-key` > `x-goog-api-key` > Gemini `?key=`.
 * Blank values count as absent; a non-Bearer `Authorization` (Basic, SigV4) falls through.
 */
export function extractCredential(headers: Headers, geminiQueryKey: string | undefined): PresentedCredential | undefined {
  const authz = headers.get("authorization");
  if (authz !== null && authz.length > 7 && authz.slice(0, 7).toLowerCase() === "bearer ") {
    const v = authz.slice(7).trim();
    if (v.length > 0) return { value: v, carrier: "bearer" };
  }
  for (const carrier of ["x-api-key", "x-goog-api-key"] as const) {
    const v = headers.get(carrier)?.trim();
    if (v) return { value: v, carrier };
  }
  if (geminiQueryKey) return { value: geminiQueryKey, carrier: "query-key" };
  return undefined;
}
