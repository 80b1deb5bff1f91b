// Sends one request to a lane: egress URL, built headers, the lane's credential (SigV4 for Bedrock), no redirects
// followed (platform.md §4.2), upstream wait timed for Server-Timing. Outcomes are values.
import { rootCertificates } from "node:tls";
import type { GatewayError } from "../ir/errors.ts";
import type { CredentialStyle, Operation } from "../proto/types.ts";
import type { Lane } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";
import { guardLane } from "./guard.ts";
import { forwardedCallerHeaders, isHeaderSafe } from "./headers.ts";
import { parseAwsSecret, regionFromHost, signBedrock } from "./sigv4.ts";

export interface SendInput {
  readonly lane: Lane;
  readonly op: Operation;
  readonly stream: boolean;
  /** The final egress body. */
  readonly body: string;
  readonly callerHeaders: Headers;
  /** Forward the caller's version/beta headers: same-protocol hops only (spec README D7). */
  readonly sameProtocol: boolean;
  /** Passthrough mode: the caller's own credential ("" when it sent none). Undefined otherwise. */
  readonly passthrough: string | undefined;
  readonly signal: AbortSignal;
  readonly requestId: string;
  /** Accumulates nanoseconds spent awaiting upstream response headers (platform.md §5.5). */
  readonly timing: { upstreamNs: number };
}

export type SendOutcome =
  | { readonly kind: "response"; readonly res: Response }
  | { readonly kind: "failed"; readonly error: GatewayError; readonly headers?: Record<string, string> }
  | { readonly kind: "client_gone" };

/** Egress URLs per lane, by op and stream: `new URL()` per request cost ~0.2 µs for a constant (2-vCPU VM). */
const egressUrls = new WeakMap<Lane, Map<string, URL>>();

/** The URL is shared between requests: read it, never mutate it. */
export function egressUrl(lane: Lane, op: Operation, stream: boolean): URL {
  let byOp = egressUrls.get(lane);
  if (byOp === undefined) egressUrls.set(lane, byOp = new Map());
  const key = stream ? `${op} stream` : op;
  let url = byOp.get(key);
  if (url === undefined) {
    const path = op === "generate" && lane.provider.path !== undefined
      ? lane.provider.path
      : lane.protocol.egressPath(op, lane.upstreamModel, stream);
    byOp.set(key, url = new URL(lane.provider.baseUrl + path));
  }
  return url;
}

/** Per provider with a `ca_file`: the public roots plus its own (platform.md §4.1: ca_file adds, never replaces). */
const trust = new WeakMap<Lane["provider"], { readonly ca: string[] }>();

/** Undefined (Bun's default verification) unless the provider names extra roots; verification is never skipped. */
function upstreamTls(lane: Lane): { readonly ca: string[] } | undefined {
  const pem = lane.provider.caPem;
  if (pem === undefined) return undefined;
  let t = trust.get(lane.provider);
  if (t === undefined) trust.set(lane.provider, t = { ca: [...rootCertificates, pem] });
  return t;
}

type Credentials = Record<string, string>;

/** Synchronous unless SigV4 signs, so an unsigned request awaits nothing here. */
function credentialHeaders(rt: Runtime, a: SendInput, url: URL): Credentials | Promise<Credentials> {
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
    return signBedrock(url, "application/json", a.body, creds, region, rt.now());
  }
  return lane.protocol.credentialHeaders(key, style);
}

export async function send(rt: Runtime, a: SendInput): Promise<SendOutcome> {
  const { lane } = a;
  // Connect-time SSRF check (platform.md §4.2): undefined, synchronously, for literals and fresh verdicts.
  const refused = guardLane(rt, lane);
  if (refused !== undefined) {
    const r = await refused;
    if (r !== undefined) return r;
  }
  const url = egressUrl(lane, a.op, a.stream);
  const headers: Record<string, string> = a.sameProtocol ? forwardedCallerHeaders(lane, a.callerHeaders) : {};
  headers["content-type"] = "application/json";
  headers["accept"] = a.stream ? lane.protocol.streamContentType : "application/json";
  headers["accept-encoding"] = "identity";
  headers["x-request-id"] = a.requestId;
  const creds = credentialHeaders(rt, a, url);
  Object.assign(headers, creds instanceof Promise ? await creds : creds);

  const started = Bun.nanoseconds();
  let res: Response;
  try {
    const tls = upstreamTls(lane);
    res = await rt.fetch(url, tls === undefined
      ? { method: "POST", headers, body: a.body, redirect: "manual", decompress: false, signal: a.signal }
      : { method: "POST", headers, body: a.body, redirect: "manual", decompress: false, signal: a.signal, tls });
  } catch (e) {
    a.timing.upstreamNs += Bun.nanoseconds() - started;
    if (a.signal.aborted) return { kind: "client_gone" };
    rt.log.warn("upstream unreachable", { lane: lane.name, error: e instanceof Error ? e.name : "unknown" });
    return { kind: "failed", error: { kind: "overloaded", message: `The upstream for '${lane.name}' could not be reached.` } };
  }
  a.timing.upstreamNs += Bun.nanoseconds() - started;

  if (res.status >= 300 && res.status < 400) {
    await res.body?.cancel().catch(() => {});
    return { kind: "failed", error: { kind: "server_error", message: "The upstream answered with a redirect; busbar does not follow upstream redirects." } };
  }
  return { kind: "response", res };
}

/** Non-2xx bodies are read up to a cap (platform.md §4.3 `upstream_error_body_max_bytes`). */
export const ERROR_BODY_MAX = 262_144;

export async function readCapped(res: Response, max: number): Promise<Uint8Array> {
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
