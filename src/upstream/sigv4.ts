// SigV4 for Bedrock egress (protocols.md §3.1) via @smithy/signature-v4, the maintained AWS signer.
// The wire path is encoded once (`%3A`); smithy's default `uriEscapePath` encodes it again for the canonical
// request (`%253A`), the non-S3 rule, so wire and canonical path both derive from the one URL we send.
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string | undefined;
}

/** `ACCESS_KEY_ID:SECRET[:SESSION_TOKEN]`, split on the first two colons; an empty part means unsigned. */
export function parseAwsSecret(secret: string): AwsCredentials | undefined {
  const a = secret.indexOf(":");
  if (a < 0) return undefined;
  const b = secret.indexOf(":", a + 1);
  const accessKeyId = secret.slice(0, a);
  const secretAccessKey = b < 0 ? secret.slice(a + 1) : secret.slice(a + 1, b);
  const sessionToken = b < 0 ? undefined : secret.slice(b + 1);
  if (accessKeyId === "" || secretAccessKey === "" || sessionToken === "") return undefined;
  return { accessKeyId, secretAccessKey, sessionToken };
}

const REGION_LABEL = /^[a-z]+(?:-[a-z]+)+-\d+$/;
const SERVICE_LABELS = new Set(["bedrock-runtime", "bedrock-runtime-fips", "bedrock", "bedrock-fips"]);

/** The host label after `bedrock-runtime[-fips]` / `bedrock[-fips]`, shaped like `us-east-1`. */
export function regionFromHost(host: string): string | undefined {
  const labels = host.toLowerCase().split(".");
  for (let i = 0; i + 1 < labels.length; i++) {
    if (SERVICE_LABELS.has(labels[i]!) && REGION_LABEL.test(labels[i + 1]!)) return labels[i + 1];
  }
  return undefined;
}

/** Returns the headers to add: `authorization`, `x-amz-date`, `x-amz-content-sha256`, maybe `x-amz-security-token`. */
export async function signBedrock(
  url: URL,
  contentType: string,
  body: string,
  creds: AwsCredentials,
  region: string,
  now: Date,
): Promise<Record<string, string>> {
  const signer = new SignatureV4({
    credentials: creds,
    region,
    service: "bedrock",
    sha256: Hash.bind(null, "sha256"),
  });
  const request = new HttpRequest({
    method: "POST",
    protocol: url.protocol,
    hostname: url.hostname,
    port: url.port === "" ? undefined : Number(url.port),
    path: url.pathname,
    headers: { "content-type": contentType, host: url.host },
    body,
  });
  const signed = await signer.sign(request, { signingDate: now });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(signed.headers)) {
    const name = k.toLowerCase();
    if (name !== "host" && name !== "content-type") out[name] = v;
  }
  return out;
}
