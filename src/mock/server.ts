// The mock upstream's HTTP server: routes a request, records it, applies faults, and answers in the
// protocol's own wire format.
import { assertNever } from "../ir/protocol.ts";
import { answerTokens, reasoningTokens, thinking, toolCalls } from "./calls.ts";
import { embeddingsResponse } from "./embeddings.ts";
import { nativeError } from "./errors.ts";
import { FailRate, faultsFromHeaders, faultsFromModel, mergeFaults, type FaultPlan } from "./faults.ts";
import { field, parseBody, str } from "./json.ts";
import { requestIdHeader, type ChatProtocol, type MockProtocolName, type Reply } from "./protocol.ts";
import { RequestLog, type MockRequestRecord } from "./records.ts";
import { matchRoute, type Route } from "./routes.ts";
import { mergeShape, shapeFromHeaders, shapeFromModel } from "./shape.ts";
import { streamBody } from "./stream.ts";
import { inputTokens, replyText, splitPieces } from "./text.ts";

export interface MockOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks an ephemeral port. */
  port?: number;
  /** Delay before response headers, in ms. Default 0. */
  delayMs?: number;
  /** Most events a reply's text is split into, word by word. Default 16. */
  streamChunks?: number;
  /** Gap between stream events, in ms. Default 0. */
  streamIntervalMs?: number;
  /**
   * Honour `x-mock-*` headers and `@key=value` fault directives in the model (faults.ts). Default false.
   * The reply-shape directives `@tool=` / `@think` (shape.ts) work regardless; only their headers need this.
   */
  faults?: boolean;
  /** PEM text; serves HTTPS when set. */
  tls?: { cert: string; key: string };
}

export interface MockUpstream {
  /** `http(s)://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The most recent requests (at most 1000), oldest first. */
  readonly requests: readonly MockRequestRecord[];
  /** Forget recorded requests and reset every counter (ids and fail-rate draws start over). */
  reset(): void;
  stop(): Promise<void>;
}

const RECORD_CAPACITY = 1000;
const BAD_JSON = "We could not parse the JSON body of your request.";

interface Settings {
  readonly delayMs: number;
  readonly streamChunks: number;
  readonly streamIntervalMs: number;
  readonly faults: boolean;
}

function nonNegative(n: number | undefined, fallback: number): number {
  return n !== undefined && Number.isFinite(n) && n >= 0 ? n : fallback;
}

function bodyModel(body: unknown): string {
  return str(field(body, "model")) ?? "";
}

function headerRecord(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

function protocolOf(route: Exclude<Route, { kind: "stats" | "unmatched" }>): MockProtocolName {
  return route.kind === "embeddings" ? "embeddings" : route.protocol.name;
}

export function startMockUpstream(opts: MockOptions = {}): MockUpstream {
  const settings: Settings = {
    delayMs: nonNegative(opts.delayMs, 0),
    streamChunks: Math.max(1, Math.floor(nonNegative(opts.streamChunks, 16))),
    streamIntervalMs: nonNegative(opts.streamIntervalMs, 0),
    faults: opts.faults === true,
  };
  const log = new RequestLog(RECORD_CAPACITY);
  const failRate = new FailRate();
  let seq = 0;

  function respondJson(protocol: MockProtocolName, n: number, status: number, body: unknown, extra: Readonly<Record<string, string>> = {}): Response {
    const [idName, idValue] = requestIdHeader(protocol, n);
    return Response.json(body, { status, headers: { ...extra, [idName]: idValue } });
  }

  function respondError(protocol: MockProtocolName, n: number, status: number, message?: string, retryAfter?: number): Response {
    const err = nativeError(protocol, status, message, n);
    const extra: Record<string, string> = { ...err.headers };
    if (retryAfter !== undefined && (status === 429 || status === 503)) extra["retry-after"] = String(retryAfter);
    return respondJson(protocol, n, err.status, err.body, extra);
  }

  function chatReply(protocol: ChatProtocol, req: Request, body: unknown, model: string, n: number, started: number, query: URLSearchParams): Reply {
    const conv = protocol.conversation(body);
    const shape = mergeShape(shapeFromModel(model), settings.faults ? shapeFromHeaders(req.headers) : {});
    const calls = toolCalls(shape.tools);
    const text = calls.length > 0 ? "" : replyText(protocol.name, conv.lastUser);
    const thought = shape.think && protocol.reasoning ? thinking(settings.streamChunks) : undefined;
    const reasoning = reasoningTokens(thought);
    return {
      model,
      text,
      pieces: calls.length > 0 ? [] : splitPieces(text, settings.streamChunks),
      toolCalls: calls,
      thinking: thought,
      inputTokens: inputTokens(conv),
      outputTokens: answerTokens(text, calls) + reasoning,
      reasoningTokens: reasoning,
      seq: n,
      created: Math.floor(Date.now() / 1000),
      elapsedMs: () => performance.now() - started,
      body,
      query,
    };
  }

  function respondStream(protocol: ChatProtocol, reply: Reply, n: number, faults: FaultPlan): Response {
    const plan = protocol.stream(reply);
    const [idName, idValue] = requestIdHeader(protocol.name, n);
    const body = streamBody(plan.events, {
      intervalMs: settings.streamIntervalMs,
      abortAfterEvents: faults.abortAfterEvents,
      sleep: (ms) => Bun.sleep(ms),
    });
    return new Response(body, { headers: { "content-type": plan.contentType, "cache-control": "no-cache", [idName]: idValue } });
  }

  async function handle(req: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(req.url);
    const route = matchRoute(req.method, url.pathname);
    if (route.kind === "stats") return Response.json(log.stats());
    const n = ++seq;
    if (route.kind === "unmatched") return respondError(route.dialect, n, route.status, route.message);

    const protocol = protocolOf(route);
    const parsed = parseBody(await req.text());
    const body = parsed.ok ? parsed.value : undefined;
    const model = (route.kind === "embeddings" ? undefined : route.model) ?? bodyModel(body);
    const stream = route.kind === "chat" ? (route.stream ?? field(body, "stream") === true) : false;
    log.add({
      protocol, method: req.method, path: url.pathname, query: url.search.slice(1),
      headers: headerRecord(req.headers), body, model, stream,
    });

    const faults = settings.faults ? mergeFaults(faultsFromModel(model), faultsFromHeaders(req.headers)) : {};
    const status = faults.status ?? (faults.failRate === undefined ? undefined : failRate.next(model, faults.failRate));
    const delay = faults.delayMs ?? settings.delayMs;
    if (delay > 0) await Bun.sleep(delay);
    if (!parsed.ok) return respondError(protocol, n, 400, BAD_JSON);
    if (status !== undefined) return respondError(protocol, n, status, undefined, faults.retryAfterSecs);

    switch (route.kind) {
      case "embeddings":
        return respondJson(protocol, n, 200, embeddingsResponse(body, model));
      case "count_tokens": {
        const tokens = inputTokens(route.protocol.conversation(body));
        return respondJson(protocol, n, 200, route.protocol.name === "gemini" ? { totalTokens: tokens } : { input_tokens: tokens });
      }
      case "chat": {
        const rejected = route.protocol.reject?.(body, model);
        if (rejected !== undefined) return respondError(protocol, n, 400, rejected);
        const reply = chatReply(route.protocol, req, body, model, n, started, url.searchParams);
        return stream ? respondStream(route.protocol, reply, n, faults) : respondJson(protocol, n, 200, route.protocol.complete(reply));
      }
      default:
        return assertNever(route, "route");
    }
  }

  const server = Bun.serve({
    hostname: opts.host ?? "127.0.0.1",
    port: opts.port ?? 0,
    // Delay and stall faults can outlast Bun's 10 s default; the mock never times a client out.
    idleTimeout: 0,
    ...(opts.tls === undefined ? {} : { tls: { cert: opts.tls.cert, key: opts.tls.key } }),
    fetch: handle,
    // A bug in the mock should look like an upstream 500, not Bun's HTML error page.
    error: (e) => respondError("openai", seq, 500, `mock upstream failure: ${e.message}`),
  });

  const port = server.port ?? 0;
  const host = server.hostname ?? "127.0.0.1";
  const url = `${opts.tls === undefined ? "http" : "https"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    port,
    get requests() {
      return log.records;
    },
    reset() {
      log.reset();
      failRate.reset();
      seq = 0;
    },
    stop: () => server.stop(true),
  };
}
