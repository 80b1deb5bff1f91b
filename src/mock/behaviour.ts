// What a member does with one request (reliability.md §13.1): answer, fail with a status, or break the
// connection or the stream in one of the ways real providers do. The schema is the type; the control API
// and the `@fault=` script both parse through it.
import * as v from "valibot";
import { assertNever } from "../ir/protocol.ts";

/** Every hang ends by this time at the latest (the server's `hangCapMs` may lower it). */
export const MAX_DELAY_MS = 600_000;
const MAX_EVENTS = 10_000;

const int = (min: number, max: number) => v.pipe(v.number(), v.integer(), v.minValue(min), v.maxValue(max));
const delay = () => v.optional(int(0, MAX_DELAY_MS));

/**
 * How a stream is paced, accepted by every kind that may answer with a stream: `events` text deltas
 * (default: the server's `streamChunks`), `first_event_delay_ms` before the first event (Bun sends the
 * response headers with the first body bytes, so this holds the headers too), `event_delay_ms` between
 * events and before a cut.
 */
const pacing = {
  events: v.optional(int(1, MAX_EVENTS)),
  first_event_delay_ms: delay(),
  event_delay_ms: delay(),
};

/** Seconds (sent as given), any other text verbatim (an HTTP-date, or junk such as `soon`). */
const retryAfter = v.union([int(0, 1_000_000_000), v.pipe(v.string(), v.minLength(1), v.maxLength(200))]);

/**
 * Shared by every error: a `Retry-After` header (seconds or text, or an HTTP-date `retry_after_date_secs`
 * ahead), the message, and `delay_ms` to hold the request before answering (a busy member that then fails).
 */
const errorFields = {
  retry_after: v.optional(retryAfter),
  retry_after_date_secs: v.optional(int(0, 1_000_000_000)),
  message: v.optional(v.pipe(v.string(), v.maxLength(2000))),
  delay_ms: delay(),
};

const token = () => v.pipe(v.string(), v.minLength(1), v.maxLength(200));
const plain = <const K extends string>(kind: K) => v.strictObject({ kind: v.literal(kind), ...errorFields });

export const BehaviourSchema = v.variant("kind", [
  /** `stream` overrides whether the reply streams (default: as the request asks). */
  v.strictObject({ kind: v.literal("ok"), stream: v.optional(v.boolean()), ...pacing }),

  // Status presets, each in the protocol's native envelope.
  plain("rate_limited"), // 429
  plain("server_error"), // 500
  plain("unavailable"), // 503
  plain("overloaded"), // 529
  plain("unauthorized"), // 401
  plain("forbidden"), // 403
  plain("invalid_request"), // 400
  plain("context_length"), // 400, worded as the vendor words it
  /** A billing failure carrying `code` (default "1113") where the protocol carries codes; status default 400. */
  v.strictObject({ kind: v.literal("billing"), code: v.optional(token()), status: v.optional(int(400, 599)), ...errorFields }),
  /** Any error: `code` and `type` go where the protocol puts them. */
  v.strictObject({ kind: v.literal("error"), status: int(400, 599), code: v.optional(token()), type: v.optional(token()), ...errorFields }),
  /** A 200 that stops with the protocol's content-filter / safety stop reason. */
  v.strictObject({ kind: v.literal("content_filter"), ...pacing }),

  // Connection faults.
  v.strictObject({ kind: v.literal("hang_before_headers") }),
  v.strictObject({ kind: v.literal("hang_after_headers") }),
  v.strictObject({ kind: v.literal("reset_before_headers") }),

  // Stream faults; `n` counts content events (text, reasoning or tool-argument deltas).
  v.strictObject({ kind: v.literal("reset_after_events"), n: int(0, MAX_EVENTS), ...pacing }),
  /** `type`: an error kind (`overloaded`, `rate_limit`, `server_error`, …) rendered natively, or a native type verbatim. */
  v.strictObject({ kind: v.literal("error_event_first"), type: v.optional(token()), message: v.optional(v.string()), ...pacing }),
  v.strictObject({ kind: v.literal("error_event_after"), n: int(0, MAX_EVENTS), type: v.optional(token()), message: v.optional(v.string()), ...pacing }),
  v.strictObject({ kind: v.literal("truncate_json"), ...pacing }),
  v.strictObject({ kind: v.literal("slow_first_token"), delay_ms: int(0, MAX_DELAY_MS), ...pacing }),
  v.strictObject({ kind: v.literal("stream_stall"), n: v.optional(int(0, MAX_EVENTS)), ...pacing }),
  v.strictObject({ kind: v.literal("malformed_chunk"), n: v.optional(int(0, MAX_EVENTS)), ...pacing }),
  v.strictObject({ kind: v.literal("missing_terminator"), ...pacing }),
]);

export type Behaviour = v.InferOutput<typeof BehaviourSchema>;
export type BehaviourKind = Behaviour["kind"];

export const MixEntrySchema = v.strictObject({ weight: v.pipe(v.number(), v.finite(), v.minValue(0)), behaviour: BehaviourSchema });
export const MixSchema = v.strictObject({
  seed: v.pipe(v.number(), v.integer()),
  entries: v.pipe(
    v.array(MixEntrySchema),
    v.minLength(1),
    v.check((es) => es.some((e) => e.weight > 0), "at least one weight must be above 0"),
  ),
});
export type MixEntry = v.InferOutput<typeof MixEntrySchema>;
export type Mix = v.InferOutput<typeof MixSchema>;

export const QueueSchema = v.strictObject({ behaviours: v.pipe(v.array(BehaviourSchema), v.maxLength(MAX_EVENTS)) });

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** `schema` applied to `input`; the first issue, with its path, as the error. */
export function parseWith<S extends v.GenericSchema>(schema: S, input: unknown): Parsed<v.InferOutput<S>> {
  const r = v.safeParse(schema, input);
  if (r.success) return { ok: true, value: r.output };
  const issue = r.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
  return { ok: false, error: path === "" ? issue.message : `${path}: ${issue.message}` };
}

/** The status each error preset answers with; undefined for kinds that are not a plain error. */
export function presetStatus(b: Behaviour): number | undefined {
  switch (b.kind) {
    case "rate_limited": return 429;
    case "server_error": return 500;
    case "unavailable": return 503;
    case "overloaded": return 529;
    case "unauthorized": return 401;
    case "forbidden": return 403;
    case "invalid_request": case "context_length": return 400;
    case "billing": return b.status ?? 400;
    case "error": return b.status;
    case "ok": case "content_filter": case "hang_before_headers": case "hang_after_headers": case "reset_before_headers":
    case "reset_after_events": case "error_event_first": case "error_event_after": case "truncate_json":
    case "slow_first_token": case "stream_stall": case "malformed_chunk": case "missing_terminator":
      return undefined;
    default: return assertNever(b, "behaviour");
  }
}
