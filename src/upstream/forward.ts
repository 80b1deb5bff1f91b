// One same-protocol attempt: build the egress request (model spliced, lane credential injected), send it, and
// relay the answer as it arrives (protocols.md §3, §4). Outcomes are values; nothing here throws to the caller.
import type { GatewayError } from "../ir/errors.ts";
import { sseToJsonArray } from "../proto/gemini/stream.ts";
import { setTopLevel } from "../proto/splice.ts";
import type { CredentialStyle, Operation } from "../proto/types.ts";
import type { Lane } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";
import { forwardedCallerHeaders, isHeaderSafe, relayHeaders } from "./headers.ts";
import { parseAwsSecret, regionFromHost, signBedrock } from "./sigv4.ts";

export interface Attempt {
  readonly lane: Lane;
  readonly op: Operation;
  readonly stream: boolean;
  /** The caller's body, as sent. */
  readonly body: string;
  readonly callerHeaders: Headers;
  /** Passthrough mode: the caller's own credential ("" when it sent none). Undefined otherwise. */
  readonly passthrough: string | undefined;
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Gemini caller streamed without `alt=sse`: re-frame the SSE answer as a JSON array. */
  readonly geminiJsonArray: boolean;
}

export type AttemptOutcome =
  | { readonly kind: "response"; readonly response: Response }
  | { readonly kind: "failed"; readonly error: GatewayError }
  | { readonly kind: "client_gone" };

/** Non-2xx bodies are read up to this many bytes (platform.md §4.3 `upstream_error_body_max_bytes`). */
const ERROR_BODY_MAX = 262_144;

export function egressUrl(lane: Lane, op: Operation, stream: boolean): URL {
  const path = op === "generate" && lane.provider.path !== undefined
    ? lane.provider.path
    : lane.protocol.egressPath(op, lane.upstreamModel, stream);
  return new URL(lane.provider.baseUrl + path);
}

async function credentialHeaders(rt: Runtime, a: Attempt, url: URL, body: string): Promise<Record<string, string>> {
  const { lane } = a;
  const style: CredentialStyle = lane.provider.auth;
  if (a.passthrough !== undefined) {
    // The caller's own credential, in the upstream's native header; Bedrock takes it as an API key (Bearer).
    return lane.protocol.signing === "sigv4"
      ? { authorization: `Bearer ${a.passthrough}` }
      : lane.protocol.credentialHeaders(a.passthrough, style === "none" ? "native" : style);
  }
  const key = lane.provider.apiKey;
  if (style === "none" || key === undefined || key === "") return lane.protocol.credentialHeaders("", "none");
  if (!isHeaderSafe(key)) {
    rt.log.warn("provider key holds bytes illegal in a header; sent without it", { provider: lane.provider.name });
    return lane.protocol.credentialHeaders("", "none");
  }
  if (lane.protocol.signing === "sigv4" && style !== "bearer") {
    const creds = parseAwsSecret(key);
    if (creds === undefined) {
      rt.log.warn("bedrock key is not ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]; sending unsigned", { provider: lane.provider.name });
      return {};
    }
    const region = lane.provider.region ?? regionFromHost(url.hostname) ?? "us-east-1";
    return signBedrock(url, "application/json", body, creds, region, rt.now());
  }
  return lane.protocol.credentialHeaders(key, style);
}

async function readCapped(res: Response, max: number): Promise<Uint8Array> {
  if (res.body === null) return new Uint8Array();
  const reader = res.body.getReader();
  const parts: Uint8Array[] = [];
  let total = 0;
  while (total < max) {
    const { done, value } = await reader.read();
    if (done) break;
    const take = value.subarray(0, Math.min(value.byteLength, max - total));
    parts.push(take);
    total += take.byteLength;
  }
  await reader.cancel().catch(() => {});
  return Buffer.concat(parts);
}

export async function attempt(rt: Runtime, a: Attempt): Promise<AttemptOutcome> {
  const { lane } = a;
  const url = egressUrl(lane, a.op, a.stream);
  const body = lane.protocol.modelInBody ? setTopLevel(a.body, "model", JSON.stringify(lane.upstreamModel)) : a.body;
  const headers: Record<string, string> = {
    ...forwardedCallerHeaders(lane, a.callerHeaders),
    "content-type": "application/json",
    accept: a.stream ? lane.protocol.streamContentType : "application/json",
    "accept-encoding": "identity",
    "x-request-id": a.requestId,
  };
  Object.assign(headers, await credentialHeaders(rt, a, url, body));

  let res: Response;
  try {
    res = await rt.fetch(url, { method: "POST", headers, body, redirect: "manual", decompress: false, signal: a.signal });
  } catch (e) {
    if (a.signal.aborted) return { kind: "client_gone" };
    rt.log.warn("upstream unreachable", { lane: lane.name, error: e instanceof Error ? e.name : "unknown" });
    return { kind: "failed", error: { kind: "overloaded", message: `The upstream for '${lane.name}' could not be reached.` } };
  }

  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    return { kind: "failed", error: { kind: "server_error", message: "The upstream answered with a redirect; busbar does not follow upstream redirects." } };
  }

  const out = relayHeaders(res.headers);
  if (res.status >= 400) {
    // Same-protocol: relayed verbatim with the upstream content type, read up to the cap (platform.md §4.3).
    const bytes = await readCapped(res, ERROR_BODY_MAX);
    return { kind: "response", response: new Response(bytes, { status: res.status, headers: out }) };
  }
  let stream = res.body;
  if (a.geminiJsonArray && stream !== null) {
    stream = stream.pipeThrough(sseToJsonArray());
    out.set("content-type", "application/json");
  }
  return { kind: "response", response: new Response(stream, { status: res.status, headers: out }) };
}
