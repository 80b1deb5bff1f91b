// The admin API's JSON shapes (platform.md §3.6): mint and patch bodies (strict: an unknown field is a 400 naming
// it), key metadata as it is shown (never the secret or its hash), and the error envelope.
import * as v from "valibot";
import type { BudgetPeriod, KeyPatch, KeyRecord } from "../govern/store/types.ts";

export type AdminErrorCode = "unauthorized" | "not_found" | "method_not_allowed" | "invalid_request" | "conflict" | "internal";

export const ADMIN_STATUS: Record<AdminErrorCode, number> = {
  unauthorized: 401, not_found: 404, method_not_allowed: 405, invalid_request: 400, conflict: 409, internal: 500,
};

export function adminError(code: AdminErrorCode, message: string): Response {
  return Response.json({ error: { code, message } }, { status: ADMIN_STATUS[code] });
}

const PERIODS = ["total", "daily", "monthly"] as const satisfies readonly BudgetPeriod[];
const limit = v.pipe(v.number(), v.integer("must be a whole number"), v.minValue(1, "must be >= 1 (omit it, or send null, for no limit)"));
const cents = v.pipe(v.number(), v.finite(), v.minValue(0, "must be >= 0"));
const isoFuture = v.pipe(v.string(), v.isoTimestamp("must be an ISO-8601 timestamp, e.g. 2027-01-01T00:00:00Z"));

const fields = {
  name: v.pipe(v.string(), v.minLength(1, "must not be empty"), v.maxLength(128, "must be at most 128 characters")),
  labels: v.record(v.string(), v.string()),
  allowed_pools: v.array(v.pipe(v.string(), v.minLength(1))),
  max_budget_cents: v.nullable(cents),
  budget_period: v.picklist(PERIODS, `must be one of ${PERIODS.join(", ")}`),
  rpm_limit: v.nullable(limit),
  tpm_limit: v.nullable(limit),
  enabled: v.boolean(),
  expires_at: v.nullable(isoFuture),
};

/** Every field a PATCH may carry: absent = keep, `null` = clear (unlimited / never), a value = set (§3.6). */
const optionalFields = {
  name: v.optional(fields.name),
  labels: v.optional(fields.labels),
  allowed_pools: v.optional(fields.allowed_pools),
  max_budget_cents: v.optional(fields.max_budget_cents),
  budget_period: v.optional(fields.budget_period),
  rpm_limit: v.optional(fields.rpm_limit),
  tpm_limit: v.optional(fields.tpm_limit),
  enabled: v.optional(fields.enabled),
  expires_at: v.optional(fields.expires_at),
};

/** A mint takes the same fields, `name` required, plus the AWS pair switch. */
export const MintBody = v.strictObject({ ...optionalFields, name: fields.name, issue_aws_credential: v.optional(v.boolean()) });
export type MintBody = v.InferOutput<typeof MintBody>;

export const PatchBody = v.strictObject(optionalFields);
export type PatchBody = v.InferOutput<typeof PatchBody>;

/** `field: message` lines for a 400, naming unknown fields too. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues.map((i) => {
    const path = i.path?.map((p) => String(p.key)).join(".") ?? "";
    const msg = i.kind === "schema" && i.type === "strict_object" ? "unknown field" : i.message;
    return path === "" ? msg : `${path}: ${msg}`;
  }).join("; ");
}

export const centsToMicros = (c: number): number => Math.floor(c * 1_000_000 + 0.5);
const microsToCents = (m: number): number => m / 1_000_000;
const iso = (ms: number | undefined): string | null => (ms === undefined ? null : new Date(ms).toISOString());

/** Key metadata as every read shows it: never the secret, its hash or the AWS secret. */
export function keyMeta(k: KeyRecord): Record<string, unknown> {
  return {
    id: k.id,
    name: k.name,
    labels: k.labels,
    allowed_pools: k.allowedPools,
    max_budget_cents: k.maxBudgetMicros === undefined ? null : microsToCents(k.maxBudgetMicros),
    budget_period: k.budgetPeriod,
    rpm_limit: k.rpmLimit ?? null,
    tpm_limit: k.tpmLimit ?? null,
    enabled: k.enabled,
    expires_at: iso(k.expiresAt),
    created_at: iso(k.createdAt),
    ...(k.aws === undefined ? {} : { aws_access_key_id: k.aws.accessKeyId }),
  };
}

/** A PATCH body as a store KeyPatch. */
export function toPatch(b: PatchBody): KeyPatch {
  const out: Record<string, unknown> = {};
  if (b.name !== undefined) out["name"] = b.name;
  if (b.labels !== undefined) out["labels"] = b.labels;
  if (b.allowed_pools !== undefined) out["allowedPools"] = b.allowed_pools;
  if (b.budget_period !== undefined) out["budgetPeriod"] = b.budget_period;
  if (b.enabled !== undefined) out["enabled"] = b.enabled;
  if (b.max_budget_cents !== undefined) out["maxBudgetMicros"] = b.max_budget_cents === null ? null : centsToMicros(b.max_budget_cents);
  if (b.rpm_limit !== undefined) out["rpmLimit"] = b.rpm_limit;
  if (b.tpm_limit !== undefined) out["tpmLimit"] = b.tpm_limit;
  if (b.expires_at !== undefined) out["expiresAt"] = b.expires_at === null ? null : Date.parse(b.expires_at);
  return out as KeyPatch;
}
