// The signature stash (spec README D1): Gemini signs its function calls (`thoughtSignature`) and rejects a
// history whose calls lost their signature, but OpenAI, Anthropic and the others have nowhere to carry it. The
// seam keeps each signature here, keyed by the tool-call id the caller saw, and re-attaches it when the caller
// sends that call back. Bounded in entries and age, so it cannot grow without limit.
import type { Signature } from "./content.ts";

export class SignatureStash {
  private readonly entries = new Map<string, { sig: Signature; at: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  put(toolId: string, sig: Signature): void {
    this.entries.delete(toolId); // re-insert at the end: Map order is the eviction order
    this.entries.set(toolId, { sig, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest === undefined) break;
      this.entries.delete(oldest);
    }
  }

  get(toolId: string): Signature | undefined {
    const e = this.entries.get(toolId);
    if (e === undefined) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.entries.delete(toolId);
      return undefined;
    }
    return e.sig;
  }

  get size(): number {
    return this.entries.size;
  }
}
