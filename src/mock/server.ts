// The mock upstream's HTTP server: routes a request, records it, applies faults, and answers in the
// protocol's own wire format.
import { assertNever } from "../ir/protocol.ts";
import { MAX_DELAY_MS } from "./behaviour.ts";
import { answerTokens, reasoningTokens, thinking, toolCalls } from "./calls.ts";
import { controlApi } from "./control-api.ts";
import { memberOf } from "./directives.ts";
import { embeddingsResponse } from "./embeddings.ts";
import { nativeError, type ErrorDetail } from "./errors.ts";
import { FailRate, faultsFromHeaders, faultsFromModel, mergeFaults, type FaultPlan } from "./faults.ts";
import { field, parseBody, str } from "./json.ts";
import { MemberBook, type Pick } from "./members.ts";
import { play, type Exchange, type Success, type SuccessShape } from "./play.ts";
import type { ErrorSpec } from "./presets.ts";
import { requestIdHeader, type ChatProtocol, type Frame, type MockProtocolName, type Reply, type StreamPlan, type Wire } from "./protocol.ts";
import { RequestLog, type MockRequestRecord } from "./records.ts";
import { matchRoute, type Route } from "./routes.ts";
import { findScript } from "./script.ts";
import { mergeShape, shapeFromHeaders, shapeFromModel } from "./shape.ts";
import { streamBody } from "./stream.ts";
import { pause, Waits } from "./timeline.ts";
import { inputTokens, memberMarker, padWords, replyText, splitPieces } from "./text.ts";

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
   * Honour `x-mock-*` headers and `@key=value` fault directives in the model (faults.ts), `@fault=` scripts
   * (script.ts), and serve the control API under `/__mock/` (control-api.ts). Default false.
   * The reply-shape directives `@tool=` / `@think` (shape.ts) work regardless; only their headers need this.
   */
  faults?: boolean;
  /**
   * Open every reply's text with `member=<name> ` (the model without its directives), so a test can tell
   * which member answered (reliability.md §13.1). Default false: the demo text stays as platform.md §6.2 words it.
   */
  memberTag?: boolean;
  /** The longest any hang or stall lasts before the connection is reset, in ms. Default and maximum 600000. */
  hangCapMs?: number;
  /** PEM text; serves HTTPS when set. */
  tls?: { cert: string; key: string };
}

export interface MockUpstream {
  /** `http(s)://host:port`, no trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The most recent requests (at most 1000), oldest first. */
  readonly requests: readonly MockRequestRecord[];
  /** Forget recorded requests and reset every counter (ids and fail-rate draws start over) and every member. */
  reset(): void;
  /**
   * Resolves once no delay, hang or stall is pending. Each ends when its client disconnects or at the hang
   * cap, so after the clients are gone this settles at once; a leak would keep it pending.
   */
  idle(): Promise<void>;
  /** Resolves once at least `count` delays, hangs or stalls are pending at the same time (default 1). */
  waiting(count?: number): Promise<void>;
  stop(): Promise<void>;
}

const RECORD_CAPACITY = 1000;
const BAD_JSON = "We could not parse the JSON body of your request.";

type Routed = Exclude<Route, { kind: "stats" | "control" | "unmatched" }>;

/** A routed request, read: what building its answer needs. */
interface Incoming {
  readonly route: Routed;
  readonly req: Request;
  readonly body: unknown;
  /** As received, directives included. */
  readonly model: string;
  /** The request counter. */
  readonly n: number;
  /** `performance.now()` on arrival. */
  readonly started: number;
  readonly query: URLSearchParams;
}

/** The wire bytes of each frame, lazily (Bedrock's last frame reads the clock when it is built). */
function* wires(frames: Iterable<Frame>): Generator<Wire> {
  for (const f of frames) yield f.wire;
}

interface Settings {
  readonly delayMs: number;
  readonly streamChunks: number;
  readonly streamIntervalMs: number;
  readonly faults: boolean;
  readonly memberTag: boolean;
  readonly hangCapMs: number;
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

function protocolOf(route: Routed): MockProtocolName {
  return route.kind === "embeddings" ? "embeddings" : route.protocol.name;
}

export function startMockUpstream(opts: MockOptions = {}): MockUpstream {
  const settings: Settings = {
    delayMs: nonNegative(opts.delayMs, 0),
    streamChunks: Math.max(1, Math.floor(nonNegative(opts.streamChunks, 16))),
    streamIntervalMs: nonNegative(opts.streamIntervalMs, 0),
    faults: opts.faults === true,
    memberTag: opts.memberTag === true,
    hangCapMs: Math.min(MAX_DELAY_MS, nonNegative(opts.hangCapMs, MAX_DELAY_MS)),
  };
  const log = new RequestLog(RECORD_CAPACITY);
  const failRate = new FailRate();
  const members = new MemberBook();
  const waits = new Waits();
  let seq = 0;

  function resetAll(): void {
    log.reset();
    failRate.reset();
    members.reset();
    seq = 0;
  }

  function respondJson(protocol: MockProtocolName, n: number, status: number, body: unknown, extra: Readonly<Record<string, string>> = {}): Response {
    const [idName, idValue] = requestIdHeader(protocol, n);
    return Response.json(body, { status, headers: { ...extra, [idName]: idValue } });
  }

  function respondError(protocol: MockProtocolName, n: number, status: number, message?: string, retryAfter?: number): Response {
    // The legacy directives send Retry-After only with a 429 or 503 (platform.md §6.2).
    const header = retryAfter !== undefined && (status === 429 || status === 503) ? String(retryAfter) : undefined;
    return respondErrorSpec(protocol, n, { status, ...(message === undefined ? {} : { message }), ...(header === undefined ? {} : { retryAfter: header }) });
  }

  function respondErrorSpec(protocol: MockProtocolName, n: number, spec: ErrorSpec): Response {
    const detail: ErrorDetail = { ...(spec.code === undefined ? {} : { code: spec.code }), ...(spec.type === undefined ? {} : { type: spec.type }) };
    const err = nativeError(protocol, spec.status, spec.message, n, detail);
    const extra: Record<string, string> = { ...err.headers };
    if (spec.retryAfter !== undefined) extra["retry-after"] = spec.retryAfter;
    return respondJson(protocol, n, err.status, err.body, extra);
  }

  /** The reply text: the demo sentence, opened by the member marker when tagging, padded to `events` words. */
  function text(protocol: ChatProtocol, lastUser: string, model: string, events: number | undefined): string {
    const said = replyText(protocol.name, lastUser);
    const tagged = settings.memberTag ? `${memberMarker(memberOf(model))} ${said}` : said;
    return events === undefined ? tagged : padWords(tagged, events);
  }

  function chatReply(protocol: ChatProtocol, at: Incoming, shape: Omit<SuccessShape, "stream">): Reply {
    const { body, model, n, started } = at;
    const conv = protocol.conversation(body);
    const replyShape = mergeShape(shapeFromModel(model), settings.faults ? shapeFromHeaders(at.req.headers) : {});
    const calls = toolCalls(replyShape.tools);
    const answer = calls.length > 0 ? "" : text(protocol, conv.lastUser, model, shape.events);
    const thought = replyShape.think && protocol.reasoning ? thinking(settings.streamChunks) : undefined;
    const reasoning = reasoningTokens(thought);
    return {
      model,
      text: answer,
      pieces: calls.length > 0 ? [] : splitPieces(answer, shape.events ?? settings.streamChunks),
      toolCalls: calls,
      thinking: thought,
      inputTokens: inputTokens(conv),
      outputTokens: answerTokens(answer, calls) + reasoning,
      reasoningTokens: reasoning,
      seq: n,
      created: Math.floor(Date.now() / 1000),
      elapsedMs: () => performance.now() - started,
      body,
      query: at.query,
      finish: shape.finish,
    };
  }

  /** The successful answer to a routed request, as a JSON body or (chat routes only) a stream plan. */
  function success(at: Incoming, shape: SuccessShape): Success {
    const { route, body, model } = at;
    switch (route.kind) {
      case "embeddings":
        return { stream: false, body: embeddingsResponse(body, model) };
      case "count_tokens": {
        const tokens = inputTokens(route.protocol.conversation(body));
        return { stream: false, body: route.protocol.name === "gemini" ? { totalTokens: tokens } : { input_tokens: tokens } };
      }
      case "chat": {
        const reply = chatReply(route.protocol, at, shape);
        return shape.stream ? { stream: true, protocol: route.protocol.name, plan: route.protocol.stream(reply) } : { stream: false, body: route.protocol.complete(reply) };
      }
      default:
        return assertNever(route, "route");
    }
  }

  function respondStream(protocol: MockProtocolName, plan: StreamPlan, n: number, faults: FaultPlan, signal: AbortSignal): Response {
    const [idName, idValue] = requestIdHeader(protocol, n);
    const body = streamBody(wires(plan.events), {
      intervalMs: settings.streamIntervalMs,
      abortAfterEvents: faults.abortAfterEvents,
      // Ends early when the client leaves, so no timer outlives its request.
      sleep: async (ms) => void (await pause(ms, signal, waits)),
    });
    return new Response(body, { headers: { "content-type": plan.contentType, "cache-control": "no-cache", [idName]: idValue } });
  }

  /** The behaviour for this request, or a script error; none when faults are off. */
  function choose(member: string, model: string, headers: Headers): { readonly pick?: Pick; readonly scriptError?: string } {
    if (!settings.faults) return {};
    const found = findScript(model, headers);
    if (found !== undefined && !found.parsed.ok) return { scriptError: found.parsed.error };
    const script = found?.parsed.ok === true ? { key: found.key, script: found.parsed.value } : undefined;
    const pick = members.pick(member, script);
    return pick === undefined ? {} : { pick };
  }

  async function handle(req: Request): Promise<Response> {
    const started = performance.now();
    const url = new URL(req.url);
    const route = matchRoute(req.method, url.pathname);
    if (route.kind === "stats") return Response.json(log.stats());
    if (route.kind === "control") {
      if (settings.faults) return controlApi(req, url.pathname, { members, resetAll });
      return respondError("openai", seq, 404, `Unknown path ${req.method} ${url.pathname} (the control API needs the mock started with faults on).`);
    }
    const n = ++seq;
    if (route.kind === "unmatched") return respondError(route.dialect, n, route.status, route.message);

    const protocol = protocolOf(route);
    const parsed = parseBody(await req.text());
    const body = parsed.ok ? parsed.value : undefined;
    const model = (route.kind === "embeddings" ? undefined : route.model) ?? bodyModel(body);
    const stream = route.kind === "chat" ? (route.stream ?? field(body, "stream") === true) : false;
    const member = memberOf(model);
    const rejected = parsed.ok && route.kind === "chat" ? route.protocol.reject?.(body, model) : undefined;
    // An unreadable or refused request never reaches a behaviour, so it does not use up a queued one.
    const { pick, scriptError } = parsed.ok && rejected === undefined ? choose(member, model, req.headers) : {};
    const record = { protocol, method: req.method, path: url.pathname, query: url.search.slice(1), body, model, stream };
    const at: Incoming = { route, req, body, model, n, started, query: url.searchParams };
    log.add({ ...record, headers: headerRecord(req.headers) });
    // Only the control API reads a member's log, and it needs faults on.
    if (settings.faults) members.record(member, { ...record, seq: n, at: Date.now(), behaviour: pick?.behaviour ?? null, source: pick?.source ?? null }, req.headers);

    if (scriptError !== undefined) return respondError(protocol, n, 400, `mock upstream: bad fault script: ${scriptError}`);
    if (pick !== undefined) {
      const [idName, idValue] = requestIdHeader(protocol, n);
      const exchange: Exchange = {
        protocol,
        stream,
        signal: req.signal,
        capMs: settings.hangCapMs,
        waits,
        intervalMs: settings.streamIntervalMs,
        headers: { [idName]: idValue },
        success: (shape) => success(at, shape),
        error: (spec) => respondErrorSpec(protocol, n, spec),
      };
      return play(pick.behaviour, exchange);
    }

    const faults = settings.faults ? mergeFaults(faultsFromModel(model), faultsFromHeaders(req.headers)) : {};
    const status = faults.status ?? (faults.failRate === undefined ? undefined : failRate.next(model, faults.failRate));
    const delay = faults.delayMs ?? settings.delayMs;
    if (delay > 0 && !(await pause(delay, req.signal, waits))) return new Response(null, { status: 499 });
    if (!parsed.ok) return respondError(protocol, n, 400, BAD_JSON);
    if (status !== undefined) return respondError(protocol, n, status, undefined, faults.retryAfterSecs);
    if (rejected !== undefined) return respondError(protocol, n, 400, rejected);
    const answer = success(at, { stream, events: undefined, finish: "stop" });
    return answer.stream ? respondStream(protocol, answer.plan, n, faults, req.signal) : respondJson(protocol, n, 200, answer.body);
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
    reset: resetAll,
    idle: () => waits.idle(),
    waiting: (count = 1) => waits.atLeast(count),
    stop: () => server.stop(true),
  };
}
