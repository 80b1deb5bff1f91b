import { describe, expect, test } from "bun:test";
import { createHash, createHmac } from "node:crypto";
import { parseAwsSecret, regionFromHost, signBedrock } from "../../src/upstream/sigv4.ts";
import { egressPath } from "../../src/proto/bedrock/wire.ts";

// An independent SigV4 (AWS General Reference, "Create a signed AWS API request"), written from the spec, so the
// library's output is checked against a second implementation rather than against itself.
function referenceSignature(o: { host: string; canonicalPath: string; body: string; date: string; region: string; secret: string; token?: string }): string {
  const hash = (s: string) => createHash("sha256").update(s).digest("hex");
  const hmac = (k: string | Buffer, s: string) => createHmac("sha256", k).update(s).digest();
  const payload = hash(o.body);
  const headers: [string, string][] = [
    ["content-type", "application/json"], ["host", o.host], ["x-amz-content-sha256", payload], ["x-amz-date", o.date],
  ];
  if (o.token) headers.push(["x-amz-security-token", o.token]);
  const signed = headers.map(([k]) => k).join(";");
  const canonical = ["POST", o.canonicalPath, "", ...headers.map(([k, v]) => `${k}:${v}`), "", signed, payload].join("\n");
  const day = o.date.slice(0, 8);
  const scope = `${day}/${o.region}/bedrock/aws4_request`;
  const toSign = ["AWS4-HMAC-SHA256", o.date, scope, hash(canonical)].join("\n");
  const key = hmac(hmac(hmac(hmac(`AWS4${o.secret}`, day), o.region), "bedrock"), "aws4_request");
  return createHmac("sha256", key).update(toSign).digest("hex");
}

describe("Bedrock SigV4", () => {
  test("the wire path encodes `:` once and the signature covers it encoded twice", async () => {
    const path = egressPath("a.b-v2:1", false);
    expect(path).toBe("/model/a.b-v2%3A1/converse");
    const url = new URL(`https://bedrock-runtime.eu-west-1.amazonaws.com${path}`);
    const body = '{"messages":[]}';
    const now = new Date(Date.UTC(2026, 10, 22, 12, 36, 0));
    const creds = parseAwsSecret("AKIDEXAMPLE:wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")!;
    const h = await signBedrock(url, "application/json", body, creds, "eu-west-1", now);
    const sig = referenceSignature({
      host: url.host, canonicalPath: "/model/a.b-v2%253A1/converse", body, date: "20261122T123600Z", region: "eu-west-1",
      secret: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    });
    expect(h).toEqual({
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261122/eu-west-1/bedrock/aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date, Signature=${sig}`,
      "x-amz-date": "20261122T123600Z",
      "x-amz-content-sha256": createHash("sha256").update(body).digest("hex"),
    });
  });

  test("session tokens are signed and sent; a port is part of the signed host", async () => {
    const url = new URL("http://127.0.0.1:4566/model/m/converse-stream");
    const now = new Date(Date.UTC(2026, 0, 2, 3, 4, 5));
    const h = await signBedrock(url, "application/json", "{}", parseAwsSecret("AK:SK:TOKEN")!, "us-east-1", now);
    const sig = referenceSignature({ host: "127.0.0.1:4566", canonicalPath: "/model/m/converse-stream", body: "{}", date: "20260102T030405Z", region: "us-east-1", secret: "SK", token: "TOKEN" });
    expect(h["x-amz-security-token"]).toBe("TOKEN");
    expect(h.authorization).toEndWith(`SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;x-amz-security-token, Signature=${sig}`);
  });

  test("secret format: split on the first two colons; empty parts mean unsigned", () => {
    expect(parseAwsSecret("AK:S/K:TOK:EN")).toEqual({ accessKeyId: "AK", secretAccessKey: "S/K", sessionToken: "TOK:EN" });
    expect(parseAwsSecret("AK:SK")).toEqual({ accessKeyId: "AK", secretAccessKey: "SK", sessionToken: undefined });
    expect([parseAwsSecret("AKSK"), parseAwsSecret(":SK"), parseAwsSecret("AK:"), parseAwsSecret("AK:SK:")]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test("region from the host", () => {
    expect([
      regionFromHost("bedrock-runtime.us-west-2.amazonaws.com"),
      regionFromHost("bedrock-runtime-fips.us-gov-west-1.amazonaws.com"),
      regionFromHost("bedrock.ap-northeast-1.amazonaws.com"),
      regionFromHost("vpce-1.bedrock-runtime.eu-central-1.vpce.amazonaws.com"),
      regionFromHost("example.com"),
    ]).toEqual(["us-west-2", "us-gov-west-1", "ap-northeast-1", "eu-central-1", undefined]);
  });
});
