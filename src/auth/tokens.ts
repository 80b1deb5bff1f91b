// Static client tokens, compared in constant time (platform.md §2): SHA-256 both sides, compare the 32-byte
// digests with timingSafeEqual and OR-fold over every entry, so neither a near-miss nor a token's position
// in the list shows in the timing.
import { createHash, timingSafeEqual } from "node:crypto";

function digest(s: string): Buffer {
  return createHash("sha256").update(s, "utf8").digest();
}

export class TokenSet {
  private readonly digests: readonly Buffer[];

  constructor(tokens: readonly string[]) {
    this.digests = tokens.filter((t) => t.length > 0).map(digest);
  }

  get size(): number {
    return this.digests.length;
  }

  matches(presented: string): boolean {
    if (presented.length === 0) return false;
    const d = digest(presented);
    let hit = false;
    for (const known of this.digests) hit = timingSafeEqual(d, known) || hit;
    return hit;
  }
}
