import { SQL } from "bun";
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { PostgresStore } from "../../src/govern/store/postgres.ts";
import { startPostgres, type TestPostgres } from "../helpers/postgres.ts";
import { admission, admitAcrossProcesses, storeContract, T } from "./store-contract.ts";

let pg: TestPostgres;
beforeAll(async () => {
  pg = await startPostgres();
}, 30_000);
afterAll(async () => {
  await pg?.stop();
});

// Every store gets its own schema on the one server.
let schemas = 0;
let last = "";
storeContract("postgres", {
  async open() {
    last = `t${++schemas}`;
    return PostgresStore.open({ url: pg.url, schema: last });
  },
  async peer() {
    return PostgresStore.open({ url: pg.url, schema: last });
  },
});

describe("postgres store", () => {
  test("three processes admit exactly 100 of 900 against a cap of 100 fees, and exactly RPM 50 of 900", async () => {
    const spec = { kind: "postgres" as const, url: pg.url, schema: "procs" };
    expect(await admitAcrossProcesses(spec, 3, 300, { maxBudgetMicros: 100_000_000 })).toBe(100);
    expect(await admitAcrossProcesses({ ...spec, schema: "procs_rpm" }, 3, 300, { rpmLimit: 50 })).toBe(50);
  }, 20_000);

  test("a schema with another version, or one busbar did not create, stops the open", async () => {
    const sql = new SQL(pg.url);
    await (await PostgresStore.open({ url: pg.url, schema: "old" })).close();
    await sql.unsafe("UPDATE old.meta SET value = '0'");
    await sql.unsafe("CREATE SCHEMA other; CREATE TABLE other.accounts (id int)");
    await sql.close();
    await expect(PostgresStore.open({ url: pg.url, schema: "old" })).rejects.toThrow("schema version 0, but this busbar uses version 1");
    await expect(PostgresStore.open({ url: pg.url, schema: "other" })).rejects.toThrow("did not create");
  });

  test("TLS is required for a server off the machine", async () => {
    await expect(PostgresStore.open({ url: "postgres://u@db.example:5432/x?sslmode=disable", schema: "s" })).rejects.toThrow("TLS is required");
    await expect(PostgresStore.open({ url: pg.url, schema: "Bad-Name" })).rejects.toThrow("lower-case identifier");
  });

  test("reconcile from two instances at once releases each reservation once", async () => {
    const a = await PostgresStore.open({ url: pg.url, schema: "recon" });
    const b = await PostgresStore.open({ url: pg.url, schema: "recon" });
    await Promise.all(Array.from({ length: 300 }, (_, i) => a.admit(admission({ reserveMicros: 10, reserveTokens: 1, leaseUntil: T + i,
      keyId: `vk_${(i % 7).toString(16).padStart(16, "0")}`, limits: { tpmLimit: 1_000_000 } }))));
    const [x, y] = await Promise.all([a.reconcile(T + 1000), b.reconcile(T + 1000)]);
    expect(x + y).toBe(300);
    let spend = 0;
    for (let k = 0; k < 7; k++) spend += (await a.usage(`vk_${k.toString(16).padStart(16, "0")}`, "total", T)).spendMicros;
    expect(spend).toBe(300 * 1_000_000);
    await a.close();
    await b.close();
  });
});
