// One behaviour (behaviour.ts) played for one request: the success body or stream the server builds,
// shaped, paced and broken as the behaviour says. The server owns what a reply contains; this module owns
// when and how it reaches the wire.
import { assertNever, type ProtocolName } from "../ir/protocol.ts";
import type { Behaviour } from "./behaviour.ts";
import { JSON_KEEP_ALIVE, inbandAsStatus, streamFaults, type StreamFaults } from "./inband.ts";
import { errorSpec, type ErrorSpec } from "./presets.ts";
import { contentFrame, type Finish, type Frame, type MockProtocolName, type StreamPlan } from "./protocol.ts";
import { pause, timelineBody, type Strike, type Timeline, type Waits } from "./timeline.ts";

export interface SuccessShape {
  readonly stream: boolean;
  /** Exactly this many text deltas; undefined: the server's default split. */
  readonly events: number | undefined;
  readonly finish: Finish;
}

export type Success =
  | { readonly stream: false; readonly body: unknown }
  | { readonly stream: true; readonly protocol: ProtocolName; readonly plan: StreamPlan };

export interface Exchange {
  readonly protocol: MockProtocolName;
  /** Whether the request asked for a stream (the body's `stream`, or the URL for Gemini and Bedrock). */
  readonly stream: boolean;
  /** Aborted when the client disconnects. */
  readonly signal: AbortSignal;
  /** The longest any hang or stall lasts. */
  readonly capMs: number;
  /** Every wait registers here (timeline.ts `Waits`). */
  readonly waits: Waits;
  /** The gap between stream events when the behaviour sets none (the server's `streamIntervalMs`). */
  readonly intervalMs: number;
  /** Headers every answer carries (the vendor's request id). */
  readonly headers: Readonly<Record<string, string>>;
  /** The success answer in the asked-for mode; a route that cannot stream answers `stream: false` regardless. */
  success(shape: SuccessShape): Success;
  error(spec: ErrorSpec): Response;
}

const JSON_TYPE = "application/json;charset=utf-8";

/** No status, no headers: the socket is reset (Bun resets when a body errors before its first byte). */
function resetResponse(): Response {
  return new Response(
    new ReadableStream({
      start(controller) {
        controller.error(undefined);
      },
    }),
  );
}

/** A JSON body as two content frames, so a strike "after 1" lands mid-body. */
function jsonFrames(body: unknown): Frame[] {
  const text = JSON.stringify(body);
  const cut = Math.max(1, Math.floor(text.length / 2));
  return [contentFrame(text.slice(0, cut)), contentFrame(text.slice(cut))];
}

const JSON_FAULTS: Timeline["faults"] = { keepAlive: JSON_KEEP_ALIVE, error: () => [], malformed: () => "{ not json" };

/** The pacing fields the stream-capable behaviours share (behaviour.ts `pacing`). */
interface Paced {
  readonly events?: number;
  readonly first_event_delay_ms?: number;
  readonly event_delay_ms?: number;
}

export async function play(b: Behaviour, x: Exchange): Promise<Response> {
  const timeline = (frames: Iterable<Frame>, p: Paced, faults: Timeline["faults"], extra: Partial<Timeline> = {}): Timeline =>
    ({ frames, firstDelayMs: p.first_event_delay_ms ?? 0, gapMs: p.event_delay_ms ?? x.intervalMs, contentDelayMs: 0, faults, ...extra });
  const body = (t: Timeline, contentType: string) =>
    new Response(timelineBody(t, x.signal, x.capMs, x.waits), { headers: { "content-type": contentType, "cache-control": "no-cache", ...x.headers } });

  /** The reply in its mode, paced, with `strike` applied to the stream (or, for JSON, to the body's halves). */
  const answer = async (p: Paced, finish: Finish, strike?: { readonly stream?: Timeline["strike"]; readonly json?: Timeline["strike"] }, extra: Partial<Timeline> = {}) => {
    const asStream = b.kind === "ok" && b.stream !== undefined ? b.stream : x.stream;
    const s = x.success({ stream: asStream, events: p.events, finish });
    if (s.stream) {
      const faults: StreamFaults = streamFaults(s.protocol, s.plan.contentType);
      return body(timeline(s.plan.events, p, faults, { ...extra, ...(strike?.stream === undefined ? {} : { strike: strike.stream }) }), s.plan.contentType);
    }
    if (strike?.json === undefined) {
      const wait = (p.first_event_delay_ms ?? 0) + (extra.contentDelayMs ?? 0);
      if (!(await pause(wait, x.signal, x.waits))) return resetResponse();
      return Response.json(s.body, { headers: x.headers });
    }
    return body(timeline(jsonFrames(s.body), p, JSON_FAULTS, { ...extra, strike: strike.json }), JSON_TYPE);
  };
  const at = (after: number | "first", what: Strike) => ({ after, what });

  switch (b.kind) {
    case "ok":
      return answer(b, "stop");
    case "content_filter":
      return answer(b, "content_filter");
    case "missing_terminator":
      return answer(b, x.stream ? "none" : "stop");
    case "rate_limited": case "server_error": case "unavailable": case "overloaded": case "unauthorized":
    case "forbidden": case "invalid_request": case "context_length": case "billing": case "error":
      if (!(await pause(b.delay_ms ?? 0, x.signal, x.waits))) return resetResponse();
      return x.error(errorSpec(b, x.protocol, Date.now()));
    case "hang_before_headers":
      await pause(x.capMs, x.signal, x.waits);
      return resetResponse();
    case "reset_before_headers":
      return resetResponse();
    case "hang_after_headers": {
      // The stream's content type and keep-alive, so the headers are the ones a real stream would send.
      const s = x.stream ? x.success({ stream: true, events: undefined, finish: "stop" }) : undefined;
      const [faults, contentType] = s?.stream === true ? [streamFaults(s.protocol, s.plan.contentType), s.plan.contentType] : [JSON_FAULTS, JSON_TYPE];
      return body({ ...timeline([], {}, faults), strike: at("first", { kind: "stall" }) }, contentType);
    }
    case "reset_after_events":
      return answer(b, "stop", { stream: at(b.n, { kind: "reset" }), json: at(1, { kind: "reset" }) });
    case "stream_stall":
      return answer(b, "stop", { stream: at(b.n ?? 1, { kind: "stall" }), json: at(1, { kind: "stall" }) });
    case "truncate_json":
      return answer(b, "stop", { stream: at(0, { kind: "truncate" }), json: at(1, { kind: "end" }) });
    case "malformed_chunk":
      if (!x.stream) return new Response(JSON_FAULTS.malformed({ frames: 0, content: 0 }), { headers: { "content-type": JSON_TYPE, ...x.headers } });
      return answer(b, "stop", { stream: at(b.n ?? 1, { kind: "malformed" }) });
    case "slow_first_token":
      return answer(b, "stop", undefined, { contentDelayMs: b.delay_ms });
    case "error_event_first":
    case "error_event_after": {
      if (!x.stream) {
        const eq = inbandAsStatus(x.protocol, b.type);
        return x.error({ status: eq.status, ...(eq.type === undefined ? {} : { type: eq.type }), ...(b.message === undefined ? {} : { message: b.message }) });
      }
      const after = b.kind === "error_event_first" ? "first" : b.n;
      return answer(b, "stop", { stream: at(after, { kind: "error", type: b.type, message: b.message }) });
    }
    default:
      return assertNever(b, "behaviour");
  }
}
