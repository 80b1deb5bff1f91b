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

  /**
   * The `x-busbar-dropped` header value. Field names come from the caller's JSON, so anything a header cannot carry
   * (non-ASCII, controls, the `,` separator, `%` itself) is percent-encoded as UTF-8, and the list is cut at
   * HEADER_MAX bytes with a count of the rest (a caller can send any number of unknown fields).
   */
  header(): string {
    let out = "";
    let shown = 0;
    for (const field of this.seen.keys()) {
      const safe = headerSafe(field);
      if (out.length + safe.length + 1 > HEADER_MAX) break;
      out += (shown === 0 ? "" : ",") + safe;
      shown++;
    }
    const rest = this.seen.size - shown;
    return rest === 0 ? out : `${out}${shown === 0 ? "" : ","}...(${rest} more)`;
  }
}

/** Bounds `x-busbar-dropped`: servers commonly refuse header blocks over 8–16 KiB. */
export const HEADER_MAX = 2048;

const PLAIN = /^[\x21-\x24\x26-\x2b\x2d-\x7e]*$/;

function headerSafe(field: string): string {
  if (PLAIN.test(field)) return field;
  let out = "";
  for (const ch of field) {
    const c = ch.codePointAt(0) ?? 0;
    if (c >= 0x21 && c <= 0x7e && ch !== "," && ch !== "%") out += ch;
    else for (const b of Buffer.from(ch.length === 1 && c >= 0xd800 && c <= 0xdfff ? "\ufffd" : ch, "utf8")) out += `%${b.toString(16).toUpperCase().padStart(2, "0")}`;
  }
  return out;
}
