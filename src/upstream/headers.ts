// Egress headers are built, never copied (platform.md §4.4); upstream response headers are filtered.
import type { Lane } from "../route/lanes.ts";

/** RFC 9110 §7.6.1 hop-by-hop headers, plus what a proxy must not relay back (`set-cookie`) or recompute. */
const DROPPED_FROM_UPSTREAM = new Set([
  "connection", "keep-alive", "proxy-connection", "proxy-authenticate", "proxy-authorization", "te", "trailer",
  "transfer-encoding", "upgrade", "set-cookie", "content-length", "alt-svc", "via", "server", "date",
]);

export function relayHeaders(upstream: Headers): Headers {
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (!DROPPED_FROM_UPSTREAM.has(name)) out.append(name, value);
  });
  return out;
}

/** A header value must be visible ASCII/latin-1 without CR, LF or NUL; anything else would break the request. */
export function isHeaderSafe(v: string): boolean {
  return /^[\t\x20-\x7e\x80-\xff]*$/.test(v);
}

/** Same-protocol allowlist (spec README D7): the caller's version/beta headers win over the lane defaults. */
export function forwardedCallerHeaders(lane: Lane, caller: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of lane.protocol.forwardedHeaders) {
    const v = caller.get(name);
    if (v !== null && isHeaderSafe(v)) out[name] = v;
  }
  return out;
}
