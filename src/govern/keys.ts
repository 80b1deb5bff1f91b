// Virtual-key material (platform.md §3.1): secrets from the OS CSPRNG (Web Crypto's getRandomValues), stored only
// as SHA-256; ids independent of the secret. Bedrock callers sign with SigV4, so their secret must stay usable
// for HMAC and is kept (docs/governance.md).
import { createHash } from "node:crypto";

const HEX = "0123456789abcdef";
/** AWS access key ids use upper-case letters and digits 2–7 after the `AKIA` prefix. */
const AWS_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const AWS_SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

function randomBytes(n: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(n));
}

function hex(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += HEX[b >> 4]! + HEX[b & 15]!;
  return s;
}

/** Unbiased: both alphabets have a power-of-two size, so masking the low bits is uniform. */
function fromAlphabet(alphabet: string, n: number): string {
  const mask = alphabet.length - 1;
  if ((alphabet.length & mask) !== 0) throw new Error("alphabet size must be a power of two");
  let s = "";
  for (const b of randomBytes(n)) s += alphabet[b & mask]!;
  return s;
}

/** `sk-bb-` + 64 hex: 256 bits. */
export function mintSecret(): string {
  return `sk-bb-${hex(randomBytes(32))}`;
}

/** `vk_` + 16 hex: used in logs, labels and the admin API; not derived from the secret. */
export function mintKeyId(): string {
  return `vk_${hex(randomBytes(8))}`;
}

export function mintAwsPair(): { accessKeyId: string; secret: string } {
  return { accessKeyId: `AKIA${fromAlphabet(AWS_ID_ALPHABET, 16)}`, secret: fromAlphabet(AWS_SECRET_ALPHABET, 40) };
}

/** The store's lookup key for a presented secret. */
export function hashSecret(secret: string): string {
  return createHash("sha256").update(secret, "utf8").digest("hex");
}

export const SECRET_PATTERN = /^sk-bb-[0-9a-f]{64}$/;
