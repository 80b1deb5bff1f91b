import { expect, test } from "bun:test";
import { hashSecret, mintAwsPair, mintKeyId, mintSecret, SECRET_PATTERN } from "../../src/govern/keys.ts";

test("secrets are sk-bb- + 64 hex, ids vk_ + 16 hex, and 1000 of each are distinct", () => {
  const secrets = new Set(Array.from({ length: 1000 }, mintSecret));
  const ids = new Set(Array.from({ length: 1000 }, mintKeyId));
  expect(secrets.size).toBe(1000);
  expect(ids.size).toBe(1000);
  for (const s of secrets) expect(s).toMatch(SECRET_PATTERN);
  for (const id of ids) expect(id).toMatch(/^vk_[0-9a-f]{16}$/);
});

test("every hex digit shows up in the secrets (no stuck nibble)", () => {
  const seen = new Set(Array.from({ length: 50 }, mintSecret).join("").slice(6));
  for (const c of "0123456789abcdef") expect(seen.has(c)).toBe(true);
});

test("AWS pairs look like AWS's: AKIA + 16 of [A-Z2-7], 40-char secret", () => {
  const { accessKeyId, secret } = mintAwsPair();
  expect(accessKeyId).toMatch(/^AKIA[A-Z2-7]{16}$/);
  expect(secret).toMatch(/^[A-Za-z0-9+/]{40}$/);
});

test("the stored hash is SHA-256 hex of the secret", () => {
  expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
});
