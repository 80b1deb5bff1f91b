// The in-process store (tests, demo): plain maps. Every operation runs to completion without an `await` inside,
// so on Bun's single thread each one is atomic by construction; nothing survives a restart.
import { checkAdmit, checkSettle, MINUTE_KEEP_MS, RELEASED_KEEP_MS, settleDeltas } from "./amounts.ts";
import { applyPatch, byCreation } from "./rows.ts";
import {
  type AdmitRequest, type AdmitResult, type BudgetPeriod, type GovernanceStore, KeyConflict, type KeyPatch,
  type KeyRecord, type KeyUsage, minuteOf, type Settlement, windowStart, PERIODS, poolAccount,
} from "./types.ts";

interface Window {
  spend: number;
  tokens: number;
  requests: number;
}

interface Minute {
  readonly start: number;
  count: number;
  tokens: number;
}

interface Reservation {
  readonly window: string;
  /** Undefined when the key had no rate limit (no minute counter was charged). */
  readonly minute: string | undefined;
  readonly reserveMicros: number;
  readonly reserveTokens: number;
  readonly leaseUntil: number;
  released: boolean;
}

const windowId = (keyId: string, period: BudgetPeriod, start: number): string => `${keyId}\n${period}\n${start}`;
const minuteId = (keyId: string, start: number): string => `${keyId}\n${start}`;

/** Copies the mutable parts so a caller holding the record cannot change the stored one. */
function copy(k: KeyRecord): KeyRecord {
  return { ...k, labels: { ...k.labels }, allowedPools: [...k.allowedPools], ...(k.aws && { aws: { ...k.aws } }) };
}

export class MemoryStore implements GovernanceStore {
  readonly kind = "memory";
  private readonly keys = new Map<string, KeyRecord>();
  private readonly byHash = new Map<string, string>();
  private readonly byAws = new Map<string, string>();
  private readonly windows = new Map<string, Window>();
  private readonly minutes = new Map<string, Minute>();
  private readonly reservations = new Map<string, Reservation>();

  async createKey(k: KeyRecord): Promise<void> {
    if (this.keys.has(k.id)) throw new KeyConflict(`key id ${k.id} already exists`);
    if (this.byHash.has(k.hash)) throw new KeyConflict("a key with this secret already exists");
    if (k.aws !== undefined && this.byAws.has(k.aws.accessKeyId)) {
      throw new KeyConflict(`AWS access key id ${k.aws.accessKeyId} already exists`);
    }
    this.keys.set(k.id, copy(k));
    this.byHash.set(k.hash, k.id);
    if (k.aws !== undefined) this.byAws.set(k.aws.accessKeyId, k.id);
  }

  async keyByHash(hash: string): Promise<KeyRecord | undefined> {
    return this.read(this.byHash.get(hash));
  }

  async keyByAwsAccessKeyId(accessKeyId: string): Promise<KeyRecord | undefined> {
    return this.read(this.byAws.get(accessKeyId));
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    return this.read(id);
  }

  private read(id: string | undefined): KeyRecord | undefined {
    const k = id === undefined ? undefined : this.keys.get(id);
    return k && copy(k);
  }

  async listKeys(): Promise<KeyRecord[]> {
    return [...this.keys.values()].map(copy).sort(byCreation);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const k = this.keys.get(id);
    if (k === undefined) return undefined;
    const next = applyPatch(k, patch);
    this.keys.set(id, next);
    return copy(next);
  }

  async deleteKey(id: string): Promise<boolean> {
    const k = this.keys.get(id);
    if (k === undefined) return false;
    this.keys.delete(id);
    this.byHash.delete(k.hash);
    if (k.aws !== undefined) this.byAws.delete(k.aws.accessKeyId);
    return true;
  }

  async admit(r: AdmitRequest): Promise<AdmitResult> {
    checkAdmit(r);
    if (this.reservations.has(r.reservationId)) throw new Error(`reservation ${r.reservationId} already exists`);
    const { rpmLimit, tpmLimit, maxBudgetMicros, budgetPeriod } = r.limits;
    const rated = rpmLimit !== undefined || tpmLimit !== undefined;
    const minute = minuteOf(r.now);
    const mid = rated ? minuteId(r.keyId, minute.start) : undefined;
    const m = mid === undefined ? undefined : this.minutes.get(mid);
    if (rpmLimit !== undefined && (m?.count ?? 0) >= rpmLimit) {
      return { ok: false, reason: "rpm", retryAfterSecs: minute.retryAfterSecs };
    }
    if (tpmLimit !== undefined && m !== undefined && m.count > 0 && m.tokens >= tpmLimit) {
      return { ok: false, reason: "tpm", retryAfterSecs: minute.retryAfterSecs };
    }
    const wid = windowId(r.keyId, budgetPeriod, windowStart(budgetPeriod, r.now));
    const w = this.windows.get(wid);
    const charge = r.feeMicros + r.reserveMicros;
    if (maxBudgetMicros !== undefined && (w?.spend ?? 0) + charge > maxBudgetMicros) return { ok: false, reason: "budget" };

    if (mid !== undefined) {
      if (m === undefined) this.minutes.set(mid, { start: minute.start, count: 1, tokens: r.reserveTokens });
      else {
        m.count += 1;
        m.tokens += r.reserveTokens;
      }
    }
    if (w === undefined) this.windows.set(wid, { spend: charge, tokens: 0, requests: 1 });
    else {
      w.spend += charge;
      w.requests += 1;
    }
    this.reservations.set(r.reservationId, {
      window: wid, minute: mid, reserveMicros: r.reserveMicros, reserveTokens: r.reserveTokens,
      leaseUntil: r.leaseUntil, released: false,
    });
    return { ok: true };
  }

  async settle(s: Settlement): Promise<void> {
    checkSettle(s);
    const res = this.reservations.get(s.reservationId);
    if (res === undefined) return;
    this.reservations.delete(s.reservationId);
    const d = settleDeltas(s, !res.released);
    const wid = windowId(s.keyId, s.budgetPeriod, windowStart(s.budgetPeriod, s.admittedAt));
    const w = this.windows.get(wid) ?? { spend: 0, tokens: 0, requests: 0 };
    w.spend = Math.max(0, w.spend + d.spend);
    w.tokens += s.tokens;
    this.windows.set(wid, w);
    const m = res.minute === undefined ? undefined : this.minutes.get(res.minute);
    if (m !== undefined) m.tokens = Math.max(0, m.tokens + d.minuteTokens);
  }

  async addPoolUsage(pool: string, at: number, spendMicros: number, tokens: number): Promise<void> {
    for (const period of PERIODS) {
      const wid = windowId(poolAccount(pool), period, windowStart(period, at));
      const w = this.windows.get(wid) ?? { spend: 0, tokens: 0, requests: 0 };
      w.spend += spendMicros;
      w.tokens += tokens;
      w.requests += 1;
      this.windows.set(wid, w);
    }
  }

  async reconcile(now: number): Promise<number> {
    let released = 0;
    for (const [id, res] of this.reservations) {
      if (res.leaseUntil >= now) continue;
      if (res.released) {
        if (res.leaseUntil < now - RELEASED_KEEP_MS) this.reservations.delete(id);
        continue;
      }
      res.released = true;
      released += 1;
      const w = this.windows.get(res.window);
      if (w !== undefined) w.spend = Math.max(0, w.spend - res.reserveMicros);
      const m = res.minute === undefined ? undefined : this.minutes.get(res.minute);
      if (m !== undefined) m.tokens = Math.max(0, m.tokens - res.reserveTokens);
    }
    for (const [id, m] of this.minutes) if (m.start < now - MINUTE_KEEP_MS) this.minutes.delete(id);
    return released;
  }

  async usage(keyId: string, period: BudgetPeriod, now: number): Promise<KeyUsage> {
    const start = windowStart(period, now);
    const w = this.windows.get(windowId(keyId, period, start));
    return { windowStart: start, spendMicros: w?.spend ?? 0, tokens: w?.tokens ?? 0, requests: w?.requests ?? 0 };
  }

  async resetUsage(keyId: string, period: BudgetPeriod, now: number): Promise<void> {
    this.windows.delete(windowId(keyId, period, windowStart(period, now)));
    this.minutes.delete(minuteId(keyId, minuteOf(now).start));
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {}
}
