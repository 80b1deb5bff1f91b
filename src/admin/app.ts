// The admin API (platform.md §3.6, spec README platform decision 2): `/api/v1/admin/…` on its own listener, every
// call behind the admin token (constant-time), JSON errors. Key secrets are shown once, in the 201 that mints them.
import { Hono, type Context } from "hono";
import * as v from "valibot";
import { TokenSet } from "../auth/tokens.ts";
import type { ReloadResult } from "../reload.ts";
import { buildInfo } from "../build-info.ts";
import type { Governor } from "../govern/governor.ts";
import { hashSecret, mintAwsPair, mintKeyId, mintSecret } from "../govern/keys.ts";
import { KeyConflict, type KeyRecord, poolAccount } from "../govern/store/types.ts";
import type { Logger } from "../observe/log.ts";
import { ADMIN_PATHS, openApiDocument } from "./openapi.ts";
import { adminError, centsToMicros, describeIssues, keyMeta, MintBody, PatchBody, toPatch } from "./wire.ts";

export const ADMIN_BASE = "/api/v1/admin";

export interface AdminDeps {
  readonly token: string;
  /** Undefined when governance is off: key routes answer 409. */
  readonly governor: Governor | undefined;
  /** Pool and model names a key may be allowed (an unknown one is accepted with a warning). */
  readonly routeNames: () => readonly string[];
  readonly log: Logger;
  readonly nowMs: () => number;
  readonly startedAt: number;
  readonly configVersion: () => number;
  /** Reloads config and catalog from disk (platform.md §6.6); absent where the process has no files (tests, demo). */
  readonly reload?: () => Promise<ReloadResult>;
}

/** The Authorization Bearer value or X-Admin-Token (blank = absent). */
function presented(h: Headers): string | undefined {
  const authz = h.get("authorization");
  if (authz !== null && authz.slice(0, 7).toLowerCase() === "bearer ") {
    const t = authz.slice(7).trim();
    if (t !== "") return t;
  }
  const x = h.get("x-admin-token")?.trim();
  return x === "" ? undefined : x;
}

async function jsonBody(c: Context): Promise<unknown> {
  try {
    return await c.req.json();
  } catch {
    return Symbol.for("malformed");
  }
}

export function createAdminApp(d: AdminDeps): Hono {
  const app = new Hono();
  const tokens = new TokenSet([d.token]);

  app.use("*", async (c, next) => {
    const t = presented(c.req.raw.headers);
    if (t === undefined || !tokens.matches(t)) {
      d.log.info("admin call", { method: c.req.method, path: c.req.path, status: 401 });
      return adminError("unauthorized", "A valid admin token is required (Authorization: Bearer or X-Admin-Token).");
    }
    await next();
    d.log.info("admin call", { method: c.req.method, path: c.req.routePath, status: c.res.status, ...(c.get("keyId" as never) ? { key: c.get("keyId" as never) } : {}) });
  });

  const store = () => d.governor?.store;
  const governanceOff = () => adminError("conflict", "Governance is disabled (governance.enabled: false): there are no virtual keys.");
  const internal = (e: unknown) => {
    d.log.error("admin store error", { error: e instanceof Error ? e.name : "unknown" });
    return adminError("internal", "The governance store failed; see the gateway log.");
  };
  const forget = (...keys: (KeyRecord | undefined)[]) => { for (const k of keys) if (k !== undefined) d.governor?.forget(k); };
  const unknownPools = (pools: readonly string[] | undefined) => {
    const known = new Set(d.routeNames());
    return (pools ?? []).filter((p) => !known.has(p)).map((p) => `allowed_pools: no pool or model named ${JSON.stringify(p)} in the current config`);
  };

  app.post(`${ADMIN_BASE}/keys`, async (c) => {
    const s = store();
    if (s === undefined) return governanceOff();
    const raw = await jsonBody(c);
    if (typeof raw === "symbol") return adminError("invalid_request", "The body is not valid JSON.");
    const parsed = v.safeParse(MintBody, raw);
    if (!parsed.success) return adminError("invalid_request", describeIssues(parsed.issues));
    const b = parsed.output;
    const now = d.nowMs();
    if (b.expires_at != null && Date.parse(b.expires_at) <= now) return adminError("invalid_request", "expires_at: must be in the future");
    const secret = mintSecret();
    const aws = b.issue_aws_credential === true ? mintAwsPair() : undefined;
    const key: KeyRecord = {
      id: mintKeyId(),
      hash: hashSecret(secret),
      name: b.name,
      labels: b.labels ?? {},
      allowedPools: b.allowed_pools ?? [],
      maxBudgetMicros: b.max_budget_cents == null ? undefined : centsToMicros(b.max_budget_cents),
      budgetPeriod: b.budget_period ?? "total",
      rpmLimit: b.rpm_limit ?? undefined,
      tpmLimit: b.tpm_limit ?? undefined,
      enabled: b.enabled ?? true,
      expiresAt: b.expires_at == null ? undefined : Date.parse(b.expires_at),
      createdAt: now,
      ...(aws === undefined || d.governor === undefined ? {} : { aws: { accessKeyId: aws.accessKeyId, secret: d.governor.keepAwsSecret(aws.secret) } }),
    };
    try {
      await s.createKey(key);
    } catch (e) {
      if (e instanceof KeyConflict) return adminError("conflict", "A key with that id already exists; retry.");
      return internal(e);
    }
    c.set("keyId" as never, key.id as never);
    const warnings = unknownPools(b.allowed_pools);
    return c.json({
      ...keyMeta(key),
      secret,
      ...(aws === undefined ? {} : { aws_access_key_id: aws.accessKeyId, aws_secret_access_key: aws.secret }),
      ...(warnings.length > 0 ? { warnings } : {}),
    }, 201);
  });

  app.get(`${ADMIN_BASE}/keys`, async (c) => {
    const s = store();
    if (s === undefined) return governanceOff();
    try {
      return c.json({ keys: (await s.listKeys()).map(keyMeta) });
    } catch (e) {
      return internal(e);
    }
  });

  const byId = (fn: (c: Context, id: string) => Promise<Response>) => async (c: Context) => {
    if (store() === undefined) return governanceOff();
    const id = c.req.param("id") ?? "";
    c.set("keyId" as never, id as never);
    try {
      return await fn(c, id);
    } catch (e) {
      return internal(e);
    }
  };
  const notFound = (id: string) => adminError("not_found", `No key with id ${JSON.stringify(id)}.`);

  app.get(`${ADMIN_BASE}/keys/:id`, byId(async (c, id) => {
    const k = await store()!.getKey(id);
    return k === undefined ? notFound(id) : c.json(keyMeta(k));
  }));

  app.patch(`${ADMIN_BASE}/keys/:id`, byId(async (c, id) => {
    const raw = await jsonBody(c);
    if (typeof raw === "symbol") return adminError("invalid_request", "The body is not valid JSON.");
    const parsed = v.safeParse(PatchBody, raw);
    if (!parsed.success) return adminError("invalid_request", describeIssues(parsed.issues));
    if (parsed.output.expires_at != null && Date.parse(parsed.output.expires_at) <= d.nowMs()) {
      return adminError("invalid_request", "expires_at: must be in the future");
    }
    const before = await store()!.getKey(id);
    const after = await store()!.updateKey(id, toPatch(parsed.output));
    if (after === undefined) return notFound(id);
    forget(before, after);
    const warnings = unknownPools(parsed.output.allowed_pools);
    return c.json({ ...keyMeta(after), ...(warnings.length > 0 ? { warnings } : {}) });
  }));

  app.delete(`${ADMIN_BASE}/keys/:id`, byId(async (c, id) => {
    const before = await store()!.getKey(id);
    if (!(await store()!.deleteKey(id))) return notFound(id);
    forget(before);
    return c.json({ deleted: id });
  }));

  app.get(`${ADMIN_BASE}/keys/:id/usage`, byId(async (c, id) => {
    const k = await store()!.getKey(id);
    if (k === undefined) return notFound(id);
    const u = await store()!.usage(id, k.budgetPeriod, d.nowMs());
    return c.json({
      id, budget_period: k.budgetPeriod, window_start: new Date(u.windowStart).toISOString(),
      spend_cents: u.spendMicros / 1_000_000, spend_microcents: u.spendMicros, tokens: u.tokens, requests: u.requests,
    });
  }));

  app.post(`${ADMIN_BASE}/keys/:id/reset`, byId(async (c, id) => {
    const k = await store()!.getKey(id);
    if (k === undefined) return notFound(id);
    await store()!.resetUsage(id, k.budgetPeriod, d.nowMs());
    return c.json({ reset: id });
  }));

  app.get(`${ADMIN_BASE}/pools/:pool/usage`, async (c) => {
    const s = store();
    if (s === undefined) return governanceOff();
    const pool = c.req.param("pool");
    if (!d.routeNames().includes(pool)) return adminError("not_found", `No pool or model named ${JSON.stringify(pool)} in the current config.`);
    const period = c.req.query("period") ?? "total";
    if (period !== "total" && period !== "daily" && period !== "monthly") return adminError("invalid_request", "period: must be one of total, daily, monthly");
    try {
      const u = await s.usage(poolAccount(pool), period, d.nowMs());
      return c.json({
        pool, budget_period: period, window_start: new Date(u.windowStart).toISOString(),
        spend_cents: u.spendMicros / 1_000_000, spend_microcents: u.spendMicros, tokens: u.tokens, requests: u.requests,
      });
    } catch (e) {
      return internal(e);
    }
  });

  app.get(`${ADMIN_BASE}/info`, (c) => {
    const info = buildInfo();
    const now = d.nowMs();
    return c.json({
      ...info, started_at: new Date(d.startedAt).toISOString(), uptime_seconds: Math.floor((now - d.startedAt) / 1000),
      config_version: d.configVersion(), store_kind: d.governor?.store.kind ?? null,
    });
  });

  app.post(`${ADMIN_BASE}/config/reload`, async (c) => {
    if (d.reload === undefined) return adminError("conflict", "This process was not started from a config file; there is nothing to reload.");
    const r = await d.reload();
    if (!r.ok) {
      // The running config keeps serving; the errors are the same lines `busbar --validate` prints.
      return Response.json({ error: { code: "invalid_request", message: "The new config is invalid; the running config is unchanged.", errors: r.errors } }, { status: 400 });
    }
    return c.json({ config_version: r.configVersion, restart_required: r.restartRequired, warnings: r.warnings });
  });

  app.get(`${ADMIN_BASE}/openapi.json`, (c) => c.json(openApiDocument(buildInfo().version)));

  // Any other method on a known path is a 405; anything else a 404.
  for (const p of ADMIN_PATHS) {
    app.all(p.route, () => adminError("method_not_allowed", `Allowed: ${p.methods.join(", ")}.`));
  }
  app.notFound(() => adminError("not_found", "No such admin endpoint; see /api/v1/admin/openapi.json."));
  app.onError((e) => internal(e));
  return app;
}
