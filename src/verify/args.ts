// `busbar verify` argv → its options. Pure, like cli/args.ts, so every form is testable.
export interface VerifyCommand {
  readonly kind: "verify";
  readonly config?: string;
  readonly providers?: string;
  /** Pools to verify, in the order given; empty = every pool of the config. */
  readonly pools: readonly string[];
  readonly json: boolean;
  /** A case with no complete answer by then is a hang, and is aborted. */
  readonly hangAfterMs: number;
}

export const DEFAULT_HANG_AFTER_SECS = 30;
/** Longer than the longest default gateway timer (300 s upstream timeouts) would only make a run slower. */
const MAX_HANG_AFTER_SECS = 600;

export type VerifyParse = VerifyCommand | { readonly kind: "help" } | { readonly kind: "usage-error"; readonly message: string };

export function parseVerifyArgs(args: readonly string[]): VerifyParse {
  let config: string | undefined;
  let providers: string | undefined;
  const pools: string[] = [];
  let json = false;
  let hangAfterSecs = DEFAULT_HANG_AFTER_SECS;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = a.indexOf("=");
    const flag = a.startsWith("--") && eq > 0 ? a.slice(0, eq) : a;
    const value = (): string | undefined => {
      if (flag !== a) return a.slice(eq + 1);
      const v = args[i + 1];
      if (v === undefined || v.startsWith("--")) return undefined;
      i++;
      return v;
    };
    switch (flag) {
      case "--config": { const v = value(); if (v === undefined) return err("--config needs a path"); config = v; break; }
      case "--providers": { const v = value(); if (v === undefined) return err("--providers needs a path"); providers = v; break; }
      case "--pool": { const v = value(); if (v === undefined || v === "") return err("--pool needs a pool name"); if (!pools.includes(v)) pools.push(v); break; }
      case "--hang-after": {
        const v = Number(value());
        if (!Number.isFinite(v) || v <= 0 || v > MAX_HANG_AFTER_SECS) return err(`--hang-after takes seconds, above 0 and at most ${MAX_HANG_AFTER_SECS}`);
        hangAfterSecs = v;
        break;
      }
      case "--json": json = true; break;
      case "--help": case "-h": return { kind: "help" };
      default: return err(`unknown argument to verify: ${a}`);
    }
  }
  return {
    kind: "verify",
    ...(config !== undefined && { config }),
    ...(providers !== undefined && { providers }),
    pools,
    json,
    hangAfterMs: Math.round(hangAfterSecs * 1000),
  };
}

function err(message: string): VerifyParse {
  return { kind: "usage-error", message };
}
