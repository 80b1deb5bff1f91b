// The shared store for N instances (platform.md §3.7, spec README platform decision 3): Bun's Redis client, each
// operation one Lua script run by EVALSHA (redis-scripts.ts), so admission is exact across every instance on
// the server. Single Redis (or a Sentinel-managed primary); Cluster only with a hash-tag prefix
// (docs/governance-store.md).
import { RedisClient } from "bun";
import { admitResult, checkAdmit, checkSettle, RELEASED_KEEP_MS, settleDeltas, windowEnd } from "./amounts.ts";
import * as lua from "./redis-scripts.ts";
import { byCreation, fromRow, KEY_COLUMNS, patchColumns, rowFromFields, toRow } from "./rows.ts";
import {
  type AdmitRequest, type AdmitResult, type BudgetPeriod, type GovernanceStore, KeyConflict, type KeyPatch,
  type KeyRecord, type KeyUsage, minuteOf, type Settlement, windowStart, PERIODS, poolAccount,
} from "./types.ts";

/** Bumped on any incompatible change to the key layout; a server holding another version stops boot. */
export const REDIS_LAYOUT_VERSION = "1";

/** Reservations released per script call, so one reconcile never blocks Redis for long. */
const RECONCILE_BATCH = 500;

/** A window's counters stay this long after it ends (late settles, admin reads around midnight). */
const WINDOW_GRACE_SECS = 86_400;

export interface RedisOptions {
  /** `redis://` or `rediss://`; a secret (it may carry a password), never logged. */
  readonly url: string;
  readonly prefix: string;
  /** How long `open` waits for the first connection; default 5000. */
  readonly connectTimeoutMs?: number;
}

export class RedisStore implements GovernanceStore {
  readonly kind = "redis";
  /** Set when the client gave up reconnecting (Bun's client stops after its retries and never tries again). */
  private down = false;
  private reconnecting = false;
  private closed = false;

  private constructor(
    private readonly client: RedisClient,
    private readonly p: string,
  ) {
    client.onclose = () => {
      this.down = true;
    };
  }

  static async open(o: RedisOptions): Promise<RedisStore> {
    const timeoutMs = o.connectTimeoutMs ?? 5000;
    // No offline queue: while Redis is unreachable an operation fails at once (budget_on_store_error decides)
    // instead of holding the request until a reconnect.
    const client = new RedisClient(o.url, { enableOfflineQueue: false, connectionTimeout: timeoutMs });
    try {
      // With auto-reconnect on, connect() to a refused port retries for about half a minute: bound it.
      let timer: Timer | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`governance store (redis): no connection within ${timeoutMs} ms`)), timeoutMs);
      });
      const connecting = client.connect();
      connecting.catch(() => {}); // after a timeout, close() below rejects it; nobody is waiting any more
      await Promise.race([connecting, timedOut]).finally(() => clearTimeout(timer));
      await client.send("SET", [`${o.prefix}schema`, REDIS_LAYOUT_VERSION, "NX"]);
      const version = await client.send("GET", [`${o.prefix}schema`]);
      if (version !== REDIS_LAYOUT_VERSION) {
        throw new Error(`governance store (redis, prefix ${o.prefix}) has layout version ${String(version)}, but this `
          + `busbar uses version ${REDIS_LAYOUT_VERSION}: use the busbar release that wrote it, or another prefix`);
      }
      for (const s of lua.ALL) {
        const sha = await client.send("SCRIPT", ["LOAD", s.src]);
        if (sha !== s.sha) throw new Error(`governance store (redis): SCRIPT LOAD answered ${String(sha)}, expected ${s.sha}`);
      }
      return new RedisStore(client, o.prefix);
    } catch (e) {
      client.close();
      throw e;
    }
  }

  /** EVALSHA; when the server lost its script cache (restart, SCRIPT FLUSH), EVAL once, which re-caches it. */
  private async run(script: lua.Script, keys: readonly string[], args: readonly string[]): Promise<unknown> {
    if (this.down) this.reconnect();
    try {
      return await this.client.send("EVALSHA", [script.sha, String(keys.length), ...keys, ...args]);
    } catch (e) {
      if (!(e instanceof Error && e.message.startsWith("NOSCRIPT"))) throw e;
      return this.client.send("EVAL", [script.src, String(keys.length), ...keys, ...args]);
    }
  }

  /** One reconnect attempt at a time, started by the first operation after the client gave up; the operation
   * itself still fails at once. */
  private reconnect(): void {
    if (this.reconnecting || this.closed) return;
    this.reconnecting = true;
    this.down = false;
    this.client.connect().then(
      () => {
        this.reconnecting = false;
      },
      () => {
        this.reconnecting = false;
        this.down = true;
      },
    );
  }

  async createKey(k: KeyRecord): Promise<void> {
    const row = toRow(k);
    const fields: string[] = [];
    for (const c of KEY_COLUMNS) if (row[c] !== null) fields.push(c, String(row[c]));
    const keys = [`${this.p}key:${k.id}`, `${this.p}hash:${k.hash}`, `${this.p}keys`];
    if (k.aws !== undefined) keys.push(`${this.p}aws:${k.aws.accessKeyId}`);
    const taken = await this.run(lua.CREATE, keys, [k.id, ...fields]);
    switch (taken) {
      case "ok":
        return;
      case "id":
        throw new KeyConflict(`key id ${k.id} already exists`);
      case "hash":
        throw new KeyConflict("a key with this secret already exists");
      case "aws":
        throw new KeyConflict(`AWS access key id ${k.aws?.accessKeyId ?? ""} already exists`);
      default:
        throw new Error(`governance store (redis): unexpected reply to create: ${String(taken)}`);
    }
  }

  async keyByHash(hash: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(await this.run(lua.LOOKUP, [`${this.p}hash:${hash}`], [this.p]));
  }

  async keyByAwsAccessKeyId(accessKeyId: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(await this.run(lua.LOOKUP, [`${this.p}aws:${accessKeyId}`], [this.p]));
  }

  async getKey(id: string): Promise<KeyRecord | undefined> {
    return rowOrUndefined(await this.client.send("HGETALL", [`${this.p}key:${id}`]));
  }

  async listKeys(): Promise<KeyRecord[]> {
    const rows = await this.run(lua.LIST, [`${this.p}keys`], [this.p]);
    if (!Array.isArray(rows)) throw new Error("governance store (redis): unexpected reply to list");
    return rows.map((r) => fromRow(rowFromHash(r))).sort(byCreation);
  }

  async updateKey(id: string, patch: KeyPatch): Promise<KeyRecord | undefined> {
    const set: string[] = [];
    const clear: string[] = [];
    for (const [c, value] of Object.entries(patchColumns(patch))) {
      if (value === null) clear.push(c);
      else set.push(c, String(value));
    }
    return rowOrUndefined(await this.run(lua.UPDATE, [`${this.p}key:${id}`], [String(set.length / 2), ...set, ...clear]));
  }

  async deleteKey(id: string): Promise<boolean> {
    return (await this.run(lua.DELETE, [`${this.p}key:${id}`, `${this.p}keys`], [id, this.p])) === 1;
  }

  async admit(r: AdmitRequest): Promise<AdmitResult> {
    checkAdmit(r);
    const { rpmLimit, tpmLimit, maxBudgetMicros, budgetPeriod } = r.limits;
    const minute = minuteOf(r.now);
    const start = windowStart(budgetPeriod, r.now);
    const reply = await this.run(lua.ADMIT, [
      `${this.p}m:${r.keyId}:${minute.start}`,
      `${this.p}w:${r.keyId}:${budgetPeriod}:${start}`,
      `${this.p}r:${r.reservationId}`,
      `${this.p}leases`,
    ], [
      opt(rpmLimit), opt(tpmLimit), opt(maxBudgetMicros), String(r.feeMicros + r.reserveMicros), String(r.reserveTokens),
      String(r.leaseUntil), r.reservationId, String(r.reserveMicros), ttl(budgetPeriod, start, r.now),
    ]);
    return admitResult("redis", reply, minute.retryAfterSecs);
  }

  async settle(s: Settlement): Promise<void> {
    checkSettle(s);
    const start = windowStart(s.budgetPeriod, s.admittedAt);
    const held = settleDeltas(s, true);
    const released = settleDeltas(s, false);
    await this.run(lua.SETTLE, [
      `${this.p}r:${s.reservationId}`,
      `${this.p}leases`,
      `${this.p}w:${s.keyId}:${s.budgetPeriod}:${start}`,
      `${this.p}m:${s.keyId}:${minuteOf(s.admittedAt).start}`,
      `${this.p}released`,
    ], [
      s.reservationId, String(held.spend), String(released.spend), String(s.tokens), String(held.minuteTokens),
      String(released.minuteTokens), ttl(s.budgetPeriod, start, s.admittedAt),
    ]);
  }

  async reconcile(now: number): Promise<number> {
    let released = 0;
    for (;;) {
      const reply = await this.run(lua.RECONCILE, [`${this.p}leases`, `${this.p}released`], [
        String(now), String(RECONCILE_BATCH), this.p, String(RELEASED_KEEP_MS),
      ]);
      const [looked, freed, forgotten] = Array.isArray(reply) ? reply : [];
      if (typeof looked !== "number" || typeof freed !== "number" || typeof forgotten !== "number") {
        throw new Error("governance store (redis): unexpected reply to reconcile");
      }
      released += freed;
      if (looked < RECONCILE_BATCH && forgotten < RECONCILE_BATCH) return released;
    }
  }

  async addPoolUsage(pool: string, at: number, spendMicros: number, tokens: number): Promise<void> {
    const account = poolAccount(pool);
    const starts = PERIODS.map((period) => [period, windowStart(period, at)] as const);
    await this.run(lua.POOL_ADD, starts.map(([period, start]) => `${this.p}w:${account}:${period}:${start}`), [
      String(spendMicros), String(tokens), ...starts.map(([period, start]) => ttl(period, start, at)),
    ]);
  }

  async usage(keyId: string, period: BudgetPeriod, now: number): Promise<KeyUsage> {
    const start = windowStart(period, now);
    const w = await this.client.send("HMGET", [`${this.p}w:${keyId}:${period}:${start}`, "s", "t", "r"]);
    const at = (i: number): number => (Array.isArray(w) ? Number(w[i] ?? 0) : 0);
    return { windowStart: start, spendMicros: at(0), tokens: at(1), requests: at(2) };
  }

  async resetUsage(keyId: string, period: BudgetPeriod, now: number): Promise<void> {
    const start = windowStart(period, now);
    await this.client.send("DEL", [`${this.p}w:${keyId}:${period}:${start}`, `${this.p}m:${keyId}:${minuteOf(now).start}`]);
  }

  async ping(): Promise<void> {
    await this.client.send("PING", []);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.client.close();
  }
}

const opt = (n: number | undefined): string => (n === undefined ? "" : String(n));

/**
 * Seconds from `now` until a window's counters may go: a day after the window ends; '' for `total`. Relative to
 * the operation's own `now` rather than Redis's clock, so the store keeps a single notion of time.
 */
function ttl(period: BudgetPeriod, start: number, now: number): string {
  const end = windowEnd(period, start);
  return end === undefined ? "" : String(Math.max(1, Math.ceil((end - now) / 1000)) + WINDOW_GRACE_SECS);
}

/** A key hash as Redis returns it (a flat field/value list from a script, an object from HGETALL) → a row. */
function rowFromHash(reply: unknown): Record<string, string | number | null> {
  const fields = new Map<string, unknown>();
  if (Array.isArray(reply)) for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  else if (typeof reply === "object" && reply !== null) for (const [f, v] of Object.entries(reply)) fields.set(f, v);
  return rowFromFields((c) => fields.get(c));
}

function rowOrUndefined(reply: unknown): KeyRecord | undefined {
  if (reply === null || reply === undefined) return undefined;
  if (Array.isArray(reply) ? reply.length === 0 : typeof reply === "object" && Object.keys(reply).length === 0) return undefined;
  return fromRow(rowFromHash(reply));
}
