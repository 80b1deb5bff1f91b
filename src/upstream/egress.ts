// One attempt's upstream body, always built from the ORIGINAL client body (reliability.md §8.4): same protocol →
// the caller's bytes with only `model` spliced (protocols.md §4); another protocol → ingress reader → IR → egress
// writer, every field that cannot cross in the ledger (protocols.md §3.3, spec README loss ledger).
import { Ledger } from "../ir/ledger.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Codec, JsonObject } from "../proto/codec.ts";
import { protocol } from "../proto/registry.ts";
import { setTopLevel } from "../proto/splice.ts";
import { prepareRequest } from "../proto/translate.ts";
import type { Lane, Pool, PoolMember } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";

/** Anthropic requires `max_tokens`; a caller that gave none gets this on lanes without `default_max_tokens` (§8.4). */
const DEFAULT_MAX_TOKENS = 4096;

export interface ClientBody {
  readonly text: string;
  readonly json: JsonObject;
}

export type Egress =
  /**
   * `hideUsageChunk`: governance asked an OpenAI upstream for the usage it bills on (`stream_options.include_usage`)
   * that the caller did not ask for, so the usage-only final chunk must not reach the caller.
   */
  | { readonly kind: "same"; readonly body: string; readonly hideUsageChunk?: true }
  | {
    readonly kind: "cross";
    readonly body: string;
    readonly ingress: Codec;
    readonly egress: Codec;
    readonly ledger: Ledger;
    /** An OpenAI caller asked for `stream_options.include_usage`. */
    readonly includeUsage: boolean;
  }
  /** The caller's body does not read in its own protocol: its fault, a 400 whoever the member is. */
  | { readonly kind: "invalid"; readonly message: string }
  /** `translation: strict` and this member cannot carry every field: skip it, no penalty and no hop (§8.1). */
  | { readonly kind: "lossy"; readonly message: string; readonly dropped: string };

/** Both ends have a codec: this lane can serve a caller of that protocol by translation. */
export function canTranslate(caller: ProtocolName, lane: Lane): boolean {
  return protocol(caller).codec !== undefined && lane.protocol.codec !== undefined;
}

export function buildEgress(rt: Runtime, caller: ProtocolName, member: PoolMember, pool: Pool, body: ClientBody, stream: boolean, requestId: string, needUsage = false): Egress {
  const { lane } = member;
  if (lane.protocol.name === caller) {
    const text = lane.protocol.modelInBody ? setTopLevel(body.text, "model", JSON.stringify(lane.upstreamModel)) : body.text;
    // Only Chat Completions streams leave usage out unless asked (protocols.md §9.5); every other stream carries it.
    const opts = body.json["stream_options"];
    if (needUsage && stream && caller === "openai" && !(typeof opts === "object" && opts !== null && (opts as Record<string, unknown>)["include_usage"] === true)) {
      const merged = { ...(typeof opts === "object" && opts !== null ? opts : {}), include_usage: true };
      return { kind: "same", body: setTopLevel(text, "stream_options", JSON.stringify(merged)), hideUsageChunk: true };
    }
    return { kind: "same", body: text };
  }
  const ingress = protocol(caller).codec;
  const egress = lane.protocol.codec;
  if (ingress === undefined || egress === undefined) throw new Error(`no codec for ${caller} → ${lane.protocol.name}`);
  const ledger = new Ledger();
  let text: string;
  let includeUsage: boolean;
  try {
    const ir = ingress.readRequest(body.json, { raw: body.text, ledger });
    includeUsage = ir.includeUsage === true;
    prepareRequest(ir, caller, ledger, rt.signatureStash);
    text = JSON.stringify(egress.writeRequest(ir, {
      model: lane.upstreamModel,
      stream,
      defaultMaxTokens: lane.model?.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
      reasoning: member.reasoning,
      promptCaching: lane.model?.promptCaching ?? false,
    }, ledger));
  } catch (e) {
    // Readers validate the wire shape at the edge; what they reject is the caller's bad request.
    return { kind: "invalid", message: `Invalid request: ${e instanceof Error ? e.message : String(e)}` };
  }
  const strict = (pool.explicit ? pool.spec.translation : rt.config.translation) === "strict";
  if (strict && !ledger.empty) {
    const dropped = ledger.header();
    return {
      kind: "lossy",
      dropped,
      message: `This pool refuses lossy translation (translation: strict); ${lane.protocol.name} cannot carry: ${dropped}.`,
    };
  }
  if (!ledger.empty) rt.log.warn("translation dropped fields", { request_id: requestId, from: caller, to: lane.protocol.name, fields: ledger.header() });
  return { kind: "cross", body: text, ingress, egress, ledger, includeUsage };
}
