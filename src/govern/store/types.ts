// The governance store contract (platform.md §3.7, spec README platform decision 3). Every implementation
// (memory, sqlite, redis, later postgres) passes the same contract suite (tests/govern/store-contract.ts).
//
// Exactness across instances: admission RESERVES the worst-case cost and tokens of a request atomically across
// the key's whole limit chain (RPM, TPM, budget) in one store round trip, and SETTLES to the real usage when the
// request ends (or releases on failure). Counters are never read-modify-written in application code.
//
// Money is integer micro-cents (1 ¢ = 1e6 µ¢); JS numbers hold integers exactly up to 2^53 µ¢ (~90 M$), which
// every store must keep (Redis INCRBY and SQLite INTEGER are 64-bit).

export type BudgetPeriod = "total" | "daily" | "monthly";

/** A virtual key as stored: never the secret, only its SHA-256 (hex). */
export interface KeyRecord {
  /** `vk_` + 16 hex, independent of the secret. */
  readonly id: string;
  /** SHA-256 hex of the `sk-bb-…` secret: the lookup key. */
  readonly hash: string;
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Empty = every pool. */
  readonly allowedPools: readonly string[];
  /** Undefined = no cap. */
  readonly maxBudgetMicros: number | undefined;
  readonly budgetPeriod: BudgetPeriod;
  readonly rpmLimit: number | undefined;
  readonly tpmLimit: number | undefined;
  readonly enabled: boolean;
  /** Epoch ms; undefined = never expires. */
  readonly expiresAt: number | undefined;
  /** Epoch ms. */
  readonly createdAt: number;
  /** AWS-style pair for SigV4 callers (platform.md §3.1): the access key id is a lookup key too. */
  readonly aws?: { readonly accessKeyId: string; readonly secret: string };
}

/** Fields a PATCH may change; `undefined` = keep, `null` = clear (unlimited / never). */
export type KeyPatch = {
  readonly [K in "name" | "labels" | "allowedPools" | "budgetPeriod" | "enabled"]?: KeyRecord[K];
} & {
  readonly [K in "maxBudgetMicros" | "rpmLimit" | "tpmLimit" | "expiresAt"]?: number | null;
};

/** The limits in force for one admission, copied from the key record (the store does not re-read the key). */
export interface AdmitLimits {
  readonly maxBudgetMicros: number | undefined;
  readonly budgetPeriod: BudgetPeriod;
  readonly rpmLimit: number | undefined;
  readonly tpmLimit: number | undefined;
}

export interface AdmitRequest {
  readonly keyId: string;
  /** Unique per request (e.g. the request id + a random suffix): names the reservation. */
  readonly reservationId: string;
  /** Epoch ms of admission: fixes the budget window and the RPM/TPM minute. */
  readonly now: number;
  readonly limits: AdmitLimits;
  /** The per-request fee (charged at admission, refunded when the request ends without a 2xx). */
  readonly feeMicros: number;
  /** Worst-case token cost, reserved now and settled later. */
  readonly reserveMicros: number;
  /** Worst-case tokens, reserved against the TPM minute. */
  readonly reserveTokens: number;
  /** Epoch ms after which `reconcile` may release this reservation (a crashed instance's leftovers). */
  readonly leaseUntil: number;
}

export type AdmitResult =
  | { readonly ok: true }
  /** Seconds until the minute window ends, >= 1. */
  | { readonly ok: false; readonly reason: "rpm" | "tpm"; readonly retryAfterSecs: number }
  | { readonly ok: false; readonly reason: "budget" };

export interface Settlement {
  readonly keyId: string;
  readonly reservationId: string;
  /** The admission's `now` (the windows it charged); usage lands in the admission window (§3.3). */
  readonly admittedAt: number;
  readonly budgetPeriod: BudgetPeriod;
  /** Real token cost (0 when the request failed or usage is missing). */
  readonly costMicros: number;
  readonly tokens: number;
  /** False = the request ended without a 2xx: the fee is refunded (spend floored at 0). */
  readonly success: boolean;
  /** What admission charged, so a settle whose reservation was already reconciled still lands exactly. */
  readonly feeMicros: number;
  readonly reserveMicros: number;
  readonly reserveTokens: number;
}

/** The current window's totals for a key (`GET /api/v1/admin/keys/{id}/usage`). */
export interface KeyUsage {
  readonly windowStart: number;
  readonly spendMicros: number;
  readonly tokens: number;
  readonly requests: number;
}

export type StoreKind = "memory" | "sqlite" | "redis" | "postgres";

export interface GovernanceStore {
  readonly kind: StoreKind;

  /** Fails with `KeyConflict` when the id, hash or AWS access key id already exists. */
  createKey(k: KeyRecord): Promise<void>;
  keyByHash(hash: string): Promise<KeyRecord | undefined>;
  keyByAwsAccessKeyId(accessKeyId: string): Promise<KeyRecord | undefined>;
  getKey(id: string): Promise<KeyRecord | undefined>;
  /** Oldest first (`createdAt`, then `id`). */
  listKeys(): Promise<KeyRecord[]>;
  /** Undefined when the id is unknown. */
  updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined>;
  /** False when the id is unknown. Usage rows may stay (they are keyed by id and never reused). */
  deleteKey(id: string): Promise<boolean>;

  /**
   * One atomic step, in this order (platform.md §3.2): RPM (count < limit, else reject, consuming nothing),
   * TPM (reject when tokens in the minute >= limit, except the minute's first request), budget
   * (spend + fee + reserve <= cap, else reject). On success: minute count + 1, minute tokens + reserveTokens,
   * window spend + fee + reserveMicros, window requests + 1, and the reservation recorded with its lease.
   * Minute counters exist only for admissions with an RPM or TPM limit. A reservation id already in use, or an
   * amount that is not a non-negative safe integer, is a caller bug: it throws and changes nothing.
   */
  admit(r: AdmitRequest): Promise<AdmitResult>;
  /**
   * Replaces the reservation by the real usage: spend += costMicros - reserveMicros (- fee when !success),
   * minute tokens += tokens - reserveTokens, window tokens += tokens; floors at 0. Idempotent per reservation id:
   * a second settle is a no-op. When the reservation was already released by `reconcile`, the real usage is
   * still added (spend += costMicros (- fee when !success), tokens += tokens) so nothing is lost: either way the
   * request ends up charged costMicros + (success ? fee : 0). A settle more than `RELEASED_KEEP_MS` (amounts.ts,
   * 24 h) after its lease ended finds nothing and is dropped.
   */
  settle(s: Settlement): Promise<void>;
  /**
   * Releases reservations whose lease ended before `now` (their reserve is returned; the fee is kept) and returns
   * how many; also forgets old minute counters and released markers. Call it periodically from every instance.
   */
  reconcile(now: number): Promise<number>;
  usage(keyId: string, period: BudgetPeriod, now: number): Promise<KeyUsage>;
  /**
   * Adds one settled request to a pool's account (`poolAccount(name)`) in its total, daily and monthly windows at
   * `at`: `usage(poolAccount(name), period, now)` reads them back. Reporting only (no limit reads it), so it is a
   * separate, commutative step after settlement.
   */
  addPoolUsage(pool: string, at: number, spendMicros: number, tokens: number): Promise<void>;
  /** Zeroes the key's current budget window and minute counters. */
  resetUsage(keyId: string, period: BudgetPeriod, now: number): Promise<void>;
  /** Cheap liveness probe (`/healthz` detail, boot). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The account a pool's usage is kept under: key ids are `vk_…`, so it never meets a key's. */
export function poolAccount(pool: string): string {
  return `pool:${pool}`;
}

export const PERIODS: readonly BudgetPeriod[] = ["total", "daily", "monthly"];

export class KeyConflict extends Error {
  override readonly name = "KeyConflict";
}

/** Start of the budget window containing `now` (UTC; platform.md §3.1). */
export function windowStart(period: BudgetPeriod, now: number): number {
  switch (period) {
    case "total":
      return 0;
    case "daily":
      return now - (((now % 86_400_000) + 86_400_000) % 86_400_000);
    case "monthly": {
      const d = new Date(now);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    default: {
      const never: never = period;
      throw new Error(`unknown budget period ${String(never)}`);
    }
  }
}

/** Start of the 60 s rate window (platform.md §3.4) and the seconds left in it (>= 1). */
export function minuteOf(now: number): { readonly start: number; readonly retryAfterSecs: number } {
  const start = now - (now % 60_000);
  return { start, retryAfterSecs: Math.max(1, Math.ceil((start + 60_000 - now) / 1000)) };
}
