// The single-machine store (platform.md §3.7): one SQLite file through `bun:sqlite`, in WAL mode with a busy
// timeout, so several busbar processes on one machine share one budget. Every operation is one `BEGIN IMMEDIATE`
// transaction of guarded statements (the counters change inside SQL, never read-modify-written here); a rejected
// admission rolls back, so it consumes nothing.
import { Database, SQLiteError, type Statement } from "bun:sqlite";
import { checkAdmit, checkSettle, MINUTE_KEEP_MS, RELEASED_KEEP_MS, settleDeltas } from "./amounts.ts";
import { fromRow, KEY_COLUMNS, type KeyRow, PATCHABLE, patchColumns, toRow } from "./rows.ts";
import {
  type AdmitRequest, type AdmitResult, type BudgetPeriod, type GovernanceStore, KeyConflict, type KeyPatch,
  type KeyRecord, type KeyUsage, minuteOf, type Settlement, windowStart, PERIODS, poolAccount,
} from "./types.ts";

/** Bumped on any incompatible change to the tables below; a file with another version stops boot. */
export const SQLITE_SCHEMA_VERSION = 1;

const SCHEMA = `
CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE keys (
  id TEXT PRIMARY KEY, hash TEXT NOT NULL UNIQUE, name TEXT NOT NULL, labels TEXT NOT NULL,
  allowed_pools TEXT NOT NULL, max_budget INTEGER, budget_period TEXT NOT NULL, rpm_limit INTEGER,
  tpm_limit INTEGER, enabled INTEGER NOT NULL, expires_at INTEGER, created_at INTEGER NOT NULL,
  aws_access_key_id TEXT UNIQUE, aws_secret TEXT);
CREATE TABLE usage (
  key_id TEXT NOT NULL, period TEXT NOT NULL, window_start INTEGER NOT NULL, spend INTEGER NOT NULL,
  tokens INTEGER NOT NULL, requests INTEGER NOT NULL, PRIMARY KEY (key_id, period, window_start)) WITHOUT ROWID;
CREATE TABLE minutes (
  key_id TEXT NOT NULL, minute_start INTEGER NOT NULL, count INTEGER NOT NULL, tokens INTEGER NOT NULL,
  PRIMARY KEY (key_id, minute_start)) WITHOUT ROWID;
-- No index on lease_until: the table holds only requests in flight (a settle deletes its row), so reconcile's
-- scan is short, and an index would be one more page written by every admission and settle.
CREATE TABLE reservations (
  id TEXT PRIMARY KEY, key_id TEXT NOT NULL, period TEXT NOT NULL, window_start INTEGER NOT NULL,
  minute_start INTEGER, reserve_micros INTEGER NOT NULL, reserve_tokens INTEGER NOT NULL,
  lease_until INTEGER NOT NULL, released INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO meta (name, value) VALUES ('schema_version', '${SQLITE_SCHEMA_VERSION}');
`;

// RPM and TPM in one guarded upsert on (key, minute): the increment happens only while count < rpm and, past the
// minute's first request, tokens < tpm. No row back = rejected.
const MINUTE_ADMIT = `
INSERT INTO minutes (key_id, minute_start, count, tokens) SELECT ?1, ?2, 1, ?3 WHERE ?4 IS NULL OR ?4 > 0
ON CONFLICT (key_id, minute_start) DO UPDATE SET count = count + 1, tokens = tokens + excluded.tokens
  WHERE (?4 IS NULL OR count < ?4) AND (?5 IS NULL OR count = 0 OR tokens < ?5)
RETURNING count`;

// Budget: spend + fee + reserve <= cap, as one guarded upsert on (key, period, window).
const WINDOW_ADMIT = `
INSERT INTO usage (key_id, period, window_start, spend, tokens, requests) SELECT ?1, ?2, ?3, ?4, 0, 1
  WHERE ?5 IS NULL OR ?4 <= ?5
ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = spend + excluded.spend, requests = requests + 1
  WHERE ?5 IS NULL OR spend + excluded.spend <= ?5
RETURNING spend`;

const WINDOW_SETTLE = `
INSERT INTO usage (key_id, period, window_start, spend, tokens, requests) VALUES (?1, ?2, ?3, max(0, ?4), ?5, 0)
ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = max(0, spend + ?4), tokens = tokens + ?5`;

type Bind = string | number | null;
type Stmt<R = unknown> = Statement<R, Bind[]>;

export interface SqliteOptions {
  readonly path: string;
  readonly busyTimeoutMs: number;
}

export class SqliteStore implements GovernanceStore {
  readonly kind = "sqlite";
  private readonly db: Database;
  private readonly s: ReturnType<typeof prepare>;

  constructor(o: SqliteOptions) {
    this.db = new Database(o.path, { create: true, strict: true });
    try {
      // The busy timeout first, so switching to WAL waits for another process that holds the file.
      this.db.run(`PRAGMA busy_timeout = ${Math.max(0, Math.trunc(o.busyTimeoutMs))}`);
      // Every commit appends each page it changed to the WAL: 1 KiB pages write a quarter of what the default 4 KiB
      // do (admission ~35 → ~22 µs on the dev VM). Takes effect only on a new, empty file.
      this.db.run("PRAGMA page_size = 1024");
      this.db.run("PRAGMA journal_mode = WAL");
      // NORMAL in WAL mode survives a process crash; only an OS crash or power loss may lose the last commits
      // (docs/governance-store.md). FULL would fsync every admission.
      this.db.run("PRAGMA synchronous = NORMAL");
      migrate(this.db, o.path);
      this.s = prepare(this.db);
    } catch (e) {
      this.db.close();
      throw e;
    }
  }

  /** Runs `fn` in one `BEGIN IMMEDIATE` transaction: commits what it returns, rolls back when it throws. */
  private tx<T>(fn: () => T): T {
    this.s.begin.run();
    try {
      const out = fn();
      this.s.commit.run();
      return out;
    } catch (e) {
      if (this.db.inTransaction) this.s.rollback.run();
      throw e;
    }
  }

  async createKey(k: KeyRecord): Promise<void> {
    const row = toRow(k);
    try {
      this.s.insertKey.run(...KEY_COLUMNS.map((c) => row[c]));
    } catch (e) {
      if (e instanceof SQLiteError && e.code?.startsWith("SQLITE_CONSTRAINT")) throw conflict(e.message, k);
      throw e;
    }
  }

  async keyByHash(hash: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(this.s.keyByHash.get(hash));
  }

  async keyByAwsAccessKeyId(accessKeyId: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(this.s.keyByAws.get(accessKeyId));
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(this.s.keyById.get(id));
  }

  async listKeys(): Promise<KeyRecord[]> {
    return this.s.listKeys.all().map(fromRow);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const cols = patchColumns(patch);
    const args: Bind[] = [id];
    for (const c of PATCHABLE) args.push(c in cols ? 1 : 0, cols[c] ?? null);
    return rowOrUndefined(this.s.updateKey.get(...args));
  }

  async deleteKey(id: string): Promise<boolean> {
    return this.s.deleteKey.run(id).changes > 0;
  }

  async admit(r: AdmitRequest): Promise<AdmitResult> {
    checkAdmit(r);
    const { rpmLimit, tpmLimit, maxBudgetMicros, budgetPeriod } = r.limits;
    const minute = minuteOf(r.now);
    const rated = rpmLimit !== undefined || tpmLimit !== undefined;
    const start = windowStart(budgetPeriod, r.now);
    this.s.begin.run();
    try {
      if (rated && this.s.minuteAdmit.get(r.keyId, minute.start, r.reserveTokens, rpmLimit ?? null, tpmLimit ?? null) === null) {
        const m = this.s.minuteRead.get(r.keyId, minute.start);
        this.s.rollback.run();
        const reason = rpmLimit !== undefined && (m?.count ?? 0) >= rpmLimit ? "rpm" : "tpm";
        return { ok: false, reason, retryAfterSecs: minute.retryAfterSecs };
      }
      const charge = r.feeMicros + r.reserveMicros;
      if (this.s.windowAdmit.get(r.keyId, budgetPeriod, start, charge, maxBudgetMicros ?? null) === null) {
        this.s.rollback.run();
        return { ok: false, reason: "budget" };
      }
      this.s.insertReservation.run(
        r.reservationId, r.keyId, budgetPeriod, start, rated ? minute.start : null, r.reserveMicros, r.reserveTokens,
        r.leaseUntil,
      );
      this.s.commit.run();
      return { ok: true };
    } catch (e) {
      if (this.db.inTransaction) this.s.rollback.run();
      throw e;
    }
  }

  async settle(s: Settlement): Promise<void> {
    checkSettle(s);
    this.tx(() => {
      const res = this.s.takeReservation.get(s.reservationId);
      if (res === null) return;
      const d = settleDeltas(s, res.released === 0);
      this.s.windowSettle.run(s.keyId, s.budgetPeriod, windowStart(s.budgetPeriod, s.admittedAt), d.spend, s.tokens);
      if (res.minute_start !== null) this.s.minuteTokens.run(d.minuteTokens, s.keyId, res.minute_start);
    });
  }

  async addPoolUsage(pool: string, at: number, spendMicros: number, tokens: number): Promise<void> {
    this.tx(() => {
      for (const period of PERIODS) this.s.poolAdd.run(poolAccount(pool), period, windowStart(period, at), spendMicros, tokens);
    });
  }

  async reconcile(now: number): Promise<number> {
    return this.tx(() => {
      const released = this.s.releaseExpired.all(now);
      for (const r of released) {
        this.s.windowRelease.run(r.reserve_micros, r.key_id, r.period, r.window_start);
        if (r.minute_start !== null) this.s.minuteTokens.run(-r.reserve_tokens, r.key_id, r.minute_start);
      }
      this.s.dropReleased.run(now - RELEASED_KEEP_MS);
      this.s.dropMinutes.run(now - MINUTE_KEEP_MS);
      return released.length;
    });
  }

  async usage(keyId: string, period: BudgetPeriod, now: number): Promise<KeyUsage> {
    const start = windowStart(period, now);
    const w = this.s.windowRead.get(keyId, period, start);
    return { windowStart: start, spendMicros: w?.spend ?? 0, tokens: w?.tokens ?? 0, requests: w?.requests ?? 0 };
  }

  async resetUsage(keyId: string, period: BudgetPeriod, now: number): Promise<void> {
    this.tx(() => {
      this.s.windowDelete.run(keyId, period, windowStart(period, now));
      this.s.minuteDelete.run(keyId, minuteOf(now).start);
    });
  }

  async ping(): Promise<void> {
    this.s.ping.get();
  }

  async close(): Promise<void> {
    this.db.close();
  }
}

function prepare(db: Database) {
  const q = <R = unknown>(sql: string): Stmt<R> => db.prepare<R, Bind[]>(sql);
  const setters = PATCHABLE.map((c, i) => `${c} = CASE WHEN ?${2 * i + 2} THEN ?${2 * i + 3} ELSE ${c} END`).join(", ");
  return {
    begin: q("BEGIN IMMEDIATE"),
    commit: q("COMMIT"),
    rollback: q("ROLLBACK"),
    ping: q("SELECT 1"),
    insertKey: q(`INSERT INTO keys (${KEY_COLUMNS.join(", ")}) VALUES (${KEY_COLUMNS.map(() => "?").join(", ")})`),
    keyByHash: q<KeyRow>("SELECT * FROM keys WHERE hash = ?"),
    keyByAws: q<KeyRow>("SELECT * FROM keys WHERE aws_access_key_id = ?"),
    keyById: q<KeyRow>("SELECT * FROM keys WHERE id = ?"),
    listKeys: q<KeyRow>("SELECT * FROM keys ORDER BY created_at, id"),
    updateKey: q<KeyRow>(`UPDATE keys SET ${setters} WHERE id = ?1 RETURNING *`),
    deleteKey: q("DELETE FROM keys WHERE id = ?"),
    minuteAdmit: q<{ count: number }>(MINUTE_ADMIT),
    minuteRead: q<{ count: number; tokens: number }>("SELECT count, tokens FROM minutes WHERE key_id = ? AND minute_start = ?"),
    minuteTokens: q("UPDATE minutes SET tokens = max(0, tokens + ?) WHERE key_id = ? AND minute_start = ?"),
    minuteDelete: q("DELETE FROM minutes WHERE key_id = ? AND minute_start = ?"),
    dropMinutes: q("DELETE FROM minutes WHERE minute_start < ?"),
    windowAdmit: q<{ spend: number }>(WINDOW_ADMIT),
    windowSettle: q(WINDOW_SETTLE),
    windowRelease: q("UPDATE usage SET spend = max(0, spend - ?) WHERE key_id = ? AND period = ? AND window_start = ?"),
    poolAdd: q(`INSERT INTO usage (key_id, period, window_start, spend, tokens, requests) VALUES (?, ?, ?, ?, ?, 1)
      ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = spend + excluded.spend, tokens = tokens + excluded.tokens,
      requests = requests + 1`),
    windowRead: q<{ spend: number; tokens: number; requests: number }>(
      "SELECT spend, tokens, requests FROM usage WHERE key_id = ? AND period = ? AND window_start = ?"),
    windowDelete: q("DELETE FROM usage WHERE key_id = ? AND period = ? AND window_start = ?"),
    insertReservation: q(`INSERT INTO reservations (id, key_id, period, window_start, minute_start, reserve_micros,
      reserve_tokens, lease_until, released) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 0)`),
    takeReservation: q<{ released: number; minute_start: number | null }>(
      "DELETE FROM reservations WHERE id = ? RETURNING released, minute_start"),
    releaseExpired: q<{
      key_id: string; period: string; window_start: number; minute_start: number | null; reserve_micros: number;
      reserve_tokens: number;
    }>(`UPDATE reservations SET released = 1 WHERE released = 0 AND lease_until < ?
      RETURNING key_id, period, window_start, minute_start, reserve_micros, reserve_tokens`),
    dropReleased: q("DELETE FROM reservations WHERE released = 1 AND lease_until < ?"),
  };
}

/** Creates the tables on first open; refuses a file written by another schema version, or not by busbar at all. */
function migrate(db: Database, path: string): void {
  db.run("BEGIN IMMEDIATE");
  try {
    const hasMeta = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get() !== null;
    if (hasMeta) {
      const row = db.query<{ value: string }, []>("SELECT value FROM meta WHERE name = 'schema_version'").get();
      if (row?.value !== String(SQLITE_SCHEMA_VERSION)) {
        throw new Error(`governance store ${path} has schema version ${row?.value ?? "(none)"}, but this busbar `
          + `uses version ${SQLITE_SCHEMA_VERSION}: use the busbar release that wrote it, or point store.path at a new file`);
      }
    } else {
      const tables = db.query("SELECT 1 FROM sqlite_master WHERE type = 'table'").all().length;
      if (tables > 0) {
        throw new Error(`governance store ${path} holds tables that busbar did not create (no schema_version marker): `
          + "point store.path at a new file");
      }
      db.run(SCHEMA);
    }
    db.run("COMMIT");
  } catch (e) {
    if (db.inTransaction) db.run("ROLLBACK");
    throw e;
  }
}

function rowOrUndefined(row: KeyRow | null): KeyRecord | undefined {
  return row === null ? undefined : fromRow(row);
}

/** SQLite names the violated unique column in its message (`UNIQUE constraint failed: keys.hash`). */
function conflict(message: string, k: KeyRecord): KeyConflict {
  if (message.includes("keys.hash")) return new KeyConflict("a key with this secret already exists");
  if (message.includes("keys.aws_access_key_id")) return new KeyConflict(`AWS access key id ${k.aws?.accessKeyId ?? ""} already exists`);
  return new KeyConflict(`key id ${k.id} already exists`);
}
