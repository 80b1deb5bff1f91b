// The control API's answers as valibot schemas: the server builds these shapes (members.ts), and the
// client (control.ts) parses them, so both sides share one definition.
import * as v from "valibot";
import { BehaviourSchema, MixSchema } from "./behaviour.ts";

export const BehaviourSourceSchema = v.picklist(["queue", "mix", "default", "script"]);
export type BehaviourSource = v.InferOutput<typeof BehaviourSourceSchema>;

const ProtocolSchema = v.picklist(["openai", "responses", "anthropic", "gemini", "bedrock", "cohere", "embeddings"]);

export const MemberRequestSchema = v.object({
  /** The mock's request counter (shared by all members), from 1. */
  seq: v.number(),
  /** Unix milliseconds when the request arrived. */
  at: v.number(),
  protocol: ProtocolSchema,
  method: v.string(),
  path: v.string(),
  /** The query string without its `?`. */
  query: v.string(),
  /** The model as received, directives included. */
  model: v.string(),
  stream: v.boolean(),
  headers: v.object({
    "content-type": v.optional(v.string()),
    accept: v.optional(v.string()),
    "anthropic-version": v.optional(v.string()),
    "anthropic-beta": v.optional(v.string()),
    "user-agent": v.optional(v.string()),
  }),
  credentials: v.object({ authorization: v.boolean(), "x-api-key": v.boolean(), "x-goog-api-key": v.boolean() }),
  /** The parsed JSON body; absent when the body was empty or not JSON. */
  body: v.optional(v.unknown()),
  /** null: no behaviour applied (a plain reply, or the `@status`-style directives). */
  behaviour: v.nullable(BehaviourSchema),
  source: v.nullable(BehaviourSourceSchema),
});
export type MemberRequest = v.InferOutput<typeof MemberRequestSchema>;

/** Request headers a member's log keeps verbatim; credentials are logged only as present or not. */
export const KEPT_HEADERS = ["content-type", "accept", "anthropic-version", "anthropic-beta", "user-agent"] as const satisfies readonly (keyof MemberRequest["headers"])[];
export const CREDENTIAL_HEADERS = ["authorization", "x-api-key", "x-goog-api-key"] as const satisfies readonly (keyof MemberRequest["credentials"])[];

export const MemberViewSchema = v.object({
  member: v.string(),
  default: v.nullable(BehaviourSchema),
  queue: v.array(BehaviourSchema),
  /** The mix, and how many draws it has made since it was set. */
  mix: v.nullable(v.object({ ...MixSchema.entries, drawn: v.number() })),
  /** Requests since the last reset. */
  requests: v.number(),
  /** Requests per behaviour kind applied (`plain`: none). */
  counts: v.record(v.string(), v.number()),
});
export type MemberView = v.InferOutput<typeof MemberViewSchema>;

export const MemberLogSchema = v.object({
  member: v.string(),
  /** Every request since the last reset; `requests` keeps the most recent 1000. */
  total: v.number(),
  requests: v.array(MemberRequestSchema),
});
export type MemberLog = v.InferOutput<typeof MemberLogSchema>;

export const MemberListSchema = v.object({ members: v.array(MemberViewSchema) });
