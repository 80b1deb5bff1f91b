import { Database } from "bun:sqlite";
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SQLITE_SCHEMA_VERSION, SqliteStore } from "../../src/govern/store/sqlite.ts";
import { openStore } from "../../src/govern/store/index.ts";
import { admission, admitAcrossProcesses, settlement, storeContract, T } from "./store-contract.ts";

const dir = mkdtempSync(join(tmpdir(), "busbar-sqlite-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshPath = (): string => join(dir, `gov-${++files}.db`);

let last = "";
storeContract("sqlite", {
  async open() {
    last = freshPath();
    return new SqliteStore({ path: last, busyTimeoutMs: 5000 });
  },
  // A second Database handle on the same file: another instance on the same machine.
  async peer() {
    return new SqliteStore({ path: last, busyTimeoutMs: 5000 });
  },
});

describe("sqlite store", () => {
  test("runs in WAL mode and records its schema version", async () => {
    const path = freshPath();
    const store = await openStore({ kind: "sqlite", path, busyTimeoutMs: 1000 });
    const db = new Database(path, { readonly: true });
    expect([
      db.query("PRAGMA journal_mode").get(),
      db.query("SELECT value FROM meta WHERE name = 'schema_version'").get(),
    ]).toEqual([{ journal_mode: "wal" }, { value: String(SQLITE_SCHEMA_VERSION) }]);
    db.close();
    await store.close();
  });

  test("keys, usage and reservations survive close and reopen; reconcile releases a crashed instance's leftovers", async () => {
    const path = freshPath();
    const first = new SqliteStore({ path, busyTimeoutMs: 1000 });
    const k = {
      id: "vk_0000000000000001", hash: "ab".repeat(32), name: "durable", labels: { a: "b" }, allowedPools: ["p"],
      maxBudgetMicros: 10_000_000, budgetPeriod: "total" as const, rpmLimit: 10, tpmLimit: undefined, enabled: true,
      expiresAt: undefined, createdAt: T,
    };
    await first.createKey(k);
    const settled = admission({ keyId: k.id, reserveMicros: 500 });
    const orphan = admission({ keyId: k.id, reserveMicros: 700, leaseUntil: T + 1000 });
    await first.admit(settled);
    await first.admit(orphan);
    await first.settle(settlement(settled, { costMicros: 20, tokens: 2 }));
    await first.close(); // the "crash": `orphan` is never settled

    const second = new SqliteStore({ path, busyTimeoutMs: 1000 });
    expect(await second.getKey(k.id)).toEqual(k);
    expect(await second.usage(k.id, "total", T)).toEqual({ windowStart: 0, spendMicros: 2_000_720, tokens: 2, requests: 2 });
    expect(await second.reconcile(T + 1001)).toBe(1);
    expect(await second.usage(k.id, "total", T)).toEqual({ windowStart: 0, spendMicros: 2_000_020, tokens: 2, requests: 2 });
    await second.close();
  });

  test("a file with another schema version stops the open with a clear message", async () => {
    const path = freshPath();
    await (new SqliteStore({ path, busyTimeoutMs: 1000 })).close();
    const db = new Database(path);
    db.run("UPDATE meta SET value = '99' WHERE name = 'schema_version'");
    db.close();
    expect(() => new SqliteStore({ path, busyTimeoutMs: 1000 })).toThrow(/schema version 99.*uses version 1/);
  });

  test("a database busbar did not create is refused, and left untouched", async () => {
    const path = freshPath();
    const db = new Database(path);
    db.run("CREATE TABLE accounts (id INTEGER)");
    expect(() => new SqliteStore({ path, busyTimeoutMs: 1000 })).toThrow(/did not create/);
    expect(db.query("SELECT name FROM sqlite_master WHERE type = 'table'").all()).toEqual([{ name: "accounts" }]);
    db.close();
  });

  test("three processes on one file admit exactly 100 of 900 against a cap of 100 fees", async () => {
    const path = freshPath();
    await (new SqliteStore({ path, busyTimeoutMs: 5000 })).close();
    const admitted = await admitAcrossProcesses({ kind: "sqlite", path, busyTimeoutMs: 10_000 }, 3, 300, {
      maxBudgetMicros: 100_000_000,
    });
    expect(admitted).toBe(100);
    const store = new SqliteStore({ path, busyTimeoutMs: 1000 });
    expect((await store.usage("vk_00000000000000aa", "total", T)).requests).toBe(100);
    await store.close();
  });
});
