// Id minting, injectable so golden tests are deterministic (protocols.md §9.1).
import { randomBytes, randomUUID } from "node:crypto";

export interface IdMinter {
  /** `n` characters of [0-9A-Za-z]. */
  base62(n: number): string;
  uuid(): string;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

export const randomIds: IdMinter = {
  base62(n) {
    const bytes = randomBytes(n);
    let s = "";
    for (let i = 0; i < n; i++) s += ALPHABET[bytes[i]! % 62];
    return s;
  },
  uuid: () => randomUUID(),
};

/** Deterministic ids for tests: a counter rendered in the requested shape. */
export function sequentialIds(): IdMinter {
  let n = 0;
  return {
    base62(len) {
      n++;
      return String(n).padStart(len, "0").slice(-len);
    },
    uuid() {
      n++;
      return `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
    },
  };
}
