// Signature provenance on the wire (protocols.md §10.4): on cross hops every signature handed to a caller is
// `base64("bbs1:" + originProto + ":" + original)` — plain base64, so SDKs that decode the field still work.
import type { Signature } from "./content.ts";
import { isProtocolName, type ProtocolName } from "./protocol.ts";

const PREFIX = "bbs1:";

export function wrapSignature(s: Signature): string {
  return Buffer.from(`${PREFIX}${s.origin}:${s.value}`, "utf8").toString("base64");
}

/** Unwraps a gateway-wrapped signature; anything else was issued by `native` (the protocol it arrived in). */
export function unwrapSignature(wire: string, native: ProtocolName): Signature {
  // "YmJzMT" is base64 of "bbs1"; native signatures run to kilobytes, so reject them before any regex or decode.
  if (wire.startsWith("YmJzMT") && /^[A-Za-z0-9+/]+=*$/.test(wire) && wire.length % 4 === 0) {
    const text = Buffer.from(wire, "base64").toString("utf8");
    if (text.startsWith(PREFIX)) {
      const rest = text.slice(PREFIX.length);
      const colon = rest.indexOf(":");
      const origin = rest.slice(0, colon);
      if (colon > 0 && isProtocolName(origin)) return { value: rest.slice(colon + 1), origin };
    }
  }
  return { value: wire, origin: native };
}
