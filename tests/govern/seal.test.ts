import { expect, test } from "bun:test";
import { SecretSeal } from "../../src/govern/seal.ts";

test("sealed secrets open with the same key only, and every seal differs", () => {
  const s = new SecretSeal("passphrase-1");
  const a = s.seal("aws/secret+40chars");
  const b = s.seal("aws/secret+40chars");
  expect(a).not.toBe(b);
  expect(a).not.toContain("aws/secret");
  expect(s.open(a)).toBe("aws/secret+40chars");
  expect(new SecretSeal("passphrase-2").open(a)).toBeUndefined();
  const tampered = a.slice(0, -4) + (a.endsWith("AAAA") ? "BBBB" : "AAAA");
  expect(s.open(tampered)).toBeUndefined();
  expect(s.open("plain")).toBeUndefined();
  expect(SecretSeal.isSealed(a)).toBe(true);
});
