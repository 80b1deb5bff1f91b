// The shared store on Postgres (platform.md §3.7): Bun's SQL client, one statement per operation. Admission,
// settlement and release call the PL/pgSQL functions in postgres-schema.ts, so each is one round trip and one
// transaction; key operations are single guarded statements (unique indexes make create atomic).
import { SQL } from "bun";
import { admitResult, checkAdmit, checkSettle, MINUTE_KEEP_MS, RELEASED_KEEP_MS, settleDeltas } from "./amounts.ts";
import { PG_SCHEMA_VERSION, schemaSql } from "./postgres-schema.ts";
import { fromRow, KEY_COLUMNS, PATCHABLE, patchColumns, rowFromFields, toRow } from "./rows.ts";
import {
  type AdmitRequest, type AdmitResult, type BudgetPeriod, type GovernanceStore, KeyConflict, type KeyPatch,
  type KeyRecord, type KeyUsage, minuteOf, type Settlement, windowStart, PERIODS, poolAccount,
} from "./types.ts";

export interface PostgresOptions {
  /** `postgres://…`; a secret (it may carry a password), never logged. */
  readonly url: string;
  readonly schema: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const LOOPBACK = new Set(["localhost", "127.0.0.1", "[::1]", "::1"]);
const TLS_MODES = new Set(["require", "verify-ca", "verify-full"]);

/** Postgres types of the patchable columns, for the casts a parameter needs in `CASE WHEN … THEN $n`. */
const PG_TYPE: Record<(typeof PATCHABLE)[number], string> = {
  name: "text", labels: "text", allowed_pools: "text", budget_period: "text", enabled: "integer", max_budget: "bigint",
  rpm_limit: "bigint", tpm_limit: "bigint", expires_at: "bigint",
};

type Row = Record<string, unknown>;

export class PostgresStore implements GovernanceStore {
  readonly kind = "postgres";
  private readonly q: ReturnType<typeof statements>;

  private constructor(private readonly sql: SQL, s: string) {
    this.q = statements(s);
  }

  static async open(o: PostgresOptions): Promise<PostgresStore> {
    if (!SCHEMA_NAME.test(o.schema)) {
      throw new Error(`governance store (postgres): schema ${JSON.stringify(o.schema)} must be a lower-case identifier`);
    }
    const sql = new SQL(o.url, { tls: tlsMode(o.url), connectionTimeout: 5, max: 10 });
    try {
      await migrate(sql, o.schema);
      return new PostgresStore(sql, `"${o.schema}"`);
    } catch (e) {
      await sql.close();
      throw e;
    }
  }

  private async rows(text: string, values: unknown[]): Promise<Row[]> {
    const out: unknown = await this.sql.unsafe(text, values);
    return Array.isArray(out) ? out.filter((r): r is Row => typeof r === "object" && r !== null) : [];
  }

  private async key(text: string, value: string): Promise<KeyRecord | undefined> {
    const [row] = await this.rows(text, [value]);
    return row === undefined ? undefined : fromRow(rowFromFields((c) => row[c]));
  }

  async createKey(k: KeyRecord): Promise<void> {
    const row = toRow(k);
    try {
      await this.sql.unsafe(this.q.insertKey, KEY_COLUMNS.map((c) => row[c]));
    } catch (e) {
      if (!(e instanceof SQL.PostgresError && e.errno === "23505")) throw e;
      if (e.constraint?.endsWith("hash_key")) throw new KeyConflict("a key with this secret already exists");
      if (e.constraint?.endsWith("aws_access_key_id_key")) throw new KeyConflict(`AWS access key id ${k.aws?.accessKeyId ?? ""} already exists`);
      throw new KeyConflict(`key id ${k.id} already exists`);
    }
  }

  keyByHash(hash: string): Promise<KeyRecord | undefined> {
    return this.key(this.q.keyByHash, hash);
  }

  keyByAwsAccessKeyId(accessKeyId: string): Promise<KeyRecord | undefined> {
    return this.key(this.q.keyByAws, accessKeyId);
  }

  getKey(id: string): Promise<KeyRecord | undefined> {
    return this.key(this.q.keyById, id);
  }

  async listKeys(): Promise<KeyRecord[]> {
    return (await this.rows(this.q.listKeys, [])).map((row) => fromRow(rowFromFields((c) => row[c])));
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const cols = patchColumns(patch);
    const args: unknown[] = [id];
    for (const c of PATCHABLE) args.push(c in cols, cols[c] ?? null);
    const [row] = await this.rows(this.q.updateKey, args);
    return row === undefined ? undefined : fromRow(rowFromFields((c) => row[c]));
  }

  async deleteKey(id: string): Promise<boolean> {
    return (await this.rows(this.q.deleteKey, [id])).length > 0;
  }

  async admit(r: AdmitRequest): Promise<AdmitResult> {
    checkAdmit(r);
    const { rpmLimit, tpmLimit, maxBudgetMicros, budgetPeriod } = r.limits;
    const minute = minuteOf(r.now);
    const [row] = await this.rows(this.q.admit, [
      r.keyId, minute.start, r.reserveTokens, rpmLimit ?? null, tpmLimit ?? null, budgetPeriod,
      windowStart(budgetPeriod, r.now), r.feeMicros + r.reserveMicros, maxBudgetMicros ?? null, r.reservationId,
      r.reserveMicros, r.leaseUntil,
    ]);
    const reply = row?.r;
    return admitResult("postgres", reply, minute.retryAfterSecs);
  }

  async settle(s: Settlement): Promise<void> {
    checkSettle(s);
    const held = settleDeltas(s, true);
    const released = settleDeltas(s, false);
    await this.sql.unsafe(this.q.settle, [
      s.reservationId, s.keyId, s.budgetPeriod, windowStart(s.budgetPeriod, s.admittedAt), held.spend, released.spend,
      s.tokens, held.minuteTokens, released.minuteTokens,
    ]);
  }

  async reconcile(now: number): Promise<number> {
    const [row] = await this.rows(this.q.reconcile, [now]);
    // Pruning runs as statements of its own, after the release: each takes only one kind of row lock.
    await this.sql.unsafe(this.q.dropReleased, [now - RELEASED_KEEP_MS]);
    await this.sql.unsafe(this.q.dropMinutes, [now - MINUTE_KEEP_MS]);
    return Number(row?.n ?? 0);
  }

  async addPoolUsage(pool: string, at: number, spendMicros: number, tokens: number): Promise<void> {
    const account = poolAccount(pool);
    await this.sql.unsafe(this.q.poolAdd, [
      account, ...PERIODS.flatMap((period) => [period, String(windowStart(period, at))]), String(spendMicros), String(tokens),
    ]);
  }

  async usage(keyId: string, period: BudgetPeriod, now: number): Promise<KeyUsage> {
    const start = windowStart(period, now);
    const [w] = await this.rows(this.q.usage, [keyId, period, start]);
    return {
      windowStart: start, spendMicros: Number(w?.spend ?? 0), tokens: Number(w?.tokens ?? 0),
      requests: Number(w?.requests ?? 0),
    };
  }

  async resetUsage(keyId: string, period: BudgetPeriod, now: number): Promise<void> {
    await this.sql.unsafe(this.q.resetUsage, [keyId, period, windowStart(period, now), minuteOf(now).start]);
  }

  async ping(): Promise<void> {
    await this.sql.unsafe("SELECT 1", []);
  }

  async close(): Promise<void> {
    await this.sql.close();
  }
}

function statements(s: string) {
  const setters = PATCHABLE.map((c, i) => `${c} = CASE WHEN $${2 * i + 2}::boolean THEN $${2 * i + 3}::${PG_TYPE[c]} ELSE ${c} END`);
  const keyTypes: Record<string, string> = { ...PG_TYPE, id: "text", hash: "text", created_at: "bigint", aws_access_key_id: "text", aws_secret: "text" };
  return {
    insertKey: `INSERT INTO ${s}.keys (${KEY_COLUMNS.join(", ")}) VALUES (${KEY_COLUMNS.map((c, i) => `$${i + 1}::${keyTypes[c]}`).join(", ")})`,
    keyByHash: `SELECT * FROM ${s}.keys WHERE hash = $1`,
    keyByAws: `SELECT * FROM ${s}.keys WHERE aws_access_key_id = $1`,
    keyById: `SELECT * FROM ${s}.keys WHERE id = $1`,
    listKeys: `SELECT * FROM ${s}.keys ORDER BY created_at, id`,
    updateKey: `UPDATE ${s}.keys SET ${setters.join(", ")} WHERE id = $1 RETURNING *`,
    deleteKey: `DELETE FROM ${s}.keys WHERE id = $1 RETURNING id`,
    admit: `SELECT ${s}.admit($1::text, $2::bigint, $3::bigint, $4::bigint, $5::bigint, $6::text, $7::bigint, $8::bigint,
      $9::bigint, $10::text, $11::bigint, $12::bigint) AS r`,
    settle: `SELECT ${s}.settle($1::text, $2::text, $3::text, $4::bigint, $5::bigint, $6::bigint, $7::bigint, $8::bigint,
      $9::bigint)`,
    reconcile: `SELECT ${s}.reconcile($1::bigint) AS n`,
    dropReleased: `DELETE FROM ${s}.reservations WHERE released AND lease_until < $1::bigint`,
    dropMinutes: `DELETE FROM ${s}.minutes WHERE minute_start < $1::bigint`,
    usage: `SELECT spend, tokens, requests FROM ${s}.usage WHERE key_id = $1 AND period = $2 AND window_start = $3::bigint`,
    poolAdd: `INSERT INTO ${s}.usage (key_id, period, window_start, spend, tokens, requests)
      VALUES ($1, $2, $3::bigint, $8::bigint, $9::bigint, 1), ($1, $4, $5::bigint, $8::bigint, $9::bigint, 1), ($1, $6, $7::bigint, $8::bigint, $9::bigint, 1)
      ON CONFLICT (key_id, period, window_start) DO UPDATE SET spend = ${s}.usage.spend + excluded.spend,
      tokens = ${s}.usage.tokens + excluded.tokens, requests = ${s}.usage.requests + 1`,
    resetUsage: `WITH w AS (DELETE FROM ${s}.usage WHERE key_id = $1 AND period = $2 AND window_start = $3::bigint)
      DELETE FROM ${s}.minutes WHERE key_id = $1 AND minute_start = $4::bigint`,
  };
}

/** Creates the schema on first start (one instance at a time); refuses another version, or a schema busbar did not make. */
async function migrate(sql: SQL, schema: string): Promise<void> {
  const s = `"${schema}"`;
  await sql.begin(async (tx) => {
    await tx.unsafe("SELECT pg_advisory_xact_lock(hashtext('busbar governance schema'))", []);
    const [meta] = await tx.unsafe("SELECT to_regclass($1) IS NOT NULL AS present", [`${s}.meta`]);
    if (meta?.present === true) {
      const [row] = await tx.unsafe(`SELECT value FROM ${s}.meta WHERE name = 'schema_version'`, []);
      if (row?.value !== String(PG_SCHEMA_VERSION)) {
        throw new Error(`governance store (postgres, schema ${schema}) has schema version ${String(row?.value ?? "(none)")}, `
          + `but this busbar uses version ${PG_SCHEMA_VERSION}: use the busbar release that wrote it, or another schema`);
      }
      return;
    }
    const [tables] = await tx.unsafe("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1", [schema]);
    if (Number(tables?.n ?? 0) > 0) {
      throw new Error(`governance store (postgres): schema ${schema} holds tables busbar did not create (no schema_version marker): use another schema`);
    }
    await tx.unsafe(schemaSql(s));
  });
}

/** TLS is required off the machine (platform.md §3.7): an explicit weaker `sslmode` is refused, none means verify-full. */
function tlsMode(url: string): "require" | "verify-ca" | "verify-full" | undefined {
  const u = new URL(url);
  const mode = u.searchParams.get("sslmode") ?? undefined;
  if (LOOPBACK.has(u.hostname)) return undefined;
  if (mode === undefined) return "verify-full";
  if (TLS_MODES.has(mode)) return mode === "require" || mode === "verify-ca" ? mode : "verify-full";
  throw new Error(`governance store (postgres): sslmode=${mode} is refused for a non-loopback server; TLS is required`);
}
