// Governed admission (platform.md §3.2): virtual key → allowed pools (the target and every fallback pool it can
// reach) → one atomic store step that checks RPM, TPM and budget and reserves the worst case (spec README platform
// decision 3) → forward. Settlement replaces the reservation by the real usage when the request ends.
// Outcomes are values; the caller renders rejections in its own dialect.
import type { GovernanceSpec } from "../config/model.ts";
import type { GatewayError } from "../ir/errors.ts";
import type { Logger } from "../observe/log.ts";
import { timers } from "../route/timers.ts";
import { hashSecret } from "./keys.ts";
import { SecretSeal } from "./seal.ts";
import type { AdmitResult, GovernanceStore, KeyRecord } from "./store/types.ts";

/** What an admitted request carries until it settles. */
export interface Ticket {
  readonly key: KeyRecord;
  readonly reservationId: string;
  readonly admittedAt: number;
  readonly feeMicros: number;
  readonly reserveMicros: number;
  readonly reserveTokens: number;
  /** The pool the request named (usage per pool is kept under its account). */
  readonly pool: string | undefined;
  /** False when the store was down and `budget_on_store_error: allow` let the request through uncharged. */
  readonly charged: boolean;
}

export type Admission =
  | { readonly ok: true; readonly ticket: Ticket }
  | {
    readonly ok: false;
    readonly error: GatewayError;
    /** The bucket that blocked (platform.md §3.2), for `busbar_governance_rejections_total` and the trace. */
    readonly decision: "pool_denied" | "rate_limited" | "over_budget" | "store_error";
    /** for the log only */
    readonly reason: string;
  };

export interface AdmitInput {
  readonly key: KeyRecord;
  /** The target pool and every pool reachable through `on_exhausted: fallback_pool`. */
  readonly pools: readonly string[];
  readonly requestId: string;
  readonly reserveMicros: number;
  readonly reserveTokens: number;
}

// Vendor-plausible messages that never name keys, pools or budgets (platform.md §3.5).
const NOT_ALLOWED: GatewayError = { kind: "permission", message: "You do not have access to this model." };
const OVER_BUDGET: GatewayError = { kind: "quota", message: "You exceeded your current quota, please check your plan and billing details." };
/** Names the bucket that blocked (requests or tokens per minute), never the key or its numbers (§3.5). */
const rateLimited = (bucket: "rpm" | "tpm", retryAfter: number): GatewayError => ({
  kind: "rate_limit",
  message: `Rate limit reached for ${bucket === "rpm" ? "requests" : "tokens"} per minute. Please try again in ${retryAfter}s.`,
  retryAfter,
});

interface CachedKey {
  readonly key: KeyRecord | undefined;
  readonly until: number;
}

/** Bounds the per-instance key cache; a flood of unknown secrets evicts oldest-first instead of growing. */
const KEY_CACHE_MAX = 10_000;

/**
 * A store that accepts connections but never answers must not hold requests: admission gives up after this long and
 * is treated as a store error (`budget_on_store_error` decides). Far above a healthy round trip (tens of µs).
 */
export const ADMIT_TIMEOUT_MS = 2_000;

/** Runs `fn` after `ms` unless cancelled; injectable so the timeout is testable without waiting. */
export type Schedule = (ms: number, fn: () => void) => { cancel(): void };
const onWheel: Schedule = (ms, fn) => timers.schedule(ms, fn);

class AdmitTimeout extends Error {
  override readonly name = "AdmitTimeout";
}

export interface GovernorOptions {
  readonly schedule?: Schedule;
  readonly admitTimeoutMs?: number;
}

export class Governor {
  private readonly cache = new Map<string, CachedKey>();
  private readonly inflight = new Map<string, Promise<KeyRecord | undefined>>();

  private readonly schedule: Schedule;
  private readonly seal: SecretSeal | undefined;
  private readonly admitTimeoutMs: number;
  private reconcileTimer: ReturnType<typeof setInterval> | undefined;
  /** Store failures by operation, for `busbar_store_errors_total{op}` (platform.md §5.2, GOV-07). */
  readonly storeErrors: Record<string, number> = {};

  constructor(
    readonly spec: GovernanceSpec,
    readonly store: GovernanceStore,
    private readonly nowMs: () => number,
    private readonly log: Logger,
    opts: GovernorOptions = {},
  ) {
    this.schedule = opts.schedule ?? onWheel;
    this.admitTimeoutMs = opts.admitTimeoutMs ?? ADMIT_TIMEOUT_MS;
    this.seal = spec.encryptionKey === undefined ? undefined : new SecretSeal(spec.encryptionKey);
  }

  private storeError(op: string): void {
    this.storeErrors[op] = (this.storeErrors[op] ?? 0) + 1;
  }

  /** How a minted AWS secret is kept: sealed when `encryption_key_env` is set, else as it is. */
  keepAwsSecret(secret: string): string {
    return this.seal === undefined ? secret : this.seal.seal(secret);
  }

  /** The usable AWS secret of a key; undefined when it is sealed with another key (or tampered with). */
  awsSecret(key: KeyRecord): string | undefined {
    const kept = key.aws?.secret;
    if (kept === undefined) return undefined;
    if (!SecretSeal.isSealed(kept)) return kept; // minted before encryption was turned on
    return this.seal?.open(kept);
  }

  /**
   * Releases reservations whose lease ended (a crashed instance's leftovers) now and then every `everyMs`; every
   * instance runs it, the stores make it safe to race.
   */
  startReconciling(everyMs = 60_000): void {
    const run = () => {
      this.store.reconcile(this.nowMs()).then(
        (n) => { if (n > 0) this.log.info("governance reservations released", { count: n }); },
        (e: unknown) => {
          this.storeError("reconcile");
          this.log.warn("governance store error", { op: "reconcile", error: e instanceof Error ? e.name : "unknown" });
        },
      );
    };
    run();
    this.reconcileTimer = setInterval(run, everyMs);
    this.reconcileTimer.unref?.();
  }

  /** Shutdown (platform.md §6.5): settlements still on their way are written first, so no usage is lost. */
  async close(): Promise<void> {
    if (this.reconcileTimer !== undefined) clearInterval(this.reconcileTimer);
    await Promise.allSettled([...this.settling]);
    await this.store.close();
  }

  /**
   * The key a presented secret names, if it is usable now. Hits and misses are cached for `key_cache_ms`, so a
   * disable or delete is visible on every instance within that time (§3.7). A store failure is no key (fail closed
   * for authentication; budgets have their own switch).
   */
  async authenticate(secret: string): Promise<{ key: KeyRecord } | { key: undefined; reason: string }> {
    const hash = hashSecret(secret);
    const key = await this.lookup(hash, (h) => this.store.keyByHash(h));
    return this.usable(key);
  }

  /** SigV4 callers name their key by access key id; the caller then verifies the signature with `key.aws.secret`. */
  async authenticateAws(accessKeyId: string): Promise<{ key: KeyRecord } | { key: undefined; reason: string }> {
    const key = await this.lookup(`aws:${accessKeyId}`, () => this.store.keyByAwsAccessKeyId(accessKeyId));
    return this.usable(key);
  }

  private usable(key: KeyRecord | undefined): { key: KeyRecord } | { key: undefined; reason: string } {
    if (key === undefined) return { key: undefined, reason: "unknown virtual key" };
    if (!key.enabled) return { key: undefined, reason: `virtual key ${key.id} is disabled` };
    if (key.expiresAt !== undefined && key.expiresAt <= this.nowMs()) return { key: undefined, reason: `virtual key ${key.id} has expired` };
    return { key };
  }

  private async lookup(cacheKey: string, load: (k: string) => Promise<KeyRecord | undefined>): Promise<KeyRecord | undefined> {
    const now = this.nowMs();
    const hit = this.cache.get(cacheKey);
    if (hit !== undefined && hit.until > now) return hit.key;
    const pending = this.inflight.get(cacheKey);
    if (pending !== undefined) return pending;
    const p = load(cacheKey).then(
      (key) => {
        if (this.spec.keyCacheMs > 0) {
          if (this.cache.size >= KEY_CACHE_MAX) this.cache.delete(this.cache.keys().next().value as string);
          this.cache.set(cacheKey, { key, until: this.nowMs() + this.spec.keyCacheMs });
        }
        return key;
      },
      (e: unknown) => {
        this.storeError("key_lookup");
        this.log.warn("governance store error", { op: "key_lookup", error: e instanceof Error ? e.name : "unknown" });
        return undefined;
      },
    ).finally(() => this.inflight.delete(cacheKey));
    this.inflight.set(cacheKey, p);
    return p;
  }

  /** Drops this instance's cached copy (the admin API calls it after a change made here). */
  forget(key: KeyRecord): void {
    this.cache.delete(key.hash);
    if (key.aws !== undefined) this.cache.delete(`aws:${key.aws.accessKeyId}`);
  }

  async admit(a: AdmitInput): Promise<Admission> {
    const { key } = a;
    if (key.allowedPools.length > 0) {
      const denied = a.pools.find((p) => !key.allowedPools.includes(p));
      if (denied !== undefined) return { ok: false, error: NOT_ALLOWED, decision: "pool_denied", reason: `pool ${denied} not allowed for ${key.id}` };
    }
    const now = this.nowMs();
    const reservationId = `${a.requestId}.${now.toString(36)}.${Math.random().toString(36).slice(2, 8)}`;
    const ticket: Ticket = {
      key, reservationId, admittedAt: now, feeMicros: this.spec.feeMicros,
      reserveMicros: a.reserveMicros, reserveTokens: a.reserveTokens, pool: a.pools[0], charged: true,
    };
    let result: AdmitResult;
    try {
      const admitted = this.store.admit({
        keyId: key.id,
        reservationId,
        now,
        limits: { maxBudgetMicros: key.maxBudgetMicros, budgetPeriod: key.budgetPeriod, rpmLimit: key.rpmLimit, tpmLimit: key.tpmLimit },
        feeMicros: ticket.feeMicros,
        reserveMicros: a.reserveMicros,
        reserveTokens: a.reserveTokens,
        leaseUntil: now + this.spec.reservationLeaseSecs * 1000,
      });
      let timer: { cancel(): void } | undefined;
      const timedOut = new Promise<never>((_, reject) => { timer = this.schedule(this.admitTimeoutMs, () => reject(new AdmitTimeout())); });
      try {
        result = await Promise.race([admitted, timedOut]);
      } finally {
        timer?.cancel();
      }
    } catch (e) {
      this.storeError("admit");
        this.log.warn("governance store error", { op: "admit", key: key.id, error: e instanceof Error ? e.name : "unknown" });
      if (this.spec.onStoreError === "deny") return { ok: false, error: OVER_BUDGET, decision: "store_error", reason: "store error, budget_on_store_error: deny" };
      return { ok: true, ticket: { ...ticket, charged: false } };
    }
    if (result.ok) return { ok: true, ticket };
    switch (result.reason) {
      case "rpm":
      case "tpm":
        return { ok: false, error: rateLimited(result.reason, result.retryAfterSecs), decision: "rate_limited", reason: `${result.reason} limit of ${key.id}` };
      case "budget":
        return { ok: false, error: OVER_BUDGET, decision: "over_budget", reason: `budget of ${key.id}` };
      default: {
        const never: never = result;
        throw new Error(`unknown admission result ${String(never)}`);
      }
    }
  }

  /** Never throws: a store failure here is logged and counted, and the reservation's lease releases it later. */
  settle(t: Ticket, usage: { costMicros: number; tokens: number; success: boolean }): Promise<void> {
    if (!t.charged) return Promise.resolve();
    const p = this.write(t, usage);
    this.settling.add(p);
    void p.finally(() => this.settling.delete(p));
    return p;
  }

  private readonly settling = new Set<Promise<void>>();

  private async write(t: Ticket, usage: { costMicros: number; tokens: number; success: boolean }): Promise<void> {
    try {
      await this.store.settle({
        keyId: t.key.id,
        reservationId: t.reservationId,
        admittedAt: t.admittedAt,
        budgetPeriod: t.key.budgetPeriod,
        costMicros: usage.costMicros,
        tokens: usage.tokens,
        success: usage.success,
        feeMicros: t.feeMicros,
        reserveMicros: t.reserveMicros,
        reserveTokens: t.reserveTokens,
      });
    } catch (e) {
      this.storeError("settle");
        this.log.warn("governance store error", { op: "settle", key: t.key.id, error: e instanceof Error ? e.name : "unknown" });
      return;
    }
    if (t.pool === undefined) return;
    try {
      await this.store.addPoolUsage(t.pool, t.admittedAt, usage.costMicros + (usage.success ? t.feeMicros : 0), usage.tokens);
    } catch (e) {
      this.storeError("pool_usage");
        this.log.warn("governance store error", { op: "pool_usage", pool: t.pool, error: e instanceof Error ? e.name : "unknown" });
    }
  }
}
