// The governance store contract (src/govern/store/types.ts), run against every store by its own test file. Time is
// always injected (`now`), never read from the clock; amounts are integer micro-cents.
import { afterEach, beforeEach, describe, expect, test } from "bun:test";
import type { StoreSpec } from "../../src/config/model.ts";
import { RELEASED_KEEP_MS } from "../../src/govern/store/amounts.ts";
import {
  type AdmitLimits, type AdmitRequest, type AdmitResult, type GovernanceStore, KeyConflict, type KeyRecord,
  type Settlement, poolAccount } from "../../src/govern/store/types.ts";

export interface StoreHarness {
  /** A fresh, empty store. */
  open(): Promise<GovernanceStore>;
  /** Another instance over the data of the store `open` returned last (its own connection or file handle). */
  peer?(): Promise<GovernanceStore>;
}

/** 2025-03-10 12:00:00.000 UTC: a minute start in the middle of a day and a month. */
export const T = Date.UTC(2025, 2, 10, 12, 0, 0);
const MIN = 60_000;
const DAY = 86_400_000;
const FEE = 1_000_000;
const KEY_ID = "vk_00000000000000aa";
const NO_LIMITS: AdmitLimits = { maxBudgetMicros: undefined, budgetPeriod: "total", rpmLimit: undefined, tpmLimit: undefined };

let seq = 0;
/** An admission of KEY_ID at T with a 1 ¢ fee and nothing reserved, unless told otherwise. */
export function admission(over: Partial<Omit<AdmitRequest, "limits">> & { limits?: Partial<AdmitLimits> } = {}): AdmitRequest {
  const now = over.now ?? T;
  return {
    keyId: KEY_ID, reservationId: `req_${++seq}_${Math.random().toString(36).slice(2)}`, feeMicros: FEE,
    reserveMicros: 0, reserveTokens: 0, leaseUntil: now + 3_600_000, ...over, now,
    limits: { ...NO_LIMITS, ...over.limits },
  };
}

export function settlement(a: AdmitRequest, u: { costMicros?: number; tokens?: number; success?: boolean } = {}): Settlement {
  return {
    keyId: a.keyId, reservationId: a.reservationId, admittedAt: a.now, budgetPeriod: a.limits.budgetPeriod,
    costMicros: u.costMicros ?? 0, tokens: u.tokens ?? 0, success: u.success ?? true, feeMicros: a.feeMicros,
    reserveMicros: a.reserveMicros, reserveTokens: a.reserveTokens,
  };
}

function key(n: number, over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: `vk_${n.toString(16).padStart(16, "0")}`, hash: n.toString(16).padStart(64, "0"), name: `key ${n}`,
    labels: {}, allowedPools: [], maxBudgetMicros: undefined, budgetPeriod: "total", rpmLimit: undefined,
    tpmLimit: undefined, enabled: true, expiresAt: undefined, createdAt: T + n, ...over,
  };
}

const OK: AdmitResult = { ok: true };
const admitted = (rs: readonly AdmitResult[]): number => rs.filter((r) => r.ok).length;

export function storeContract(name: string, h: StoreHarness): void {
  describe(`${name} store contract`, () => {
    let store: GovernanceStore;
    const extra: GovernanceStore[] = [];
    const usage = (now = T, period: AdmitLimits["budgetPeriod"] = "total", id = KEY_ID) => store.usage(id, period, now);

    beforeEach(async () => {
      store = await h.open();
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close();
      await store.close();
    });

    describe("keys", () => {
      const full = key(1, {
        labels: { team: "search", env: "prod" }, allowedPools: ["fast", "smart"], maxBudgetMicros: 5_000_000_000,
        budgetPeriod: "monthly", rpmLimit: 60, tpmLimit: 100_000, enabled: false, expiresAt: T + DAY,
        aws: { accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secret: "s".repeat(40) },
      });

      test("a key round-trips through every lookup, fields intact", async () => {
        await store.createKey(full);
        await store.createKey(key(2));
        expect(await store.getKey(full.id)).toEqual(full);
        expect(await store.keyByHash(full.hash)).toEqual(full);
        expect(await store.keyByAwsAccessKeyId("AKIAAAAAAAAAAAAAAAAA")).toEqual(full);
        expect(await store.getKey(key(2).id)).toEqual(key(2));
        expect((await store.getKey(key(2).id))?.aws).toBeUndefined();
        expect([await store.getKey("vk_nope"), await store.keyByHash("00"), await store.keyByAwsAccessKeyId("AKIANOPE")])
          .toEqual([undefined, undefined, undefined]);
      });

      test("a duplicate id, hash or AWS access key id is a KeyConflict and leaves nothing behind", async () => {
        await store.createKey(full);
        const attempts = [
          key(9, { id: full.id }),
          key(9, { hash: full.hash }),
          key(9, { aws: { accessKeyId: "AKIAAAAAAAAAAAAAAAAA", secret: "x".repeat(40) } }),
        ];
        for (const k of attempts) await expect(store.createKey(k)).rejects.toBeInstanceOf(KeyConflict);
        expect(await store.listKeys()).toEqual([full]);
        expect(await store.keyByHash(key(9).hash)).toBeUndefined();
        expect(await store.getKey(key(9).id)).toBeUndefined();
      });

      test("listKeys is ordered by creation time, then id", async () => {
        for (const k of [key(3), key(1), key(2, { createdAt: T + 3 })]) await store.createKey(k);
        expect((await store.listKeys()).map((k) => k.id)).toEqual([key(1).id, key(2).id, key(3).id]);
      });

      test("a patch sets values, null clears, absent keeps; an unknown id is undefined", async () => {
        await store.createKey(full);
        const patched = await store.updateKey(full.id, {
          name: "renamed", labels: { team: "ads" }, allowedPools: [], enabled: true, budgetPeriod: "daily",
          maxBudgetMicros: null, rpmLimit: 5, tpmLimit: null, expiresAt: null,
        });
        const want: KeyRecord = {
          ...full, name: "renamed", labels: { team: "ads" }, allowedPools: [], enabled: true, budgetPeriod: "daily",
          maxBudgetMicros: undefined, rpmLimit: 5, tpmLimit: undefined, expiresAt: undefined,
        };
        expect(patched).toEqual(want);
        expect(await store.getKey(full.id)).toEqual(want);
        expect(await store.updateKey(full.id, {})).toEqual(want);
        expect(await store.updateKey(full.id, { maxBudgetMicros: 7 })).toEqual({ ...want, maxBudgetMicros: 7 });
        expect(await store.updateKey("vk_nope", { name: "x" })).toBeUndefined();
      });

      test("delete removes every lookup, frees the hash and AWS id, and is false the second time", async () => {
        await store.createKey(full);
        expect(await store.deleteKey(full.id)).toBe(true);
        expect([await store.getKey(full.id), await store.keyByHash(full.hash),
          await store.keyByAwsAccessKeyId("AKIAAAAAAAAAAAAAAAAA"), await store.listKeys()])
          .toEqual([undefined, undefined, undefined, []]);
        expect(await store.deleteKey(full.id)).toBe(false);
        await store.createKey({ ...full, id: "vk_00000000000000ff" });
        expect((await store.keyByHash(full.hash))?.id).toBe("vk_00000000000000ff");
      });
    });

    describe("admission", () => {
      test("without limits every request is admitted and charged fee + reserve", async () => {
        const rs = [];
        for (let i = 0; i < 3; i++) rs.push(await store.admit(admission({ reserveMicros: 500, reserveTokens: 10 })));
        expect(rs).toEqual([OK, OK, OK]);
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: 3 * (FEE + 500), tokens: 0, requests: 3 });
        expect(await usage(T, "total", "vk_other")).toEqual({ windowStart: 0, spendMicros: 0, tokens: 0, requests: 0 });
      });

      test("budget admits while spend + fee + reserve <= cap; a rejection charges nothing", async () => {
        const limits = { maxBudgetMicros: 2 * FEE + 1000 };
        expect(await store.admit(admission({ limits, reserveMicros: 1000 }))).toEqual(OK);
        expect(await store.admit(admission({ limits }))).toEqual(OK); // exactly at the cap
        expect(await store.admit(admission({ limits, feeMicros: 1 }))).toEqual({ ok: false, reason: "budget" });
        expect(await store.admit(admission({ limits: { maxBudgetMicros: 10 }, now: T + DAY }))).toEqual({ ok: false, reason: "budget" });
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: 2 * FEE + 1000, tokens: 0, requests: 2 });
        expect(await store.admit(admission({ limits: { maxBudgetMicros: 0 }, feeMicros: 0 }))).toEqual({ ok: false, reason: "budget" });
      });

      test("RPM is exact per minute; a rejection consumes nothing and names the seconds left", async () => {
        const limits = { rpmLimit: 3 };
        const rs = [];
        for (let i = 0; i < 4; i++) rs.push(await store.admit(admission({ limits, now: T + 15_200 })));
        expect(rs).toEqual([OK, OK, OK, { ok: false, reason: "rpm", retryAfterSecs: 45 }]);
        expect(await store.admit(admission({ limits, now: T + 59_999 }))).toEqual({ ok: false, reason: "rpm", retryAfterSecs: 1 });
        expect(await store.admit(admission({ limits, now: T + MIN }))).toEqual(OK);
        expect((await usage()).requests).toBe(4);
      });

      test("a budget rejection does not use up an RPM slot", async () => {
        expect(await store.admit(admission({ limits: { rpmLimit: 2, maxBudgetMicros: FEE } }))).toEqual(OK);
        expect(await store.admit(admission({ limits: { rpmLimit: 2, maxBudgetMicros: FEE } }))).toEqual({ ok: false, reason: "budget" });
        expect(await store.admit(admission({ limits: { rpmLimit: 2 } }))).toEqual(OK);
        expect(await store.admit(admission({ limits: { rpmLimit: 2 } }))).toMatchObject({ ok: false, reason: "rpm" });
      });

      test("TPM admits a minute's first request whatever it reserves, then refuses at the limit", async () => {
        const limits = { tpmLimit: 100 };
        expect(await store.admit(admission({ limits, reserveTokens: 500, now: T + 1000 }))).toEqual(OK);
        expect(await store.admit(admission({ limits, now: T + 2000 }))).toEqual({ ok: false, reason: "tpm", retryAfterSecs: 58 });
        expect(await store.admit(admission({ limits, reserveTokens: 500, now: T + MIN }))).toEqual(OK);
      });

      test("TPM counts reserved tokens below the limit, and settling returns the unused part", async () => {
        const limits = { tpmLimit: 100 };
        const a = admission({ limits, reserveTokens: 60 });
        expect(await store.admit(a)).toEqual(OK);
        expect(await store.admit(admission({ limits, reserveTokens: 60 }))).toEqual(OK); // 60 < 100
        expect(await store.admit(admission({ limits }))).toMatchObject({ ok: false, reason: "tpm" }); // 120
        await store.settle(settlement(a, { tokens: 10 })); // 120 - 60 + 10 = 70
        expect(await store.admit(admission({ limits }))).toEqual(OK);
      });

      test("RPM is checked before TPM, and rate before budget", async () => {
        const limits = { rpmLimit: 1, tpmLimit: 1, maxBudgetMicros: FEE };
        expect(await store.admit(admission({ limits, reserveTokens: 5 }))).toEqual(OK);
        expect(await store.admit(admission({ limits }))).toMatchObject({ ok: false, reason: "rpm" });
        expect(await store.admit(admission({ limits: { ...limits, rpmLimit: 5 } }))).toMatchObject({ ok: false, reason: "tpm" });
        expect(await store.admit(admission({ limits: { maxBudgetMicros: FEE } }))).toEqual({ ok: false, reason: "budget" });
      });

      test("amounts past 2^50 µ¢ stay exact", async () => {
        const big = 2 ** 52 + 1;
        const a = admission({ feeMicros: big, reserveMicros: 2 ** 50, limits: { maxBudgetMicros: 2 ** 53 - 1 } });
        expect(await store.admit(a)).toEqual(OK);
        expect((await usage()).spendMicros).toBe(big + 2 ** 50);
        await store.settle(settlement(a, { costMicros: 2 ** 50 + 7 }));
        expect((await usage()).spendMicros).toBe(big + 2 ** 50 + 7);
      });

      test("a reused reservation id, or a fractional amount, is a caller bug and throws", async () => {
        const a = admission();
        await store.admit(a);
        await expect(store.admit(a)).rejects.toThrow();
        await expect(store.admit(admission({ feeMicros: 0.5 }))).rejects.toThrow(RangeError);
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: FEE, tokens: 0, requests: 1 });
      });
    });

    describe("settlement", () => {
      test("success replaces the reserve by the real cost and adds the tokens", async () => {
        const a = admission({ reserveMicros: 9000, reserveTokens: 900 });
        await store.admit(a);
        await store.settle(settlement(a, { costMicros: 1234, tokens: 321 }));
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: FEE + 1234, tokens: 321, requests: 1 });
      });

      test("failure refunds the fee too", async () => {
        const a = admission({ reserveMicros: 9000 });
        await store.admit(a);
        await store.admit(admission());
        await store.settle(settlement(a, { success: false }));
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: FEE, tokens: 0, requests: 2 });
      });

      test("spend never goes below 0 (a refund after resetUsage)", async () => {
        const a = admission({ reserveMicros: 9000 });
        await store.admit(a);
        await store.resetUsage(KEY_ID, "total", T);
        await store.settle(settlement(a, { success: false, tokens: 4 }));
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: 0, tokens: 4, requests: 0 });
      });

      test("a second settle of the same reservation is a no-op, as is an unknown one", async () => {
        const a = admission({ reserveMicros: 9000 });
        await store.admit(a);
        const s = settlement(a, { costMicros: 100, tokens: 10 });
        await store.settle(s);
        await store.settle(s);
        await store.settle({ ...s, success: false });
        await store.settle(settlement(admission()));
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: FEE + 100, tokens: 10, requests: 1 });
      });

      test("usage lands in the admission's window even when the request ends after midnight", async () => {
        const limits = { budgetPeriod: "daily" as const };
        const a = admission({ limits, reserveMicros: 500, now: T + 12 * 3_600_000 - 1 }); // 23:59:59.999
        await store.admit(a);
        await store.admit(admission({ limits, now: T + 12 * 3_600_000 }));
        await store.settle(settlement(a, { costMicros: 70, tokens: 7 }));
        const day = Date.UTC(2025, 2, 10);
        expect(await usage(T, "daily")).toEqual({ windowStart: day, spendMicros: FEE + 70, tokens: 7, requests: 1 });
        expect(await usage(T + DAY, "daily")).toEqual({ windowStart: day + DAY, spendMicros: FEE, tokens: 0, requests: 1 });
      });
    });

    describe("reconcile", () => {
      test("releases reservations whose lease ended before now, keeping the fee", async () => {
        const expired = admission({ reserveMicros: 5000, leaseUntil: T + 10 });
        const atNow = admission({ reserveMicros: 300, leaseUntil: T + 20 });
        await store.admit(expired);
        await store.admit(atNow);
        await store.admit(admission({ reserveMicros: 7, leaseUntil: T + 30 }));
        expect(await store.reconcile(T + 20)).toBe(1);
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: 3 * FEE + 307, tokens: 0, requests: 3 });
        expect(await store.reconcile(T + 20)).toBe(0);
        expect(await store.reconcile(T + 31)).toBe(2);
        expect((await usage()).spendMicros).toBe(3 * FEE);
      });

      test("a settle after reconcile still lands the real usage, exactly once", async () => {
        const ok = admission({ reserveMicros: 5000, leaseUntil: T + 10 });
        const failed = admission({ reserveMicros: 5000, leaseUntil: T + 10 });
        await store.admit(ok);
        await store.admit(failed);
        expect(await store.reconcile(T + 11)).toBe(2);
        await store.settle(settlement(ok, { costMicros: 40, tokens: 4 }));
        await store.settle(settlement(failed, { success: false, costMicros: 3, tokens: 1 }));
        await store.settle(settlement(ok, { costMicros: 40, tokens: 4 }));
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: FEE + 43, tokens: 5, requests: 2 });
        expect(await store.reconcile(T + RELEASED_KEEP_MS * 2)).toBe(0);
      });

      test("returns reserved tokens to the minute", async () => {
        const limits = { tpmLimit: 100 };
        await store.admit(admission({ limits, reserveTokens: 100, leaseUntil: T + 10 }));
        expect(await store.admit(admission({ limits }))).toMatchObject({ ok: false, reason: "tpm" });
        expect(await store.reconcile(T + 11)).toBe(1);
        expect(await store.admit(admission({ limits, now: T + 12 }))).toEqual(OK);
      });

      test("a released reservation is forgotten after RELEASED_KEEP_MS; a settle later than that is dropped", async () => {
        const a = admission({ reserveMicros: 5000, leaseUntil: T + 10 });
        await store.admit(a);
        expect(await store.reconcile(T + 11)).toBe(1);
        expect(await store.reconcile(T + 11 + RELEASED_KEEP_MS)).toBe(0);
        await store.settle(settlement(a, { costMicros: 40 }));
        expect((await usage()).spendMicros).toBe(FEE);
      });
    });

    describe("windows", () => {
      test("a pool's account adds up in its total, daily and monthly windows, apart from any key's", async () => {
        const midnight = Date.UTC(2025, 2, 11);
        await store.addPoolUsage("fast", midnight - 1, 1_500_000, 40);
        await store.addPoolUsage("fast", midnight + 1, 2_000_000, 60);
        await store.addPoolUsage("slow", midnight + 1, 7, 7);
        const pool = (period: AdmitLimits["budgetPeriod"], now: number) => store.usage(poolAccount("fast"), period, now);
        expect(await pool("total", midnight)).toEqual({ windowStart: 0, spendMicros: 3_500_000, tokens: 100, requests: 2 });
        expect(await pool("daily", midnight - 1)).toEqual({ windowStart: midnight - 86_400_000, spendMicros: 1_500_000, tokens: 40, requests: 1 });
        expect(await pool("daily", midnight + 5)).toEqual({ windowStart: midnight, spendMicros: 2_000_000, tokens: 60, requests: 1 });
        expect(await pool("monthly", midnight)).toEqual({ windowStart: Date.UTC(2025, 2, 1), spendMicros: 3_500_000, tokens: 100, requests: 2 });
        expect((await store.usage(KEY_ID, "total", midnight)).requests).toBe(0);
      });

      test("daily windows start at UTC midnight", async () => {
        const limits = { budgetPeriod: "daily" as const, maxBudgetMicros: FEE };
        const midnight = Date.UTC(2025, 2, 11);
        expect(await store.admit(admission({ limits, now: midnight - 1 }))).toEqual(OK);
        expect(await store.admit(admission({ limits, now: midnight - 1 }))).toEqual({ ok: false, reason: "budget" });
        expect(await store.admit(admission({ limits, now: midnight }))).toEqual(OK);
        expect(await usage(midnight + DAY - 1, "daily")).toEqual({ windowStart: midnight, spendMicros: FEE, tokens: 0, requests: 1 });
        expect((await usage(midnight + DAY, "daily")).spendMicros).toBe(0);
      });

      test("monthly windows start on the UTC first of the month (leap February included)", async () => {
        const limits = { budgetPeriod: "monthly" as const, maxBudgetMicros: FEE };
        const march = Date.UTC(2024, 2, 1);
        expect(await store.admit(admission({ limits, now: Date.UTC(2024, 1, 29, 23, 59, 59, 999) }))).toEqual(OK);
        expect(await store.admit(admission({ limits, now: Date.UTC(2024, 1, 1) }))).toEqual({ ok: false, reason: "budget" });
        expect(await store.admit(admission({ limits, now: march }))).toEqual(OK);
        expect(await usage(Date.UTC(2024, 2, 31, 23), "monthly")).toEqual({ windowStart: march, spendMicros: FEE, tokens: 0, requests: 1 });
        expect(await usage(Date.UTC(2024, 1, 15), "monthly")).toEqual({ windowStart: Date.UTC(2024, 1, 1), spendMicros: FEE, tokens: 0, requests: 1 });
      });

      test("total never rolls over, and periods are kept apart", async () => {
        await store.admit(admission({ now: 0 }));
        await store.admit(admission({ now: T + 400 * DAY }));
        await store.admit(admission({ limits: { budgetPeriod: "daily" } }));
        expect(await usage(T + 800 * DAY)).toEqual({ windowStart: 0, spendMicros: 2 * FEE, tokens: 0, requests: 2 });
        expect((await usage(T, "daily")).requests).toBe(1);
        expect((await usage(T, "monthly")).requests).toBe(0);
      });

      test("resetUsage zeroes the current window and minute, and nothing else", async () => {
        const limits = { rpmLimit: 1, budgetPeriod: "daily" as const };
        await store.admit(admission({ limits, now: T - DAY }));
        await store.admit(admission({ limits }));
        expect(await store.admit(admission({ limits }))).toMatchObject({ ok: false, reason: "rpm" });
        await store.resetUsage(KEY_ID, "daily", T);
        expect(await usage(T, "daily")).toMatchObject({ spendMicros: 0, tokens: 0, requests: 0 });
        expect(await store.admit(admission({ limits }))).toEqual(OK);
        expect((await usage(T - DAY, "daily")).requests).toBe(1);
      });
    });

    describe("concurrency", () => {
      test("400 concurrent admissions against a cap of 100 fees admit exactly 100", async () => {
        const limits = { maxBudgetMicros: 100 * (FEE + 10) };
        const rs = await Promise.all(Array.from({ length: 400 }, () => store.admit(admission({ limits, reserveMicros: 10 }))));
        expect(admitted(rs)).toBe(100);
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: 100 * (FEE + 10), tokens: 0, requests: 100 });
      });

      test("200 concurrent admissions against RPM 50 admit exactly 50", async () => {
        const rs = await Promise.all(Array.from({ length: 200 }, () => store.admit(admission({ limits: { rpmLimit: 50 } }))));
        expect(admitted(rs)).toBe(50);
        expect((await usage()).requests).toBe(50);
      });

      test("concurrent settles and refunds add up exactly", async () => {
        const as = Array.from({ length: 200 }, (_, i) => admission({ reserveMicros: 1000, reserveTokens: 50, feeMicros: FEE + i }));
        await Promise.all(as.map((a) => store.admit(a)));
        await Promise.all(as.map((a, i) => store.settle(settlement(a, { costMicros: i, tokens: 2, success: i % 2 === 0 }))));
        await Promise.all(as.map((a) => store.settle(settlement(a, { costMicros: 99, tokens: 99 }))));
        const fees = as.reduce((sum, a, i) => sum + (i % 2 === 0 ? a.feeMicros : 0), 0);
        const costs = (199 * 200) / 2;
        expect(await usage()).toEqual({ windowStart: 0, spendMicros: fees + costs, tokens: 400, requests: 200 });
      });

      if (h.peer !== undefined) {
        const peer = h.peer;
        test("three instances over one store admit exactly 100 of 600 against a cap of 100 fees", async () => {
          const peers = [store, await peer(), await peer()];
          extra.push(peers[1]!, peers[2]!);
          const limits = { maxBudgetMicros: 100 * FEE, rpmLimit: 150 };
          const rs = await Promise.all(Array.from({ length: 600 }, (_, i) => peers[i % 3]!.admit(admission({ limits }))));
          expect(admitted(rs)).toBe(100);
          expect(await peers[1]!.usage(KEY_ID, "total", T)).toEqual({ windowStart: 0, spendMicros: 100 * FEE, tokens: 0, requests: 100 });
        });
      }
    });

    test("ping answers", async () => {
      expect(await store.ping()).toBeUndefined();
    });
  });
}

/**
 * Runs `processes` store-worker.ts processes against one store, each firing `each` admissions of KEY_ID at once
 * after all of them are ready; returns how many were admitted in total.
 */
export async function admitAcrossProcesses(spec: StoreSpec, processes: number, each: number, limits: Partial<AdmitLimits>): Promise<number> {
  const worker = new URL("./store-worker.ts", import.meta.url).pathname;
  const job = JSON.stringify({ spec, count: each, limits });
  const procs = Array.from({ length: processes }, () =>
    Bun.spawn([process.execPath, worker, job], { stdin: "pipe", stdout: "pipe", stderr: "pipe" }));
  const outs = procs.map((p) => lines(p.stdout));
  try {
    for (const out of outs) expect((await out.next()).value).toBe("ready");
    for (const p of procs) {
      p.stdin.write("go\n");
      await p.stdin.flush();
    }
    let total = 0;
    for (const [i, out] of outs.entries()) {
      const line = (await out.next()).value;
      if (typeof line !== "string") throw new Error(`worker ${i} said nothing: ${await new Response(procs[i]!.stderr).text()}`);
      total += Number(JSON.parse(line).admitted);
    }
    for (const p of procs) expect(await p.exited).toBe(0);
    return total;
  } finally {
    for (const p of procs) p.kill();
  }
}

async function* lines(stream: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of stream) {
    buf += decoder.decode(chunk, { stream: true });
    for (let nl = buf.indexOf("\n"); nl >= 0; nl = buf.indexOf("\n")) {
      yield buf.slice(0, nl);
      buf = buf.slice(nl + 1);
    }
  }
}
