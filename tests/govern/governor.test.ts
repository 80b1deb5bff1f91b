// Governed admission over a real (memory) store with an injected clock: keys, allowed pools, the limit chain,
// store failures both ways, the admission time limit, settlement (platform.md §3.2–§3.4, §3.7).
import { describe, expect, test } from "bun:test";
import type { GovernanceSpec } from "../../src/config/model.ts";
import { Governor, type Schedule } from "../../src/govern/governor.ts";
import { hashSecret, mintKeyId, mintSecret } from "../../src/govern/keys.ts";
import { MemoryStore } from "../../src/govern/store/memory.ts";
import type { GovernanceStore, KeyRecord } from "../../src/govern/store/types.ts";
import { silentLogger } from "../../src/observe/log.ts";

const T0 = Date.UTC(2026, 10, 22, 12, 0, 30);

function spec(over: Partial<GovernanceSpec> = {}): GovernanceSpec {
  return {
    enabled: true, store: { kind: "memory" }, feeMicros: 1_000_000, flatMicrosPerToken: 0, rateCard: {},
    onStoreError: "allow", keyCacheMs: 1000, reservationLeaseSecs: 3600, encryptionKey: undefined, ...over,
  };
}

function keyRecord(secret: string, over: Partial<KeyRecord> = {}): KeyRecord {
  return {
    id: mintKeyId(), hash: hashSecret(secret), name: "team", labels: {}, allowedPools: [], maxBudgetMicros: undefined,
    budgetPeriod: "total", rpmLimit: undefined, tpmLimit: undefined, enabled: true, expiresAt: undefined, createdAt: T0, ...over,
  };
}

async function setup(over: Partial<KeyRecord> = {}, s: Partial<GovernanceSpec> = {}, store: GovernanceStore = new MemoryStore()) {
  let now = T0;
  const gov = new Governor(spec(s), store, () => now, silentLogger);
  const secret = mintSecret();
  const key = keyRecord(secret, over);
  await store.createKey(key);
  return { gov, store, secret, key, advance: (ms: number) => { now += ms; } };
}

const admitOne = (gov: Governor, key: KeyRecord, pools = ["p"]) =>
  gov.admit({ key, pools, requestId: "req", reserveMicros: 0, reserveTokens: 0 });

describe("authentication", () => {
  test("a minted secret finds its key; anything else does not", async () => {
    const { gov, secret, key } = await setup();
    expect(await gov.authenticate(secret)).toEqual({ key });
    expect((await gov.authenticate(mintSecret())).key).toBeUndefined();
  });

  test("disabled and expired keys are refused", async () => {
    const a = await setup({ enabled: false });
    expect(await a.gov.authenticate(a.secret)).toEqual({ key: undefined, reason: `virtual key ${a.key.id} is disabled` });
    const b = await setup({ expiresAt: T0 + 10 });
    expect((await b.gov.authenticate(b.secret)).key).toBeDefined();
    b.advance(10);
    expect(await b.gov.authenticate(b.secret)).toEqual({ key: undefined, reason: `virtual key ${b.key.id} has expired` });
  });

  test("a delete made elsewhere shows here once key_cache_ms has passed, not before", async () => {
    const { gov, store, secret, key, advance } = await setup();
    expect((await gov.authenticate(secret)).key).toBeDefined();
    await store.deleteKey(key.id);
    advance(999);
    expect((await gov.authenticate(secret)).key).toBeDefined();
    advance(1);
    expect((await gov.authenticate(secret)).key).toBeUndefined();
  });
});

describe("admission", () => {
  test("every pool the request can reach must be allowed (target and fallback)", async () => {
    const { gov, key } = await setup({ allowedPools: ["a"] });
    expect((await admitOne(gov, key, ["a"])).ok).toBe(true);
    const r = await admitOne(gov, key, ["a", "b"]);
    expect(r).toMatchObject({ ok: false, error: { kind: "permission" }, reason: `pool b not allowed for ${key.id}` });
  });

  test("GOV-04: rpm 5 → the 6th is a rate limit with Retry-After to the minute's end; the next minute admits", async () => {
    const { gov, key, advance } = await setup({ rpmLimit: 5 });
    for (let i = 0; i < 5; i++) expect((await admitOne(gov, key)).ok).toBe(true);
    expect(await admitOne(gov, key)).toMatchObject({ ok: false, error: { kind: "rate_limit", retryAfter: 30 } });
    advance(30_000);
    expect((await admitOne(gov, key)).ok).toBe(true);
  });

  test("GOV-05: a 3 ¢ cap with a 1 ¢ fee admits three; the fourth is a quota error; a failed request refunds", async () => {
    const { gov, store, key } = await setup({ maxBudgetMicros: 3_000_000 });
    const tickets = [];
    for (let i = 0; i < 3; i++) {
      const r = await admitOne(gov, key);
      if (!r.ok) throw new Error("expected admission");
      tickets.push(r.ticket);
    }
    expect(await admitOne(gov, key)).toMatchObject({ ok: false, error: { kind: "quota" } });
    await gov.settle(tickets[0]!, { costMicros: 0, tokens: 0, success: false });
    expect((await store.usage(key.id, "total", T0)).spendMicros).toBe(2_000_000);
    expect((await admitOne(gov, key)).ok).toBe(true);
  });

  test("GOV-06: settlement lands fee + token cost", async () => {
    const { gov, store, key } = await setup();
    const r = await gov.admit({ key, pools: ["p"], requestId: "r", reserveMicros: 9_000_000, reserveTokens: 5000 });
    if (!r.ok) throw new Error("expected admission");
    await gov.settle(r.ticket, { costMicros: 3_300_000, tokens: 3000, success: true });
    expect(await store.usage(key.id, "total", T0)).toMatchObject({ spendMicros: 4_300_000, tokens: 3000, requests: 1 });
  });
});

/** A store whose admit fails or never answers; everything else is the memory store. */
class FaultyStore extends MemoryStore {
  constructor(private readonly mode: "throw" | "hang") {
    super();
  }
  override admit(...args: Parameters<MemoryStore["admit"]>): ReturnType<MemoryStore["admit"]> {
    if (this.mode === "throw") return Promise.reject(new Error("connection refused"));
    void args;
    return new Promise(() => {});
  }
}

describe("store failures (budget_on_store_error)", () => {
  test("allow admits uncharged, and its settlement writes nothing; deny answers with the quota error", async () => {
    const a = await setup({}, { onStoreError: "allow" }, new FaultyStore("throw"));
    const r = await admitOne(a.gov, a.key);
    expect(r).toMatchObject({ ok: true, ticket: { charged: false } });
    if (r.ok) await a.gov.settle(r.ticket, { costMicros: 5, tokens: 5, success: true });
    expect((await a.store.usage(a.key.id, "total", T0)).spendMicros).toBe(0);
    const d = await setup({}, { onStoreError: "deny" }, new FaultyStore("throw"));
    expect(await admitOne(d.gov, d.key)).toMatchObject({ ok: false, error: { kind: "quota" } });
  });

  test("a store that never answers is given up on after the admission time limit", async () => {
    const store = new FaultyStore("hang");
    const fire: (() => void)[] = [];
    const schedule: Schedule = (ms, fn) => { expect(ms).toBe(2000); fire.push(fn); return { cancel() {} }; };
    const gov = new Governor(spec({ onStoreError: "deny" }), store, () => T0, silentLogger, { schedule });
    const secret = mintSecret();
    const key = keyRecord(secret);
    await store.createKey(key);
    const pending = admitOne(gov, key);
    await Promise.resolve();
    fire.forEach((f) => f());
    expect(await pending).toMatchObject({ ok: false, error: { kind: "quota" }, reason: "store error, budget_on_store_error: deny" });
  });
});
