// The loss ledger (spec README): every field a translation could not carry, with why. Nothing is dropped silently.
export type DropReason = "source_only" | "no_target_analog" | "clamped" | "capability_gate";

export interface Drop {
  readonly field: string;
  readonly reason: DropReason;
}

export class Ledger {
  private readonly seen = new Map<string, DropReason>();

  /** Records a dropped or degraded field path (e.g. `seed`, `messages[2].content[0].cache_control`). */
  add(field: string, reason: DropReason): void {
    if (!this.seen.has(field)) this.seen.set(field, reason);
  }

  get drops(): Drop[] {
    return [...this.seen].map(([field, reason]) => ({ field, reason }));
  }

  get empty(): boolean {
    return this.seen.size === 0;
  }

  /** The `x-busbar-dropped` header value. */
  header(): string {
    return [...this.seen.keys()].join(",");
  }
}
