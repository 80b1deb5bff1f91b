// A same-protocol hop (protocols.md §4): only `model` is spliced, the answer is relayed byte for byte as it
// arrives; non-2xx bodies verbatim with the upstream content type, read up to the cap.
import { sseToJsonArray } from "../proto/gemini/stream.ts";
import { setTopLevel } from "../proto/splice.ts";
import type { Runtime } from "../runtime.ts";
import { relayHeaders, stripUpstreamHeaders } from "./headers.ts";
import { ERROR_BODY_MAX, readCapped, send, type SendInput, type SendOutcome } from "./send.ts";

export interface RelayInput extends Omit<SendInput, "sameProtocol"> {
  /** Gemini caller streamed without `alt=sse`: re-frame the SSE answer as a JSON array. */
  readonly geminiJsonArray: boolean;
}

export async function relaySameProtocol(rt: Runtime, a: RelayInput): Promise<SendOutcome> {
  const { lane } = a;
  const body = lane.protocol.modelInBody ? setTopLevel(a.body, "model", JSON.stringify(lane.upstreamModel)) : a.body;
  const sent = await send(rt, { ...a, body, sameProtocol: true });
  if (sent.kind !== "response") return sent;
  const { res } = sent;
  if (res.status >= 400) {
    const bytes = await readCapped(res, ERROR_BODY_MAX);
    return { kind: "response", res: new Response(bytes, { status: res.status, headers: relayHeaders(res.headers) }) };
  }
  if (a.geminiJsonArray && res.body !== null) {
    const out = relayHeaders(res.headers);
    out.set("content-type", "application/json");
    return { kind: "response", res: new Response(res.body.pipeThrough(sseToJsonArray()), { status: res.status, headers: out }) };
  }
  return { kind: "response", res: passThrough(res) };
}

/**
 * The upstream's own Response, its headers filtered in place: Bun then relays the body natively, and neither a
 * JS ReadableStream (~0.9 µs just to touch `res.body`) nor a second Response is made. The wire is the same as
 * re-wrapping: status line from the code alone, framing recomputed. Bun's fetch answers have mutable headers;
 * should a Response not (an injected fetch, another runtime), it is re-wrapped as before.
 */
function passThrough(res: Response): Response {
  try {
    stripUpstreamHeaders(res.headers);
    return res;
  } catch {
    return new Response(res.body, { status: res.status, headers: relayHeaders(res.headers) });
  }
}
