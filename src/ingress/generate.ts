// The request pipeline for generation and auxiliary calls: body → name → lane → attempt → relay.
import type { GatewayError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import { modelNotFoundMessage } from "../proto/gemini/writer.ts";
import type { Operation } from "../proto/types.ts";
import type { Lane } from "../route/lanes.ts";
import type { Resolution } from "../route/resolve.ts";
import type { Runtime } from "../runtime.ts";
import { canTranslate } from "../upstream/egress.ts";
import { serve } from "../route/failover.ts";
import { readJsonBody } from "./body.ts";
import type { RequestContext } from "./context.ts";
import { admitGoverned, sigv4Problem, type Governed } from "./governed.ts";
import { authFailureResponse, errorResponse, type Dialect } from "./respond.ts";

/** What the matched route fixes before the body is read. */
export interface IngressRoute {
  readonly protocol: ProtocolName;
  readonly op: Operation;
  /** Name taken from the path (`/{name}/v1/messages`, Gemini, Bedrock); otherwise body `model`. */
  readonly name?: string;
  /** `/{provider}/{model}/v1/messages`: an ad-hoc lane bypassing pools. */
  readonly adHoc?: { readonly provider: string; readonly model: string };
  /** Stream decided by the route (Gemini action, Bedrock `-stream`); otherwise body `stream: true`. */
  readonly stream?: boolean;
  /** Gemini: `v1` or `v1beta`, echoed in messages. */
  readonly apiVersion?: string;
  /** Gemini stream without `alt=sse`: the caller wants a JSON array. */
  readonly geminiJsonArray?: boolean;
}

function notFound(route: IngressRoute, name: string): GatewayError {
  const message = route.protocol === "gemini"
    ? modelNotFoundMessage(name, route.apiVersion ?? "v1beta")
    : `The model '${name}' does not exist or you do not have access to it.`;
  return { kind: "not_found", message, param: "model", code: "model_not_found" };
}

function unserved(route: IngressRoute, name: string, lanes: readonly Lane[]): GatewayError {
  if (route.op !== "generate") {
    return { kind: "not_found", message: `No lane of '${name}' serves ${route.op.replace("_", " ")} in the ${route.protocol} protocol.` };
  }
  const spoken = [...new Set(lanes.map((l) => l.protocol.name))].join(", ");
  return {
    kind: "invalid_request",
    message: `'${name}' is served by ${spoken} lanes; translation between ${route.protocol} and ${spoken} is not available in this build.`,
  };
}

function resolve(rt: Runtime, route: IngressRoute, name: string): Resolution {
  if (route.adHoc !== undefined) return rt.resolver.adHoc(route.adHoc.provider, route.adHoc.model);
  return rt.resolver.resolve(name);
}

/** A lane serves a route natively, or — for generation — by translation when both ends have a codec. */
function serves(route: IngressRoute, lane: Lane): boolean {
  if (lane.protocol.name === route.protocol) return lane.protocol.operations.includes(route.op);
  return route.op === "generate" && canTranslate(route.protocol, lane);
}

/** `http.route` (platform.md §5.3): the path template, never a client's model name or id. */
function routeTemplate(route: IngressRoute, rawPath: string): string {
  switch (route.protocol) {
    case "gemini": return `/${route.apiVersion ?? "v1beta"}/models/{model}:${route.stream === true ? "streamGenerateContent" : route.op === "count_tokens" ? "countTokens" : route.op === "embeddings" ? "embedContent" : "generateContent"}`;
    case "bedrock": return route.stream === true ? "/model/{modelId}/converse-stream" : "/model/{modelId}/converse";
    case "anthropic": {
      const tail = route.op === "count_tokens" ? "/v1/messages/count_tokens" : "/v1/messages";
      if (route.adHoc !== undefined) return `/{provider}/{model}${tail}`;
      return route.name !== undefined ? `/{name}${tail}` : tail;
    }
    case "openai":
    case "responses":
    case "cohere":
      return rawPath; // fixed paths (STATIC_POSTS), matched exactly
  }
}

export async function handleGenerate(rt: Runtime, req: Request, route: IngressRoute, ctx: RequestContext): Promise<Response> {
  const dialect: Dialect = { protocol: route.protocol, apiVersion: route.apiVersion };
  const fail = (err: GatewayError, headers: Record<string, string> = {}) => {
    const res = errorResponse(dialect, err, ctx.requestId);
    for (const [k, v] of Object.entries(headers)) res.headers.set(k, v);
    return res;
  };

  const record = ctx.record;
  record.ingressProtocol = route.protocol;
  record.route = routeTemplate(route, record.route);
  ctx.inflight.bodyStarts();
  const body = await readJsonBody(req, rt.config.limits);
  if (!body.ok) {
    // Byte counts only: never the body, nor the parser's message, which can quote it (platform.md §4.4).
    rt.log.info("request body refused", { request_id: ctx.requestId, kind: body.error.kind, bytes: body.bytes });
    return fail(body.error);
  }
  ctx.inflight.bodyRead();
  const caller = ctx.caller;
  if (caller !== undefined) {
    // A SigV4 signature binds the body, so it is checked now; failing it looks exactly like a bad key (§2).
    const bad = await sigv4Problem(rt, caller, req, body.text);
    if (bad !== undefined) {
      rt.log.info("client auth rejected", { request_id: ctx.requestId, reason: `SigV4: ${bad}`, key: caller.key.id });
      return authFailureResponse(dialect, ctx.requestId);
    }
  }

  let name = route.name ?? route.adHoc?.model;
  if (name === undefined) {
    const m = body.json["model"];
    if (typeof m !== "string" || m === "") {
      return fail({ kind: "invalid_request", message: "Missing required parameter: 'model'.", param: "model" });
    }
    name = m;
  }
  // Only generation streams: `stream: true` on count_tokens or embeddings is ignored, as the vendors do, rather than
  // waiting for an event stream the upstream will never send (found by tests/security/fuzz-ingress.test.ts).
  const stream = route.op === "generate" && (route.stream ?? body.json["stream"] === true);
  record.requestedModel = name;
  record.stream = stream;
  record.keyId = caller?.key.id;

  const resolved = resolve(rt, route, name);
  if (resolved.kind === "unknown") return fail(notFound(route, name));
  const { pool } = resolved;
  // A label: the configured pool or model; an ad-hoc lane's name is the client's string (§5.2 cardinality).
  record.pool = route.adHoc === undefined ? pool.name : "adhoc";
  const servesRoute = (lane: Lane) => serves(route, lane);
  if (!pool.members.some((m) => servesRoute(m.lane))) return fail(unserved(route, name, pool.members.map((m) => m.lane)));

  let governed: Governed | undefined;
  if (caller !== undefined && rt.governor !== undefined) {
    const g = await admitGoverned(rt, rt.governor, caller, { pool, protocol: route.protocol, generates: route.op === "generate", json: body.json, text: body.text, requestId: ctx.requestId, record });
    if (!g.ok) return fail(g.error);
    governed = g.governed;
  }

  const served = await serve(rt, {
    caller: route.protocol,
    op: route.op,
    stream,
    geminiJsonArray: route.geminiJsonArray === true,
    pool,
    body: { text: body.text, json: body.json },
    callerHeaders: req.headers,
    passthrough: ctx.passthrough,
    requestId: ctx.requestId,
    timing: ctx.timing,
    clientSignal: req.signal,
    serves: servesRoute,
    delivery: ctx.inflight,
    record,
    ...(governed === undefined ? {} : { onServed: governed.onServed }),
  });
  governed?.answered("res" in served && served.res.ok);
  if ("gone" in served) return new Response(null, { status: 499 });
  if ("res" in served) return served.res;
  return fail(served.error, served.headers);
}
