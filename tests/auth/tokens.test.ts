import { describe, expect, test } from "bun:test";
import { extractCredential } from "../../src/auth/credential.ts";
import { TokenSet } from "../../src/auth/tokens.ts";

describe("TokenSet", () => {
  test("matches any configured token, never a near miss or the empty string", () => {
    const t = new TokenSet(["alpha-token", "", "beta-token"]);
    expect([t.size, t.matches("alpha-token"), t.matches("beta-token"), t.matches("alpha-tokeN"), t.matches("Alpha-token"), t.matches("")])
      .toEqual([2, true, true, false, false, false]);
  });
});

describe("extractCredential", () => {
  const h = (o: Record<string, string>) => new Headers(o);
  test("carrier order and fall-through (platform.md §2, B3)", () => {
    expect([
      extractCredential(h({ authorization: "bearer A", "x-api-key": "B" }), "Q"),
      extractCredential(h({ authorization: "Basic x", "x-api-key": "B" }), undefined),
      extractCredential(h({ authorization: "Bearer   ", "x-goog-api-key": "G" }), undefined),
      extractCredential(h({ "x-api-key": " " }), "Q"),
      extractCredential(h({}), undefined),
    ]).toEqual([
      { value: "A", carrier: "bearer" },
      { value: "B", carrier: "x-api-key" },
      { value: "G", carrier: "x-goog-api-key" },
      { value: "Q", carrier: "query-key" },
      undefined,
    ]);
  });
});
