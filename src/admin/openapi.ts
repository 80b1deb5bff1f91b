// The admin API as an OpenAPI 3.1 document, served at /api/v1/admin/openapi.json. ADMIN_PATHS is the one list of
// routes: the app's 405 handling walks it, and a test checks it against what the app answers.

type Method = "get" | "post" | "patch" | "delete";

interface Op {
  readonly summary: string;
  readonly ok: number;
  readonly body?: string;
}

export const ADMIN_PATHS: readonly { readonly route: string; readonly openapi: string; readonly methods: readonly string[]; readonly ops: Partial<Record<Method, Op>> }[] = [
  {
    route: "/api/v1/admin/keys", openapi: "/api/v1/admin/keys", methods: ["GET", "POST"],
    ops: { get: { summary: "List virtual keys (metadata only)", ok: 200 }, post: { summary: "Mint a virtual key; the secret is in this answer only", ok: 201, body: "MintBody" } },
  },
  {
    route: "/api/v1/admin/keys/:id", openapi: "/api/v1/admin/keys/{id}", methods: ["GET", "PATCH", "DELETE"],
    ops: {
      get: { summary: "One key's metadata", ok: 200 },
      patch: { summary: "Change a key: absent = keep, null = unlimited/never, value = set", ok: 200, body: "PatchBody" },
      delete: { summary: "Delete a key (refused fleet-wide within governance.key_cache_ms)", ok: 200 },
    },
  },
  { route: "/api/v1/admin/keys/:id/usage", openapi: "/api/v1/admin/keys/{id}/usage", methods: ["GET"], ops: { get: { summary: "Spend, tokens and requests in the key's current budget window", ok: 200 } } },
  { route: "/api/v1/admin/keys/:id/reset", openapi: "/api/v1/admin/keys/{id}/reset", methods: ["POST"], ops: { post: { summary: "Zero the key's current window and rate counters", ok: 200 } } },
  {
    route: "/api/v1/admin/pools/:pool/usage", openapi: "/api/v1/admin/pools/{pool}/usage", methods: ["GET"],
    ops: { get: { summary: "Spend, tokens and requests of every request that named this pool, in the current total/daily/monthly window (?period=)", ok: 200 } },
  },
  {
    route: "/api/v1/admin/config/reload", openapi: "/api/v1/admin/config/reload", methods: ["POST"],
    ops: { post: { summary: "Reload config and catalog from disk; 400 with the errors leaves the running config unchanged", ok: 200 } },
  },
  { route: "/api/v1/admin/info", openapi: "/api/v1/admin/info", methods: ["GET"], ops: { get: { summary: "Version, uptime, config version and store kind", ok: 200 } } },
  { route: "/api/v1/admin/openapi.json", openapi: "/api/v1/admin/openapi.json", methods: ["GET"], ops: { get: { summary: "This document", ok: 200 } } },
];

const nullableInt = { type: ["integer", "null"], minimum: 1 };
const keyFields = {
  name: { type: "string", minLength: 1, maxLength: 128 },
  labels: { type: "object", additionalProperties: { type: "string" } },
  allowed_pools: { type: "array", items: { type: "string" }, description: "Empty = every pool; a fallback pool must be allowed too" },
  max_budget_cents: { type: ["number", "null"], minimum: 0 },
  budget_period: { type: "string", enum: ["total", "daily", "monthly"], description: "UTC windows" },
  rpm_limit: nullableInt,
  tpm_limit: nullableInt,
  enabled: { type: "boolean" },
  expires_at: { type: ["string", "null"], format: "date-time" },
};

export function openApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const p of ADMIN_PATHS) {
    const item: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(p.ops) as [Method, Op][]) {
      item[method] = {
        summary: op.summary,
        ...(p.openapi.includes("{id}") ? { parameters: [{ name: "id", in: "path", required: true, schema: { type: "string", pattern: "^vk_[0-9a-f]{16}$" } }] } : {}),
        ...(p.openapi.includes("{pool}") ? {
          parameters: [
            { name: "pool", in: "path", required: true, schema: { type: "string" } },
            { name: "period", in: "query", required: false, schema: { type: "string", enum: ["total", "daily", "monthly"], default: "total" } },
          ],
        } : {}),
        ...(op.body === undefined ? {} : { requestBody: { required: true, content: { "application/json": { schema: { $ref: `#/components/schemas/${op.body}` } } } } }),
        responses: {
          [String(op.ok)]: { description: "OK", content: { "application/json": { schema: { type: "object" } } } },
          default: { description: "Error", content: { "application/json": { schema: { $ref: "#/components/schemas/Error" } } } },
        },
      };
    }
    paths[p.openapi] = item;
  }
  return {
    openapi: "3.1.0",
    info: { title: "busbar admin API", version, description: "Served on the admin listener only; every call needs the admin token." },
    security: [{ bearer: [] }, { adminToken: [] }],
    paths,
    components: {
      securitySchemes: {
        bearer: { type: "http", scheme: "bearer" },
        adminToken: { type: "apiKey", in: "header", name: "X-Admin-Token" },
      },
      schemas: {
        MintBody: { type: "object", additionalProperties: false, required: ["name"], properties: { ...keyFields, issue_aws_credential: { type: "boolean" } } },
        PatchBody: { type: "object", additionalProperties: false, properties: keyFields },
        Error: {
          type: "object",
          properties: {
            error: {
              type: "object",
              properties: {
                code: { type: "string", enum: ["unauthorized", "not_found", "method_not_allowed", "invalid_request", "conflict", "internal"] },
                message: { type: "string" },
              },
            },
          },
        },
      },
    },
  };
}
