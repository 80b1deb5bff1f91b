// Id minting, injectable so golden tests are deterministic (protocols.md §9.1).

export interface IdMinter {
  /** `n` characters of [0-9A-Za-z]. */
  base62(n: number): string;
  uuid(): string;
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/**
 * Random bytes drawn from the CSPRNG 4 KiB at a time: `randomBytes(n)` per id allocated a Buffer and crossed into
 * native code for each of the two or three ids a translated response needs (~3 µs of ~100, CPU profile).
 */
const POOL = new Uint8Array(4096);
let poolAt = POOL.length;

function randomByte(): number {
  if (poolAt === POOL.length) {
    crypto.getRandomValues(POOL);
    poolAt = 0;
  }
  return POOL[poolAt++]!;
}

export const randomIds: IdMinter = {
  base62(n) {
    let s = "";
    for (let i = 0; i < n; i++) {
      // Rejection sampling keeps the alphabet uniform: 248 = 4 × 62.
      let b = randomByte();
      while (b >= 248) b = randomByte();
      s += ALPHABET[b % 62];
    }
    return s;
  },
  uuid: () => crypto.randomUUID(),
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
