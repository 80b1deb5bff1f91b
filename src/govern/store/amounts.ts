// Input checks and retention periods shared by every store, so they all refuse and forget the same things.
import type { AdmitRequest, AdmitResult, BudgetPeriod, Settlement } from "./types.ts";

/** A minute counter is kept this long after its minute starts (Redis TTL; SQL and memory prune in `reconcile`). */
export const MINUTE_KEEP_MS = 120_000;

/**
 * A reservation released by `reconcile` leaves a marker this long after its lease ended, so a late `settle` still
 * lands its real usage (and a second one is still a no-op). A settle later than that is dropped.
 */
export const RELEASED_KEEP_MS = 86_400_000;

const isAmount = (n: number): boolean => Number.isSafeInteger(n) && n >= 0;
const isLimit = (n: number | undefined): boolean => n === undefined || isAmount(n);

/** Amounts are integer µ¢ / tokens; a fraction or NaN here is a caller bug, never something to store. */
export function checkAdmit(r: AdmitRequest): void {
  if (!(isAmount(r.now) && isAmount(r.feeMicros) && isAmount(r.reserveMicros) && isAmount(r.reserveTokens)
    && Number.isSafeInteger(r.leaseUntil) && isLimit(r.limits.maxBudgetMicros) && isLimit(r.limits.rpmLimit)
    && isLimit(r.limits.tpmLimit) && isAmount(r.feeMicros + r.reserveMicros))) {
    throw new RangeError(`admit ${r.reservationId}: amounts must be non-negative safe integers`);
  }
}

export function checkSettle(s: Settlement): void {
  if (!(isAmount(s.admittedAt) && isAmount(s.costMicros) && isAmount(s.tokens) && isAmount(s.feeMicros)
    && isAmount(s.reserveMicros) && isAmount(s.reserveTokens))) {
    throw new RangeError(`settle ${s.reservationId}: amounts must be non-negative safe integers`);
  }
}

/** End (exclusive) of the budget window that starts at `start`; undefined for `total`, which never ends. */
export function windowEnd(period: BudgetPeriod, start: number): number | undefined {
  switch (period) {
    case "total":
      return undefined;
    case "daily":
      return start + 86_400_000;
    case "monthly": {
      const d = new Date(start);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1);
    }
    default: {
      const never: never = period;
      throw new Error(`unknown budget period ${String(never)}`);
    }
  }
}

/**
 * The spend and minute-token changes a settle makes. `held` = the reservation was still in force; otherwise
 * `reconcile` already returned its reserve and only the real usage (less a refunded fee) lands. Either way the
 * request ends up charged `cost + (success ? fee : 0)`.
 */
export function settleDeltas(s: Settlement, held: boolean): { spend: number; minuteTokens: number } {
  const refund = s.success ? 0 : s.feeMicros;
  return held
    ? { spend: s.costMicros - s.reserveMicros - refund, minuteTokens: s.tokens - s.reserveTokens }
    : { spend: s.costMicros - refund, minuteTokens: s.tokens };
}

/** A store's one-word admission verdict ("ok", "rpm", "tpm", "budget") as an AdmitResult; anything else is a bug. */
export function admitResult(store: string, reply: unknown, retryAfterSecs: number): AdmitResult {
  switch (reply) {
    case "ok":
      return { ok: true };
    case "rpm":
    case "tpm":
      return { ok: false, reason: reply, retryAfterSecs };
    case "budget":
      return { ok: false, reason: "budget" };
    default:
      throw new Error(`governance store (${store}): unexpected reply to admit: ${String(reply)}`);
  }
}
