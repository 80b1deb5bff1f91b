// The HTTP surface: every route busbar answers, and nothing else (STYLE: only app.ts knows the routes).
import { Hono, type Context } from "hono";
import type { Runtime } from "./runtime.ts";
import { requestIdFrom, serverTiming, type RequestContext } from "./ingress/context.ts";
import { dialectOfPath, discoveryDialect } from "./ingress/dialect.ts";
import { getModel, listModels } from "./ingress/discovery.ts";
import { handleGenerate, type IngressRoute } from "./ingress/generate.ts";
import { decodeOnce, parseBedrockModel, parseGeminiRoute, queryParam, rawPath } from "./ingress/paths.ts";
import { authFailureResponse, errorResponse } from "./ingress/respond.ts";

type Env = { Variables: { ctx: RequestContext } };
type Handler = (c: Context<Env>) => Response | Promise<Response>;

const METHODS = ["GET", "POST"] as const;
type Method = (typeof METHODS)[number];

export function createApp(rt: Runtime): Hono<Env> {
  const app = new Hono<Env>();

  /** Registers a route, plus a 405 in the path's dialect for every other method on it (protocols.md §2.1). */
  const route = (method: Method, paths: string[], h: Handler) => {
    for (const p of paths) {
      app.on(method, p, h);
      app.all(p, (c) => errorResponse(dialectOfPath(c.req.method, rawPath(c.req.url), c.req.raw.headers),
        { kind: "method_not_allowed", message: `Method ${c.req.method} is not allowed on ${rawPath(c.req.url)}.` },
        c.get("ctx").requestId));
    }
  };

  app.get("/healthz", (c) => c.json({ status: "ok" }));

  // Client auth runs before routing, so an unknown path with a bad token is a 401, as the vendor's would be.
  app.use("*", async (c, next) => {
    const timing = { startNs: Bun.nanoseconds(), upstreamNs: 0 };
    const requestId = requestIdFrom(c.req.raw.headers);
    const path = rawPath(c.req.url);
    const geminiKey = path.startsWith("/v1beta/") || path.startsWith("/v1/models/") ? queryParam(c.req.url, "key") : undefined;
    const decision = rt.auth.check(c.req.raw.headers, geminiKey);
    if (!decision.ok) {
      rt.log.info("client auth rejected", { request_id: requestId, reason: decision.reason, path });
      const res = authFailureResponse(dialectOfPath(c.req.method, path, c.req.raw.headers), requestId);
      if (rt.config.observability.emitServerTiming) res.headers.set("server-timing", serverTiming(timing, Bun.nanoseconds()));
      return res;
    }
    c.set("ctx", { requestId, passthrough: decision.passthrough, timing });
    await next();
    // Fixed when the response headers are ready, so a stream's value excludes its body (platform.md §5.5).
    if (rt.config.observability.emitServerTiming) c.res.headers.set("server-timing", serverTiming(timing, Bun.nanoseconds()));
  });

  const gen = (r: IngressRoute): Handler => (c) => handleGenerate(rt, c.req.raw, r, c.get("ctx"));

  // OpenAI Chat, Responses, embeddings; bare paths without /v1 too (spec README D13).
  route("POST", ["/v1/chat/completions", "/chat/completions"], gen({ protocol: "openai", op: "generate" }));
  route("POST", ["/v1/responses", "/responses"], gen({ protocol: "responses", op: "generate" }));
  route("POST", ["/v1/embeddings", "/embeddings"], gen({ protocol: "openai", op: "embeddings" }));

  // Anthropic: bare, /{name}/, and the ad-hoc /{provider}/{model}/ forms, each with count_tokens.
  route("POST", ["/v1/messages"], gen({ protocol: "anthropic", op: "generate" }));
  route("POST", ["/v1/messages/count_tokens"], gen({ protocol: "anthropic", op: "count_tokens" }));
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

  // Cohere v2.
  route("POST", ["/v2/chat"], gen({ protocol: "cohere", op: "generate" }));

  app.notFound((c) => {
    const path = rawPath(c.req.url);
    const requestId = c.get("ctx")?.requestId ?? requestIdFrom(c.req.raw.headers);
    return errorResponse(dialectOfPath(c.req.method, path, c.req.raw.headers),
      { kind: "not_found", message: `Unknown request URL: ${c.req.method} ${path}.` }, requestId);
  });
  app.onError((err, c) => {
    rt.log.error("unhandled error", { error: err.name, path: rawPath(c.req.url) });
    const requestId = c.get("ctx")?.requestId ?? requestIdFrom(c.req.raw.headers);
    return errorResponse(dialectOfPath(c.req.method, rawPath(c.req.url), c.req.raw.headers),
      { kind: "server_error", message: "The gateway hit an internal error handling this request." }, requestId);
  });
  return app;
}
