import { RedisClient } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { openStore } from "../../src/govern/store/index.ts";
import { REDIS_LAYOUT_VERSION, RedisStore } from "../../src/govern/store/redis.ts";
import { startRedis, type TestRedis } from "../helpers/redis.ts";
import { admission, admitAcrossProcesses, settlement, storeContract, T } from "./store-contract.ts";

let redis: TestRedis;
let raw: RedisClient;
beforeAll(async () => {
  redis = await startRedis();
  raw = new RedisClient(redis.url);
  await raw.connect();
});
afterAll(async () => {
  raw?.close();
  await redis?.stop();
});

// Every store gets its own prefix on the one server, so tests never see each other's keys.
let prefixes = 0;
let last = "";
storeContract("redis", {
  async open() {
    last = `t${++prefixes}:`;
    return RedisStore.open({ url: redis.url, prefix: last });
  },
  // Another connection with the same prefix: another busbar instance.
  async peer() {
    return RedisStore.open({ url: redis.url, prefix: last });
  },
});

const keysUnder = async (prefix: string): Promise<string[]> => ((await raw.send("KEYS", [`${prefix}*`])) as string[]).sort();

describe("redis store", () => {
  test("every key sits under the prefix; minute counters live >= 120 s, daily windows a day past their end", async () => {
    const store = await openStore({ kind: "redis", url: redis.url, prefix: "busbar:" });
    const a = admission({ limits: { rpmLimit: 5, budgetPeriod: "daily" }, reserveTokens: 3 });
    await store.admit(a);
    const day = Date.UTC(2025, 2, 10);
    const w = `busbar:w:${a.keyId}:daily:${day}`;
    const m = `busbar:m:${a.keyId}:${T}`;
    expect(await keysUnder("busbar:")).toEqual(["busbar:leases", m, `busbar:r:${a.reservationId}`, "busbar:schema", w].sort());
    expect(await raw.send("TTL", [m])).toBeGreaterThanOrEqual(119);
    // The rest of the admission's day (12 h) plus a day's grace, counted from the admission's own `now`.
    expect(await raw.send("TTL", [w])).toBeWithin(129_590, 129_601);
    await store.settle(settlement(a, { tokens: 1 }));
    expect(await keysUnder("busbar:r:")).toEqual([]);
    await store.close();
    await raw.send("DEL", await keysUnder("busbar:"));
  });

  test("keeps working after the server forgets its scripts (NOSCRIPT → EVAL)", async () => {
    const store = await RedisStore.open({ url: redis.url, prefix: "noscript:" });
    await raw.send("SCRIPT", ["FLUSH"]);
    expect(await store.admit(admission())).toEqual({ ok: true });
    expect((await store.usage("vk_00000000000000aa", "total", T)).requests).toBe(1);
    await store.close();
  });

  test("a prefix holding another layout version stops the open", async () => {
    await raw.send("SET", ["old:schema", "0"]);
    await expect(RedisStore.open({ url: redis.url, prefix: "old:" })).rejects.toThrow(`layout version 0, but this busbar uses version ${REDIS_LAYOUT_VERSION}`);
  });

  test("three processes admit exactly 100 of 900 against a cap of 100 fees, and exactly RPM 50 of 900", async () => {
    const spec = { kind: "redis" as const, url: redis.url, prefix: "procs:" };
    expect(await admitAcrossProcesses(spec, 3, 300, { maxBudgetMicros: 100_000_000 })).toBe(100);
    expect(await admitAcrossProcesses({ ...spec, prefix: "procs-rpm:" }, 3, 300, { rpmLimit: 50 })).toBe(50);
  });

  test("a vanished server fails operations at once, and the store recovers when it returns", async () => {
    const own = await startRedis();
    const store = await RedisStore.open({ url: own.url, prefix: "gone:" });
    await own.stop();
    await expect(store.admit(admission())).rejects.toThrow();
    await expect(RedisStore.open({ url: own.url, prefix: "gone:", connectTimeoutMs: 300 })).rejects.toThrow(/no connection within 300 ms/);
    const again = await startRedis({ port: own.port });
    let tries = 0;
    for (;;) {
      tries++;
      const r = await store.admit(admission()).catch(() => undefined);
      if (r !== undefined) {
        expect(r).toEqual({ ok: true });
        break;
      }
      if (tries > 200) throw new Error("the store did not reconnect within 200 tries");
      await Bun.sleep(50); // poll interval while Bun's client reconnects on its own schedule
    }
    await store.close();
    await again.stop();
  }, 20_000);
});
