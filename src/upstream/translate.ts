// A cross-protocol hop (protocols.md §3.3, §7, §9): ingress reader → IR → egress writer → upstream → egress
// reader → IR → ingress writer, streams translated incrementally. Every field that cannot cross is in the ledger:
// `x-busbar-dropped` on the response, one warn line, and a refusal under `translation: strict`.
import { Ledger } from "../ir/ledger.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Codec, JsonObject, ResponseContext } from "../proto/codec.ts";
import { sseToJsonArray } from "../proto/gemini/stream.ts";
import { protocol } from "../proto/registry.ts";
import { prepareRequest, prepareResponse, StreamTranslator } from "../proto/translate.ts";
import type { Lane, Pool } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";
import { ERROR_BODY_MAX, readCapped, send, type SendInput, type SendOutcome } from "./send.ts";

export interface TranslateInput extends Omit<SendInput, "sameProtocol" | "body"> {
  readonly caller: ProtocolName;
  readonly json: JsonObject;
  readonly raw: string;
  readonly pool: Pool | undefined;
  /** The reasoning ask may cross to this lane (member flag, else model flag). */
  readonly reasoning: boolean;
  /** A Gemini caller streamed without `alt=sse`: it gets a JSON array (protocols.md §9.3 GM). */
  readonly geminiJsonArray: boolean;
}

export type TranslateOutcome = SendOutcome;

const DEFAULT_MAX_TOKENS = 4096;

/** Both ends have a codec: this lane can serve a caller of that protocol by translation. */
export function canTranslate(caller: ProtocolName, lane: Lane): boolean {
  return protocol(caller).codec !== undefined && lane.protocol.codec !== undefined;
}

function codecs(caller: ProtocolName, lane: Lane): [Codec, Codec] {
  const ingress = protocol(caller).codec;
  const egress = lane.protocol.codec;
  if (ingress === undefined || egress === undefined) throw new Error(`no codec for ${caller} → ${lane.protocol.name}`);
  return [ingress, egress];
}

function droppedHeader(ledger: Ledger): Record<string, string> {
  return ledger.empty ? {} : { "x-busbar-dropped": ledger.header() };
}

export async function translateAndSend(rt: Runtime, a: TranslateInput): Promise<TranslateOutcome> {
  const { lane } = a;
  const [ingress, egress] = codecs(a.caller, lane);
  const ledger = new Ledger();

  let body: string;
  let includeUsage = false;
  try {
    const ir = ingress.readRequest(a.json, { raw: a.raw, ledger });
    includeUsage = ir.includeUsage === true;
    prepareRequest(ir, a.caller, ledger, rt.signatureStash);
    body = JSON.stringify(egress.writeRequest(ir, {
      model: lane.upstreamModel,
      stream: a.stream,
      defaultMaxTokens: lane.model?.defaultMaxTokens ?? DEFAULT_MAX_TOKENS,
      reasoning: a.reasoning,
      promptCaching: lane.model?.promptCaching ?? false,
    }, ledger));
  } catch (e) {
    // Readers validate the wire shape at the edge; what they reject is the caller's bad request.
    return { kind: "failed", error: { kind: "invalid_request", message: `Invalid request: ${e instanceof Error ? e.message : String(e)}` } };
  }

  const strict = (a.pool?.spec.translation ?? rt.config.translation) === "strict";
  if (strict && !ledger.empty) {
    return {
      kind: "failed",
      error: { kind: "invalid_request", message: `This pool refuses lossy translation (translation: strict); ${lane.protocol.name} cannot carry: ${ledger.header()}.` },
      headers: droppedHeader(ledger),
    };
  }
  if (!ledger.empty) rt.log.warn("translation dropped fields", { request_id: a.requestId, from: a.caller, to: lane.protocol.name, fields: ledger.header() });

  const sent = await send(rt, { ...a, body, sameProtocol: false });
  if (sent.kind !== "response") return sent;
  const { res } = sent;

  if (res.status >= 400) {
    // A foreign error body is never relayed: its message is extracted and re-rendered natively (§8).
    const text = new TextDecoder().decode(await readCapped(res, ERROR_BODY_MAX));
    const up = egress.readError(res.status, text);
    const retryAfter = Number(res.headers.get("retry-after"));
    return {
      kind: "failed",
      error: { kind: up.kind, message: up.message, ...(Number.isFinite(retryAfter) && retryAfter > 0 && { retryAfter }) },
      headers: droppedHeader(ledger),
    };
  }

  const ctx: ResponseContext = {
    ids: rt.ids,
    now: () => rt.now().getTime(),
    model: lane.upstreamModel,
    includeUsage,
    reasoningContent: a.pool?.spec.reasoningContent ?? false,
  };
  const caller = protocol(a.caller);
  if (!a.stream) {
    let out: string;
    try {
      const ir = egress.readResponse(await res.json() as JsonObject, ledger);
      prepareResponse(ir, a.caller, rt.signatureStash);
      out = JSON.stringify(ingress.writeResponse(ir, ctx, ledger));
    } catch {
      return { kind: "failed", error: { kind: "server_error", message: "The upstream answered with a body busbar could not read." } };
    }
    return { kind: "response", res: new Response(out, { status: 200, headers: { "content-type": "application/json", ...droppedHeader(ledger) } }) };
  }

  const translator = new StreamTranslator(egress, ingress, a.caller, ctx, ledger, rt.signatureStash);
  let out = res.body === null ? null : translatedStream(res.body, translator);
  let contentType = caller.streamContentType;
  if (a.geminiJsonArray && out !== null) {
    // The Gemini writer speaks SSE; a caller without alt=sse gets the same chunks as one JSON array, a mid-stream
    // error frame becoming its last element (§9.6).
    out = out.pipeThrough(sseToJsonArray());
    contentType = "application/json";
  }
  const headers = { "content-type": contentType, "cache-control": "no-cache", ...droppedHeader(ledger) };
  return { kind: "response", res: new Response(out, { status: 200, headers }) };
}

const utf8 = new TextEncoder();

/** Pulls upstream chunks on demand (backpressure), translating each; transport errors end natively. */
function translatedStream(upstream: ReadableStream<Uint8Array>, t: StreamTranslator): ReadableStream<Uint8Array> {
  const reader = upstream.getReader();
  const enqueue = (ctl: ReadableStreamDefaultController<Uint8Array>, parts: (string | Uint8Array)[]) => {
    for (const p of parts) ctl.enqueue(typeof p === "string" ? utf8.encode(p) : p);
  };
  return new ReadableStream<Uint8Array>({
    async pull(ctl) {
      for (;;) {
        let r: Awaited<ReturnType<typeof reader.read>>;
        try {
          r = await reader.read();
        } catch {
          enqueue(ctl, t.fail("server_error", "The upstream connection failed mid-stream."));
          ctl.close();
          return;
        }
        if (r.done) {
          enqueue(ctl, t.end());
          ctl.close();
          return;
        }
        const parts = t.push(r.value);
        if (parts.length > 0) {
          enqueue(ctl, parts);
          return;
        }
      }
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
}
