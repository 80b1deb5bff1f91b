// One attempt against one member (reliability.md §8): the egress body from the original client body, the send,
// and what came back turned into an outcome the failover loop acts on. Non-2xx answers go through failure
// attribution (§5, §6); a 2xx non-streaming body is buffered whole and checked before anything is sent (§8.3); a
// 2xx stream is held until its commit point (upstream/stream.ts). Outcomes are values; nothing here touches the
// breaker, which is the loop's.
import type { ErrorClass } from "../config/model.ts";
import type { ErrorKind, GatewayError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Usage } from "../ir/usage.ts";
import type { JsonObject, ResponseContext } from "../proto/codec.ts";
import { protocol } from "../proto/registry.ts";
import { prepareResponse, StreamTranslator } from "../proto/translate.ts";
import type { Operation } from "../proto/types.ts";
import type { Pool, PoolMember } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";
import type { AttemptAbort } from "./abort.ts";
import { classify, dispositionOf, extractUpstreamError } from "./attribution.ts";
import { buildEgress, type ClientBody, type Egress } from "./egress.ts";
import { relayHeaders, relayHeadersInPlace } from "./headers.ts";
import { readHeadroom } from "./ratelimits.ts";
import { readCapped, send } from "./send.ts";
import { type TimerHandle, timers } from "../route/timers.ts";
import { crossPipe, holdUntilCommit, samePipe, type StreamPipe } from "./stream.ts";

/** `failovers_total` reasons (reliability.md §8.2). */
export type FailoverReason = "connect" | "attempt_timeout" | "timeout" | "transient_upstream" | "stream_precommit" | "hard_down" | "context_length";

/** What the client gets if this outcome is the last word: a verbatim upstream response, or an error to render. */
export type Reply =
  | { readonly res: Response }
  | { readonly error: GatewayError; readonly headers?: Record<string, string> };

/** `status` on a failed outcome: the upstream's HTTP status when it answered one (traces and audit, platform.md §5). */
export type AttemptOutcome =
  | { readonly kind: "served"; readonly res: Response }
  /** The client's fault (or its own credential in passthrough): relayed, no failover, no penalty. */
  | { readonly kind: "client_fault"; readonly reply: Reply; readonly status?: number }
  | { readonly kind: "context_length"; readonly reply: Reply; readonly status?: number }
  | { readonly kind: "transient"; readonly cls: ErrorClass; readonly reason: FailoverReason; readonly retryAfterSec?: number; readonly status?: number }
  | { readonly kind: "hard_down"; readonly deadReason: string; readonly status?: number }
  /** The caller's body does not read in its own protocol. */
  | { readonly kind: "invalid"; readonly reply: Reply; readonly status?: number }
  /** `translation: strict` refuses this member: skip it (no penalty, no hop). */
  | { readonly kind: "skip"; readonly reply: Reply }
  /** The request ended (client gone or deadline) during the attempt. */
  | { readonly kind: "aborted" };

export interface AttemptInput {
  readonly caller: ProtocolName;
  readonly op: Operation;
  readonly stream: boolean;
  readonly geminiJsonArray: boolean;
  readonly pool: Pool;
  readonly member: PoolMember;
  readonly body: ClientBody;
  readonly callerHeaders: Headers;
  readonly passthrough: string | undefined;
  readonly requestId: string;
  readonly timing: { upstreamNs: number };
  readonly abort: AttemptAbort;
  /** performance.now() ms of the request deadline; reaching it ends the request, not just the attempt (§9). */
  readonly deadlineAt: number;
  onDeadline(): void;
  /** Delivery over: the permit goes back (called once, at the end of a served stream or body). */
  release(): void;
  /**
   * The served answer's token usage, once its body is complete (a stream: at its end, reported totals so far if it
   * was cut); undefined when it reported none. For spend (platform.md §3.3); absent when governance is off.
   */
  readonly onUsage?: (usage: Usage | undefined) => void;
  onCommit(): void;
  onMidstreamFailure(): void;
}

function droppedHeader(e: Egress): Record<string, string> {
  return e.kind === "cross" && !e.ledger.empty ? { "x-busbar-dropped": e.ledger.header() } : {};
}

/** An in-band stream error's kind, as a failure class (§8.2: "class from that error's type"). */
export function classOfKind(kind: ErrorKind): ErrorClass {
  switch (kind) {
    case "rate_limit": return "rate_limit";
    case "overloaded": return "overloaded";
    case "timeout": return "timeout";
    case "server_error": return "server_error";
    case "authentication":
    case "permission": return "auth";
    case "quota": return "billing";
    case "invalid_request":
    case "not_found":
    case "method_not_allowed":
    case "too_large": return "client_error";
  }
}

export async function runAttempt(rt: Runtime, a: AttemptInput): Promise<AttemptOutcome> {
  const { lane } = a.member;
  const egress = buildEgress(rt, a.caller, a.member, a.pool, a.body, a.stream, a.requestId, a.onUsage !== undefined);
  switch (egress.kind) {
    case "invalid": return { kind: "invalid", reply: { error: { kind: "invalid_request", message: egress.message } } };
    case "lossy": return { kind: "skip", reply: { error: { kind: "invalid_request", message: egress.message }, headers: { "x-busbar-dropped": egress.dropped } } };
    case "same":
    case "cross": break;
  }

  const limits = rt.config.limits;
  const dispatchedAt = performance.now();
  const attemptMs = a.member.attemptTimeoutMs;
  // One timer per attempt (§9), at the first of: the request deadline; the attempt timeout (until commit: headers
  // and the whole buffered body, or the stream's commit point); for a stream its TTFT bound, for a non-streaming
  // exchange the upstream request timeout. A stream hands over to holdUntilCommit's own clock at its headers.
  const bounds = {
    deadline: a.deadlineAt,
    attempt: attemptMs === undefined ? Infinity : dispatchedAt + attemptMs,
    phase: dispatchedAt + (a.stream ? a.pool.spec.ttftTimeoutMs : limits.upstreamRequestTimeoutSecs * 1000),
  };
  const end = Math.min(bounds.deadline, bounds.attempt, bounds.phase);
  const timer = timers.schedule(end - dispatchedAt, () => {
    if (end === bounds.deadline) a.onDeadline();
    else a.abort.fire(end === bounds.attempt ? "attempt_timeout" : a.stream ? "ttft_timeout" : "request_timeout");
  });
  try {
    const sent = await send(rt, {
      lane, op: a.op, stream: a.stream, body: egress.body, callerHeaders: a.callerHeaders, sameProtocol: egress.kind === "same",
      passthrough: a.passthrough, signal: a.abort.signal, requestId: a.requestId, timing: a.timing,
    });
    return await afterHeaders(rt, a, egress, sent, dispatchedAt, timer);
  } finally {
    timer.cancel();
  }
}

async function afterHeaders(
  rt: Runtime, a: AttemptInput, egress: Exclude<Egress, { kind: "invalid" | "lossy" }>, sent: Awaited<ReturnType<typeof send>>,
  dispatchedAt: number, timer: TimerHandle,
): Promise<AttemptOutcome> {
  const { lane } = a.member;

  switch (sent.kind) {
    case "client_gone":
      if (a.abort.timedOut) return { kind: "transient", cls: "timeout", reason: a.abort.reason === "attempt_timeout" ? "attempt_timeout" : "timeout" };
      return { kind: "aborted" };
    case "failed":
      // Unreachable (refused, DNS, TLS, reset before headers) or a redirect (§6: 3xx is server_error, D11).
      return { kind: "transient", cls: sent.error.kind === "server_error" ? "server_error" : "network", reason: sent.error.kind === "server_error" ? "transient_upstream" : "connect" };
    case "response": break;
  }
  const { res } = sent;
  if (lane.state.trackRateLimits) {
    const h = readHeadroom(res.headers, rt.nowMs());
    if (h !== undefined) lane.state.headroom = h;
  }
  if (res.status >= 400 || res.status < 200) return attribute(rt, a, egress, res);
  lane.state.recordLatency(performance.now() - dispatchedAt);
  if (!a.stream) return buffered(rt, a, egress, res, dispatchedAt);
  timer.cancel(); // the stream's own clock takes over until its commit point
  return streamed(rt, a, egress, res, dispatchedAt);
}

/** Stage 1a → 1b → 2 (§5, §6) on a non-2xx answer. */
async function attribute(rt: Runtime, a: AttemptInput, egress: Exclude<Egress, { kind: "invalid" | "lossy" }>, res: Response): Promise<AttemptOutcome> {
  const { lane } = a.member;
  const bytes = await readCapped(res, rt.config.limits.upstreamErrorBodyMaxBytes).catch(() => new Uint8Array());
  const text = new TextDecoder().decode(bytes);
  const raw = extractUpstreamError(lane.protocol.name, res.status, res.headers, text, rt.nowMs(), rt.config.limits.maxHonoredRetryAfterSecs);
  const cls = classify(raw, lane.provider.errorMap);
  const relay = (): Reply => {
    if (egress.kind === "same") return { res: new Response(bytes, { status: res.status, headers: relayHeaders(res.headers) }) };
    // A foreign error body is never relayed: its message is re-rendered in the caller's dialect (protocols.md §8).
    const up = egress.egress.readError(res.status, text);
    return { error: { kind: up.kind, message: up.message, ...(raw.retryAfterSec !== undefined && { retryAfter: raw.retryAfterSec }) }, headers: droppedHeader(egress) };
  };
  const status = res.status;
  switch (dispositionOf(cls, a.passthrough !== undefined)) {
    case "client_fault": return { kind: "client_fault", reply: relay(), status };
    case "context_length": return { kind: "context_length", reply: relay(), status };
    case "transient": return { kind: "transient", cls, reason: "transient_upstream", status, ...(raw.retryAfterSec !== undefined && { retryAfterSec: raw.retryAfterSec }) };
    case "hard_down": return { kind: "hard_down", deadReason: `${cls}: upstream answered ${status}`, status };
  }
}

const utf8 = new TextDecoder();

type Body =
  | { readonly kind: "whole"; readonly text: string }
  /** Larger than the cap: what was read so far, and the rest still to come. */
  | { readonly kind: "over"; readonly held: Uint8Array[]; readonly rest: ReadableStreamDefaultReader<Uint8Array> | undefined };

/** Reads a whole body up to `max` bytes, or stops at the cap with the reader still open. */
async function readBody(res: Response, max: number): Promise<Body> {
  const declared = Number(res.headers.get("content-length") ?? Number.NaN);
  if (Number.isFinite(declared) && declared <= max) return { kind: "whole", text: await res.text() };
  if (res.body === null) return { kind: "whole", text: "" };
  const reader = res.body.getReader();
  const held: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const r = await reader.read();
    if (r.done) return { kind: "whole", text: utf8.decode(held.length === 1 ? held[0] : Buffer.concat(held)) };
    held.push(r.value);
    total += r.value.byteLength;
    if (total > max) return { kind: "over", held, rest: reader as ReadableStreamDefaultReader<Uint8Array> };
  }
}

/** The held bytes, then the rest of the upstream body as it arrives. */
function continued(held: Uint8Array[], rest: ReadableStreamDefaultReader<Uint8Array> | undefined, done: () => void): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(ctl) {
      for (const h of held) ctl.enqueue(h);
      if (rest === undefined) {
        ctl.close();
        done();
      }
    },
    async pull(ctl) {
      try {
        const r = await rest!.read();
        if (r.done) {
          ctl.close();
          done();
        } else ctl.enqueue(r.value);
      } catch {
        ctl.error(new Error("upstream body failed after commit"));
        done();
      }
    },
    cancel(reason) {
      done();
      return rest?.cancel(reason);
    },
  });
}

/**
 * §8.3 non-streaming: the whole body is read and must parse before anything is sent. Nothing reaches the client
 * before then (D2), so the attempt timeout runs on to this commit point, as it does for a stream: a member that sends
 * its headers and then hangs fails over instead of using up the deadline (§13.3 phase 1, "hang after headers").
 */
async function buffered(rt: Runtime, a: AttemptInput, egress: Exclude<Egress, { kind: "invalid" | "lossy" }>, res: Response, dispatchedAt: number): Promise<AttemptOutcome> {
  const limits = rt.config.limits;
  let body: Body;
  try {
    body = await readBody(res, limits.maxBufferedResponseBytes);
  } catch {
    if (a.abort.reason === "client" || a.abort.reason === "deadline") return { kind: "aborted" };
    if (!a.abort.timedOut) return { kind: "transient", cls: "network", reason: "stream_precommit" };
    return { kind: "transient", cls: "timeout", reason: a.abort.reason === "attempt_timeout" ? "attempt_timeout" : "timeout" };
  }
  if (body.kind === "over") {
    // §8.3: past the cap a same-protocol body commits and streams on; a foreign one cannot be translated unread.
    a.onCommit();
    if (egress.kind === "same") {
      const release = a.onUsage === undefined ? a.release : () => { a.onUsage?.(undefined); a.release(); };
      return { kind: "served", res: new Response(continued(body.held, body.rest, release), { status: res.status, headers: relayHeaders(res.headers) }) };
    }
    await body.rest?.cancel().catch(() => {});
    a.release();
    return { kind: "served", res: serverError(a, "The upstream answer is larger than limits.max_buffered_response_bytes and cannot be translated.") };
  }
  const { text } = body;
  let json: JsonObject;
  try {
    json = JSON.parse(text) as JsonObject;
  } catch {
    // Truncated or not JSON: a 2xx then EOF or bad framing, a network fault before commit (§8.2, §13.2 case 23).
    return { kind: "transient", cls: "network", reason: "stream_precommit" };
  }
  a.onCommit();
  a.release();
  if (egress.kind === "same") {
    a.onUsage?.(a.member.lane.protocol.codec?.responseUsage(json));
    return { kind: "served", res: new Response(text, { status: res.status, headers: relayHeadersInPlace(res) }) };
  }
  let out: string;
  try {
    const ir = egress.egress.readResponse(json, egress.ledger);
    a.onUsage?.(ir.usage);
    prepareResponse(ir, a.caller, rt.signatureStash);
    out = JSON.stringify(egress.ingress.writeResponse(ir, responseContext(rt, a, egress), egress.ledger));
  } catch {
    return { kind: "served", res: serverError(a, "The upstream answered with a body busbar could not read.") };
  }
  return { kind: "served", res: new Response(out, { status: 200, headers: { "content-type": "application/json", ...droppedHeader(egress) } }) };
}

function serverError(a: AttemptInput, message: string): Response {
  const r = protocol(a.caller).renderError({ kind: "server_error", message }, { requestId: a.requestId });
  return new Response(r.body, { status: r.status, headers: r.headers });
}

function responseContext(rt: Runtime, a: AttemptInput, egress: Egress): ResponseContext {
  return {
    ids: rt.ids,
    now: () => rt.nowMs(),
    model: a.member.lane.upstreamModel,
    includeUsage: egress.kind === "cross" && egress.includeUsage,
    reasoningContent: a.pool.explicit && a.pool.spec.reasoningContent,
  };
}

async function streamed(rt: Runtime, a: AttemptInput, egress: Exclude<Egress, { kind: "invalid" | "lossy" }>, res: Response, dispatchedAt: number): Promise<AttemptOutcome> {
  if (res.body === null) return { kind: "transient", cls: "network", reason: "stream_precommit" };
  const { lane } = a.member;
  const ctx = responseContext(rt, a, egress);
  let pipe: StreamPipe;
  let headers: Headers | Record<string, string>;
  if (egress.kind === "same") {
    const codec = lane.protocol.codec;
    if (codec === undefined) throw new Error(`no codec for ${lane.protocol.name}`);
    pipe = samePipe(codec, ctx, egress.hideUsageChunk === true);
    headers = relayHeaders(res.headers);
    if (a.geminiJsonArray) headers.set("content-type", "application/json");
  } else {
    pipe = crossPipe(new StreamTranslator(egress.egress, egress.ingress, a.caller, ctx, egress.ledger, rt.signatureStash));
    headers = {
      "content-type": a.geminiJsonArray ? "application/json" : protocol(a.caller).streamContentType,
      "cache-control": "no-cache",
      ...droppedHeader(egress),
    };
  }
  const spec = a.pool.spec;
  const cw = spec.commitWindow;
  const window = cw === undefined && spec.failover.prebufferMs === 0 && spec.failover.prebufferBytes === 0
    ? undefined
    : {
      tokens: cw?.tokens,
      ms: cw?.ms ?? (spec.failover.prebufferMs > 0 ? spec.failover.prebufferMs : undefined),
      bytes: spec.failover.prebufferBytes > 0 ? spec.failover.prebufferBytes : undefined,
    };
  const result = await holdUntilCommit({
    upstream: res.body,
    pipe,
    abort: a.abort,
    timers: {
      dispatchedAt,
      deadlineAt: a.deadlineAt,
      attemptTimeoutMs: a.member.attemptTimeoutMs,
      ttftMs: spec.ttftTimeoutMs,
      gapMs: Math.min(spec.stallTimeoutMs, rt.config.limits.upstreamStreamIdleTimeoutSecs * 1000),
    },
    window,
    status: res.status,
    headers,
    geminiJsonArray: a.geminiJsonArray,
    onCommit: a.onCommit,
    onDeadline: a.onDeadline,
    onMidstreamFailure: a.onMidstreamFailure,
    release: a.onUsage === undefined ? a.release : () => { a.onUsage?.(pipe.progress.usage); a.release(); },
  });
  switch (result.kind) {
    case "committed": return { kind: "served", res: result.res };
    case "aborted": return { kind: "aborted" };
    case "failed": {
      if (result.why === "timeout") return { kind: "transient", cls: "timeout", reason: a.abort.reason === "attempt_timeout" ? "attempt_timeout" : "timeout" };
      if (result.why === "network") return { kind: "transient", cls: "network", reason: "stream_precommit" };
      const cls = classOfKind(result.errorKind ?? "server_error");
      switch (dispositionOf(cls, a.passthrough !== undefined)) {
        case "client_fault": return { kind: "client_fault", reply: { error: { kind: result.errorKind ?? "invalid_request", message: result.message ?? "The upstream rejected the request." } } };
        case "context_length": return { kind: "context_length", reply: { error: { kind: "invalid_request", message: result.message ?? "The prompt is too long." } } };
        case "transient": return { kind: "transient", cls, reason: "transient_upstream" };
        case "hard_down": return { kind: "hard_down", deadReason: `${cls}: upstream stream opened with an error event` };
      }
    }
  }
}
