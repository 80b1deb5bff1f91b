// A same-protocol hop (protocols.md §4): only `model` is spliced, the answer is relayed byte for byte as it
// arrives; non-2xx bodies verbatim with the upstream content type, read up to the cap.
import { sseToJsonArray } from "../proto/gemini/stream.ts";
import { setTopLevel } from "../proto/splice.ts";
import type { Runtime } from "../runtime.ts";
import { relayHeaders } from "./headers.ts";
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
  const out = relayHeaders(res.headers);
  if (res.status >= 400) {
    const bytes = await readCapped(res, ERROR_BODY_MAX);
    return { kind: "response", res: new Response(bytes, { status: res.status, headers: out }) };
  }
  let stream = res.body;
  if (a.geminiJsonArray && stream !== null) {
    stream = stream.pipeThrough(sseToJsonArray());
    out.set("content-type", "application/json");
  }
  return { kind: "response", res: new Response(stream, { status: res.status, headers: out }) };
}
