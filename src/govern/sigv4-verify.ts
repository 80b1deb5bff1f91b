// Inbound SigV4 for governed Bedrock callers (protocols.md §2.2, platform.md §3.1): the caller signs with a
// gateway-minted AWS key pair; busbar recomputes the signature over exactly the headers the caller listed, with
// the same maintained signer it uses for egress (@smithy/signature-v4), and compares in constant time. The body
// hash is checked against the bytes received, so a signature cannot be replayed over another body.
import { timingSafeEqual } from "node:crypto";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

/** AWS rejects requests whose x-amz-date is further than this from its clock (RequestTimeTooSkewed). */
export const MAX_SKEW_MS = 15 * 60_000;

export interface SigV4Header {
  readonly accessKeyId: string;
  readonly date: string;
  readonly region: string;
  readonly service: string;
  readonly signedHeaders: readonly string[];
  readonly signature: string;
}

const AUTH = /^AWS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/([^/,\s]+)\/aws4_request,\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/;

/** Parses `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`; undefined if not SigV4. */
export function parseSigV4(authorization: string | null): SigV4Header | undefined {
  if (authorization === null) return undefined;
  const m = AUTH.exec(authorization.trim());
  if (m === null) return undefined;
  return {
    accessKeyId: m[1]!, date: m[2]!, region: m[3]!, service: m[4]!,
    signedHeaders: m[5]!.split(";"), signature: m[6]!,
  };
}

/** `20260102T030405Z` → epoch ms. */
function parseAmzDate(s: string | null): number | undefined {
  const m = s === null ? null : /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s);
  if (m === null) return undefined;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

export type VerifyOutcome = { readonly ok: true } | { readonly ok: false; /** for the log only */ readonly reason: string };

export interface InboundRequest {
  readonly method: string;
  /** The path exactly as received (still percent-encoded once). */
  readonly rawPath: string;
  /** The raw query string without `?` ("" when none). */
  readonly rawQuery: string;
  readonly headers: Headers;
  readonly body: string;
}

export async function verifySigV4(req: InboundRequest, auth: SigV4Header, secret: string, nowMs: number): Promise<VerifyOutcome> {
  if (auth.service !== "bedrock") return { ok: false, reason: `signed for service ${auth.service}` };
  const dateHeader = req.headers.get("x-amz-date");
  const at = parseAmzDate(dateHeader);
  if (at === undefined || dateHeader === null) return { ok: false, reason: "x-amz-date missing or malformed" };
  if (!dateHeader.startsWith(auth.date)) return { ok: false, reason: "credential date differs from x-amz-date" };
  if (Math.abs(nowMs - at) > MAX_SKEW_MS) return { ok: false, reason: "request time too skewed" };
  const names = auth.signedHeaders;
  if (!names.includes("host") || !names.includes("x-amz-date")) return { ok: false, reason: "host and x-amz-date must be signed" };

  const headers: Record<string, string> = {};
  for (const name of names) {
    const v = req.headers.get(name);
    if (v === null) return { ok: false, reason: `signed header ${name} is missing` };
    headers[name] = v;
  }
  const bodyHash = new Hash("sha256");
  bodyHash.update(req.body);
  const actual = Buffer.from(await bodyHash.digest()).toString("hex");
  const claimed = req.headers.get("x-amz-content-sha256");
  if (claimed !== null && claimed !== actual) return { ok: false, reason: "x-amz-content-sha256 does not match the body" };

  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(req.rawQuery)) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const signer = new SignatureV4({
    credentials: { accessKeyId: auth.accessKeyId, secretAccessKey: secret },
    region: auth.region,
    service: "bedrock",
    sha256: Hash.bind(null, "sha256"),
    // Adding x-amz-content-sha256 would sign a header the caller may not have signed.
    applyChecksum: false,
  });
  // Only the listed headers are passed, so the signer signs exactly the caller's set; the body is the bytes
  // received, so an unlisted x-amz-content-sha256 still binds the signature to them.
  // The signer escapes the path once more (the non-S3 rule), as it did for the caller: give it the wire path.
  const request = new HttpRequest({ method: req.method, hostname: headers["host"] ?? "", path: req.rawPath, query, headers, body: req.body });
  let signed: HttpRequest;
  try {
    signed = await signer.sign(request, { signingDate: new Date(at) }) as HttpRequest;
  } catch {
    return { ok: false, reason: "signature could not be computed" };
  }
  const expected = /Signature=([0-9a-f]{64})/.exec(signed.headers["authorization"] ?? "")?.[1];
  if (expected === undefined) return { ok: false, reason: "signature could not be computed" };
  const a = Buffer.from(expected, "hex");
  const b = Buffer.from(auth.signature, "hex");
  return a.length === b.length && timingSafeEqual(a, b) ? { ok: true } : { ok: false, reason: "signature mismatch" };
}
