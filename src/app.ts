// The HTTP surface: every route busbar answers, and nothing else (STYLE: only app.ts knows the routes).
import { Hono, type Context } from "hono";
import type { GatewayError } from "./ir/errors.ts";
import type { Runtime } from "./runtime.ts";
import { requestIdFrom, serverTiming, type RequestContext } from "./ingress/context.ts";
import { dialectOfPath, discoveryDialect } from "./ingress/dialect.ts";
import { getModel, listModels } from "./ingress/discovery.ts";
import { laneUsable, statsView } from "./observe/stats.ts";
import { metricsResponse } from "./observe/metrics-route.ts";
import { handleGenerate, type IngressRoute } from "./ingress/generate.ts";
import { authenticateGoverned } from "./ingress/governed.ts";
import type { Governor } from "./govern/governor.ts";
import { decodeOnce, parseBedrockModel, parseGeminiRoute, queryParam, rawPath } from "./ingress/paths.ts";
import { type ConnTimer, Edge } from "./ingress/limits.ts";
import { authFailureResponse, errorResponse } from "./ingress/respond.ts";

/** Bindings: the Bun server, passed as `app.fetch(req, server)` (serve.ts); absent when a test calls the app. */
type Env = { Bindings: Partial<ConnTimer>; Variables: { ctx: RequestContext } };
type Handler = (c: Context<Env>) => Response | Promise<Response>;

const METHODS = ["GET", "POST"] as const;
type Method = (typeof METHODS)[number];

/** POST routes fixed by their path alone: the hot paths, served by Bun's native router too (`nativeRoutes`). */
const STATIC_POSTS: readonly (readonly [readonly string[], IngressRoute])[] = [
  // OpenAI Chat, Responses, embeddings; bare paths without /v1 too (spec README D13).
  [["/v1/chat/completions", "/chat/completions"], { protocol: "openai", op: "generate" }],
  [["/v1/responses", "/responses"], { protocol: "responses", op: "generate" }],
  [["/v1/embeddings", "/embeddings"], { protocol: "openai", op: "embeddings" }],
  // Anthropic, bare; the /{name}/ and /{provider}/{model}/ forms are in createApp.
  [["/v1/messages"], { protocol: "anthropic", op: "generate" }],
  [["/v1/messages/count_tokens"], { protocol: "anthropic", op: "count_tokens" }],
  // Cohere v2.
  [["/v2/chat"], { protocol: "cohere", op: "generate" }],
];

type Admission =
  | { readonly ok: true; readonly ctx: RequestContext; /** governance on: the Gemini `?key=`, for the key lookup */ readonly geminiKey?: string | undefined }
  | { readonly ok: false; readonly res: Response };

/** Governance on: the request's virtual key, or the same reason-agnostic 401 as static auth (platform.md §2). */
async function admitGoverned(rt: Runtime, governor: Governor, req: Request, a: Admission & { ok: true }): Promise<Admission> {
  const g = await authenticateGoverned(governor, req.headers, a.geminiKey);
  if (g.ok) {
    a.ctx.caller = g.caller;
    return a;
  }
  a.ctx.inflight.end();
  const path = rawPath(req.url);
  rt.observe.metrics.edgeRefused("auth");
  rt.log.info("client auth rejected", { request_id: a.ctx.requestId, reason: g.reason, path });
  const res = authFailureResponse(dialectOfPath(req.method, path, req.headers), a.ctx.requestId);
  stamp(rt, res, a.ctx.timing);
  return { ok: false, res };
}

const OVERLOADED = {
  kind: "overloaded",
  message: "The gateway is handling too many requests at once; retry shortly.",
  retryAfter: 1,
} as const satisfies GatewayError;

/**
 * The inbound cap first (platform.md §4.3: before the body, and before hashing a token), then client auth, before
 * routing, so an unknown path with a bad token is a 401, as the vendor's would be. An admitted request holds its
 * place until `finish`.
 */
function admit(rt: Runtime, edge: Edge, req: Request, server: ConnTimer | undefined, knownPath?: string): Admission {
  const timing = { startNs: Bun.nanoseconds(), upstreamNs: 0 };
  const requestId = requestIdFrom(req.headers);
  // The native router knows the path; building `req.url` costs a string copy per request.
  const path = knownPath ?? rawPath(req.url);
  const inflight = edge.admit(req, server);
  if (inflight === undefined) {
    rt.observe.metrics.edgeRefused("shed");
    rt.log.warn("inbound cap reached; request shed", { request_id: requestId, max_inbound_concurrent: edge.gate.max, path });
    const res = errorResponse(dialectOfPath(req.method, path, req.headers), OVERLOADED, requestId);
    stamp(rt, res, timing);
    return { ok: false, res };
  }
  const record = rt.observe.begin(requestId, req.method, path, req.headers.get("traceparent"));
  inflight.onEnd = () => rt.observe.complete(record);
  const geminiKey = path.startsWith("/v1beta/") || path.startsWith("/v1/models/") ? queryParam(req.url, "key") : undefined;
  // Governance on: the virtual key is looked up asynchronously by `admitGoverned` (static tokens are ignored, §2).
  if (rt.governor !== undefined) return { ok: true, ctx: { requestId, passthrough: undefined, timing, inflight, record }, geminiKey };
  const decision = rt.auth.check(req.headers, geminiKey);
  if (!decision.ok) {
    inflight.end();
    rt.observe.metrics.edgeRefused("auth");
    rt.log.info("client auth rejected", { request_id: requestId, reason: decision.reason, path });
    const res = authFailureResponse(dialectOfPath(req.method, path, req.headers), requestId);
    stamp(rt, res, timing);
    return { ok: false, res };
  }
  return { ok: true, ctx: { requestId, passthrough: decision.passthrough, timing, inflight, record } };
}

function isConnTimer(env: Partial<ConnTimer> | undefined): env is ConnTimer {
  return typeof env?.timeout === "function";
}

/** The response is in hand: a whole body is delivered now; a stream ends its own hold (route/failover.ts). */
function finish(ctx: RequestContext): void {
  if (!ctx.inflight.deferred) ctx.inflight.end();
}

/** Fixed when the response headers are ready, so a stream's value excludes its body (platform.md §5.5). */
function stamp(rt: Runtime, res: Response, timing: RequestContext["timing"]): void {
  if (rt.config.observability.emitServerTiming) res.headers.set("server-timing", serverTiming(timing, Bun.nanoseconds()));
}

/**
 * The response is ready: its status, the gateway's own time (the Server-Timing value, which also feeds
 * `busbar_gateway_overhead_seconds`) and any dropped fields go on the record, before `finish` may complete it.
 */
function answered(rt: Runtime, res: Response, ctx: RequestContext): void {
  const nowNs = Bun.nanoseconds();
  const r = ctx.record;
  r.status = res.status;
  r.gatewayNs = Math.max(0, nowNs - ctx.timing.startNs - ctx.timing.upstreamNs);
  if (r.ingressProtocol !== undefined && r.attempts.length > 0) r.dropped = res.headers.get("x-busbar-dropped") ?? undefined;
  // The gateway's id for the request (sent upstream as x-request-id, in every log line, record and trace), unless
  // the answer carries the vendor's own x-request-id (relayed, protocols.md §3). A header named after busbar would
  // name the gateway, which platform.md §4.4 allows only with emit_server_timing.
  if (!res.headers.has("x-request-id")) res.headers.set("x-request-id", ctx.requestId);
  if (rt.config.observability.emitServerTiming) res.headers.set("server-timing", serverTiming(ctx.timing, nowNs));
}

function internalError(rt: Runtime, req: Request, err: Error, requestId: string): Response {
  const path = rawPath(req.url);
  rt.log.error("unhandled error", { error: err.name, path });
  return errorResponse(dialectOfPath(req.method, path, req.headers),
    { kind: "server_error", message: "The gateway hit an internal error handling this request." }, requestId);
}

/** `/stats` under governance (platform.md §5.1): how many keys, and how many of them are usable; null if the store fails. */
async function keysSummary(governor: Governor): Promise<{ total: number; enabled: number } | null> {
  try {
    const keys = await governor.store.listKeys();
    return { total: keys.length, enabled: keys.filter((k) => k.enabled).length };
  } catch {
    return null;
  }
}

export type NativeRoutes = Record<string, { POST: (req: Request, server?: ConnTimer) => Promise<Response> }>;

/**
 * `STATIC_POSTS` for `Bun.serve({ routes })`: the same edge and handlers as the Hono app below, minus Hono's
 * router, context and middleware chain. Those cost 6–7 µs per request in-process, and bypassing them took
 * busbar from 121 to 113 µs/req of CPU against the floor's 89 in the same run (c=64, 2-vCPU VM). Bun matches
 * only these exact raw paths with POST; everything else (other methods, a trailing slash, percent-escapes,
 * dot segments) falls through to the Hono app, which answers as before.
 */
export function nativeRoutes(rt: Runtime, edge = new Edge(rt.config.limits)): NativeRoutes {
  const routes: NativeRoutes = {};
  for (const [paths, route] of STATIC_POSTS) {
    for (const p of paths) routes[p] = { POST: nativePost(rt, edge, route, p) };
  }
  return routes;
}

function nativePost(rt: Runtime, edge: Edge, route: IngressRoute, path: string): NativeRoutes[string]["POST"] {
  return async (req, server) => {
    let a = admit(rt, edge, req, server, path);
    if (a.ok && rt.governor !== undefined) a = await admitGoverned(rt, rt.governor, req, a);
    if (!a.ok) return a.res;
    let res: Response;
    try {
      res = await handleGenerate(rt, req, route, a.ctx);
    } catch (e) {
      if (!(e instanceof Error)) {
        finish(a.ctx);
        throw e; // as in Hono: only Errors reach the error handler
      }
      res = internalError(rt, req, e, a.ctx.requestId);
    }
    answered(rt, res, a.ctx);
    finish(a.ctx);
    return res;
  };
}

/** `edge` is shared with `nativeRoutes` on one listener, so both count against one inbound cap. */
export function createApp(rt: Runtime, edge = new Edge(rt.config.limits)): Hono<Env> {
  const app = new Hono<Env>();

  /** Registers a route, plus a 405 in the path's dialect for every other method on it (protocols.md §2.1). */
  const route = (method: Method, paths: readonly string[], h: Handler) => {
    for (const p of paths) {
      app.on(method, p, h);
      app.all(p, (c) => errorResponse(dialectOfPath(c.req.method, rawPath(c.req.url), c.req.raw.headers),
        { kind: "method_not_allowed", message: `Method ${c.req.method} is not allowed on ${rawPath(c.req.url)}.` },
        c.get("ctx").requestId));
    }
  };

  // Open, side-effect free (platform.md §5.1): 503 once no lane can take a request.
  app.get("/healthz", (c) => {
    if (rt.lifecycle.draining) return c.json({ status: "draining" }, 503);
    const now = rt.now().getTime();
    return [...rt.resolver.lanes.values()].some((l) => laneUsable(l, now))
      ? c.json({ status: "ok" })
      : c.json({ status: "no usable lanes" }, 503);
  });

  app.get("/metrics", (c) => metricsResponse(rt, c.req.raw));

  app.use("*", async (c, next) => {
    let a = admit(rt, edge, c.req.raw, isConnTimer(c.env) ? c.env : undefined);
    if (a.ok && rt.governor !== undefined) a = await admitGoverned(rt, rt.governor, c.req.raw, a);
    if (!a.ok) return a.res;
    c.set("ctx", a.ctx);
    try {
      await next();
      answered(rt, c.res, a.ctx);
    } finally {
      finish(a.ctx);
    }
  });

  app.get("/stats", async (c) => {
    // A virtual key restricted to some pools sees only those pools and their lanes (platform.md §8 OBS-01).
    const allowed = c.get("ctx").caller?.key.allowedPools ?? [];
    if (allowed.length === 0) {
      const view = statsView(rt.resolver.lanes.values(), rt.resolver.pools.values(), rt.now().getTime());
      return c.json(rt.governor === undefined ? view : { ...view, keys: await keysSummary(rt.governor) });
    }
    const pools = [...rt.resolver.pools.values()].filter((p) => allowed.includes(p.name));
    const lanes = new Set(pools.flatMap((p) => p.members.map((m) => m.lane)));
    return c.json(statsView(lanes, pools, rt.now().getTime()));
  });

  const gen = (r: IngressRoute): Handler => (c) => handleGenerate(rt, c.req.raw, r, c.get("ctx"));

  for (const [paths, r] of STATIC_POSTS) route("POST", paths, gen(r));

  // Anthropic: the /{name}/ and ad-hoc /{provider}/{model}/ forms, each with count_tokens.
  for (const [suffix, op] of [["/v1/messages", "generate"], ["/v1/messages/count_tokens", "count_tokens"]] as const) {
    route("POST", [`/:name${suffix}`], (c) =>
      handleGenerate(rt, c.req.raw, { protocol: "anthropic", op, name: decodeOnce(rawPath(c.req.url).split("/")[1] ?? "") }, c.get("ctx")));
    route("POST", [`/:provider/:model${suffix}`], (c) => {
      const [, provider = "", model = ""] = rawPath(c.req.url).split("/");
      return handleGenerate(rt, c.req.raw, { protocol: "anthropic", op, adHoc: { provider: decodeOnce(provider), model: decodeOnce(model) } }, c.get("ctx"));
    });
  }

  // Discovery (protocols.md §2.4), and Gemini generateContent sharing the /v1/models/ prefix.
  route("GET", ["/v1/models", "/models"], (c) => listModels(rt, discoveryDialect(rawPath(c.req.url), c.req.raw.headers)));
  route("GET", ["/v1beta/models"], (c) => listModels(rt, { protocol: "gemini", apiVersion: "v1beta" }));
  for (const version of ["v1", "v1beta"] as const) {
    const prefix = `/${version}/models/`;
    app.get(`${prefix}*`, (c) => {
      const path = rawPath(c.req.url);
      const d = version === "v1beta" ? { protocol: "gemini" as const, apiVersion: "v1beta" } : discoveryDialect(path, c.req.raw.headers);
      return getModel(rt, d, decodeOnce(path.slice(prefix.length)), c.get("ctx").requestId);
    });
    app.post(`${prefix}*`, (c) => {
      const parsed = parseGeminiRoute(c.req.url, version);
      const requestId = c.get("ctx").requestId;
      switch (parsed.kind) {
        case "route": return handleGenerate(rt, c.req.raw, parsed.route, c.get("ctx"));
        case "unsupported": return errorResponse({ protocol: "gemini", apiVersion: version }, parsed.error, requestId);
        case "not_gemini": {
          const d = version === "v1beta" ? { protocol: "gemini" as const, apiVersion: version } : { protocol: "openai" as const };
          return errorResponse(d, { kind: "not_found", message: `Unknown request URL: POST ${rawPath(c.req.url)}.` }, requestId);
        }
      }
    });
  }

  // Bedrock Converse; the model id is decoded exactly once from the raw path.
  route("POST", ["/model/:id/converse"], (c) =>
    handleGenerate(rt, c.req.raw, { protocol: "bedrock", op: "generate", name: parseBedrockModel(c.req.url), stream: false }, c.get("ctx")));
  route("POST", ["/model/:id/converse-stream"], (c) =>
    handleGenerate(rt, c.req.raw, { protocol: "bedrock", op: "generate", name: parseBedrockModel(c.req.url), stream: true }, c.get("ctx")));

  app.notFound((c) => {
    const path = rawPath(c.req.url);
    const requestId = c.get("ctx")?.requestId ?? requestIdFrom(c.req.raw.headers);
    return errorResponse(dialectOfPath(c.req.method, path, c.req.raw.headers),
      { kind: "not_found", message: `Unknown request URL: ${c.req.method} ${path}.` }, requestId);
  });
  app.onError((err, c) => internalError(rt, c.req.raw, err, c.get("ctx")?.requestId ?? requestIdFrom(c.req.raw.headers)));
  return app;
}
