// A key record as a flat row of scalar columns, shared by the SQL tables and the Redis hash, so every store reads
// and writes the same fields the same way. Labels and pools are JSON text; absent numbers are null.
import * as v from "valibot";
import type { BudgetPeriod, KeyPatch, KeyRecord } from "./types.ts";

export interface KeyRow {
  readonly id: string;
  readonly hash: string;
  readonly name: string;
  readonly labels: string;
  readonly allowed_pools: string;
  readonly max_budget: number | null;
  readonly budget_period: BudgetPeriod;
  readonly rpm_limit: number | null;
  readonly tpm_limit: number | null;
  readonly enabled: number;
  readonly expires_at: number | null;
  readonly created_at: number;
  readonly aws_access_key_id: string | null;
  readonly aws_secret: string | null;
}

/** Column order for INSERTs and for the Redis hash. */
export const KEY_COLUMNS = [
  "id", "hash", "name", "labels", "allowed_pools", "max_budget", "budget_period", "rpm_limit", "tpm_limit",
  "enabled", "expires_at", "created_at", "aws_access_key_id", "aws_secret",
] as const satisfies readonly (keyof KeyRow)[];

/** Integer columns (text in Redis, so they are converted back on read). */
export const INT_COLUMNS: ReadonlySet<keyof KeyRow> = new Set([
  "max_budget", "rpm_limit", "tpm_limit", "enabled", "expires_at", "created_at",
]);

export function toRow(k: KeyRecord): KeyRow {
  return {
    id: k.id,
    hash: k.hash,
    name: k.name,
    labels: JSON.stringify(k.labels),
    allowed_pools: JSON.stringify(k.allowedPools),
    max_budget: k.maxBudgetMicros ?? null,
    budget_period: k.budgetPeriod,
    rpm_limit: k.rpmLimit ?? null,
    tpm_limit: k.tpmLimit ?? null,
    enabled: k.enabled ? 1 : 0,
    expires_at: k.expiresAt ?? null,
    created_at: k.createdAt,
    aws_access_key_id: k.aws?.accessKeyId ?? null,
    aws_secret: k.aws?.secret ?? null,
  };
}

const Labels = v.record(v.string(), v.string());
const Pools = v.array(v.string());
const Period = v.picklist(["total", "daily", "monthly"]);
const Int = v.pipe(v.number(), v.safeInteger());
const OptInt = v.nullable(Int);

/** Stored rows are parsed like any other input: a row another version wrote, or a hand edit, fails loudly. */
const Row = v.object({
  id: v.string(),
  hash: v.string(),
  name: v.string(),
  labels: v.pipe(v.string(), v.parseJson(), Labels),
  allowed_pools: v.pipe(v.string(), v.parseJson(), Pools),
  max_budget: OptInt,
  budget_period: Period,
  rpm_limit: OptInt,
  tpm_limit: OptInt,
  enabled: Int,
  expires_at: OptInt,
  created_at: Int,
  aws_access_key_id: v.nullable(v.string()),
  aws_secret: v.nullable(v.string()),
});

export function fromRow(raw: unknown): KeyRecord {
  const parsed = v.safeParse(Row, raw);
  if (!parsed.success) {
    const where = parsed.issues[0]?.path?.map((p) => String(p.key)).join(".") ?? "?";
    throw new Error(`governance store: unreadable key row (field ${where}: ${parsed.issues[0]?.message ?? "invalid"})`);
  }
  const r = parsed.output;
  const base: KeyRecord = {
    id: r.id,
    hash: r.hash,
    name: r.name,
    labels: r.labels,
    allowedPools: r.allowed_pools,
    maxBudgetMicros: r.max_budget ?? undefined,
    budgetPeriod: r.budget_period,
    rpmLimit: r.rpm_limit ?? undefined,
    tpmLimit: r.tpm_limit ?? undefined,
    enabled: r.enabled !== 0,
    expiresAt: r.expires_at ?? undefined,
    createdAt: r.created_at,
  };
  if (r.aws_access_key_id === null || r.aws_secret === null) return base;
  return { ...base, aws: { accessKeyId: r.aws_access_key_id, secret: r.aws_secret } };
}

/**
 * A row whose integers arrive as text (a Redis hash, a Postgres int8) or that lacks absent fields → the shape
 * `fromRow` parses. `field` returns undefined or null for an absent column.
 */
export function rowFromFields(field: (column: string) => unknown): Record<string, string | number | null> {
  const row: Record<string, string | number | null> = {};
  for (const c of KEY_COLUMNS) {
    const v = field(c);
    row[c] = v === undefined || v === null ? null : INT_COLUMNS.has(c) ? Number(v) : String(v);
  }
  return row;
}

/** The columns a PATCH changes: a value to set, or null to clear. Keys absent from the patch are absent here. */
export function patchColumns(p: KeyPatch): Partial<Record<keyof KeyRow, string | number | null>> {
  const out: Partial<Record<keyof KeyRow, string | number | null>> = {};
  if (p.name !== undefined) out.name = p.name;
  if (p.labels !== undefined) out.labels = JSON.stringify(p.labels);
  if (p.allowedPools !== undefined) out.allowed_pools = JSON.stringify(p.allowedPools);
  if (p.budgetPeriod !== undefined) out.budget_period = p.budgetPeriod;
  if (p.enabled !== undefined) out.enabled = p.enabled ? 1 : 0;
  if (p.maxBudgetMicros !== undefined) out.max_budget = p.maxBudgetMicros;
  if (p.rpmLimit !== undefined) out.rpm_limit = p.rpmLimit;
  if (p.tpmLimit !== undefined) out.tpm_limit = p.tpmLimit;
  if (p.expiresAt !== undefined) out.expires_at = p.expiresAt;
  return out;
}

/** The columns a PATCH may touch, in a fixed order (one cached UPDATE statement covers every patch). */
export const PATCHABLE = [
  "name", "labels", "allowed_pools", "budget_period", "enabled", "max_budget", "rpm_limit", "tpm_limit", "expires_at",
] as const satisfies readonly (keyof KeyRow)[];

/** Applies a patch to a record in memory (the memory store; SQL and Redis apply the columns atomically). */
export function applyPatch(k: KeyRecord, p: KeyPatch): KeyRecord {
  const clear = <T>(x: T | null | undefined, keep: T | undefined): T | undefined => (x === undefined ? keep : (x ?? undefined));
  return {
    ...k,
    name: p.name ?? k.name,
    labels: p.labels !== undefined ? { ...p.labels } : k.labels,
    allowedPools: p.allowedPools !== undefined ? [...p.allowedPools] : k.allowedPools,
    budgetPeriod: p.budgetPeriod ?? k.budgetPeriod,
    enabled: p.enabled ?? k.enabled,
    maxBudgetMicros: clear(p.maxBudgetMicros, k.maxBudgetMicros),
    rpmLimit: clear(p.rpmLimit, k.rpmLimit),
    tpmLimit: clear(p.tpmLimit, k.tpmLimit),
    expiresAt: clear(p.expiresAt, k.expiresAt),
  };
}

/** `listKeys` order in every store: oldest first, then by id. */
export function byCreation(a: KeyRecord, b: KeyRecord): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
