// Inbound SigV4: requests signed by the AWS SDK's own signer verify; any change to what was signed does not.
import { describe, expect, test } from "bun:test";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { parseSigV4, verifySigV4, type InboundRequest } from "../../src/govern/sigv4-verify.ts";

const ID = "AKIAABCDEFGHIJKLMNOP";
const SECRET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123";
const NOW = Date.UTC(2026, 10, 22, 12, 0, 0);

/** Signs like @aws-sdk/client-bedrock-runtime does: wire path encoded once, extra SDK headers signed. */
async function signed(path = "/model/anthropic.claude-v2%3A1/converse", body = '{"messages":[]}', at = NOW): Promise<InboundRequest> {
  const signer = new SignatureV4({ credentials: { accessKeyId: ID, secretAccessKey: SECRET }, region: "eu-west-3", service: "bedrock", sha256: Hash.bind(null, "sha256") });
  const req = new HttpRequest({
    method: "POST", protocol: "http:", hostname: "127.0.0.1", port: 8080, path,
    headers: { host: "127.0.0.1:8080", "content-type": "application/json", "amz-sdk-invocation-id": "abc", "user-agent": "aws-sdk-js/3" },
    body,
  });
  const out = await signer.sign(req, { signingDate: new Date(at) });
  return { method: "POST", rawPath: path, rawQuery: "", headers: new Headers(out.headers as Record<string, string>), body };
}

async function verify(r: InboundRequest, secret = SECRET, now = NOW) {
  const auth = parseSigV4(r.headers.get("authorization"));
  if (auth === undefined) throw new Error("not sigv4");
  return verifySigV4(r, auth, secret, now);
}

describe("inbound SigV4", () => {
  test("a request signed by the SDK's signer verifies (path with an encoded colon)", async () => {
    const r = await signed();
    expect(parseSigV4(r.headers.get("authorization"))?.accessKeyId).toBe(ID);
    expect(await verify(r)).toEqual({ ok: true });
  });

  test("a different body, path, signed header, secret or time fails", async () => {
    const r = await signed();
    expect((await verify({ ...r, body: '{"messages":[1]}' })).ok).toBe(false);
    expect((await verify({ ...r, rawPath: "/model/other/converse" })).ok).toBe(false);
    const h = new Headers(r.headers);
    h.set("amz-sdk-invocation-id", "xyz");
    expect((await verify({ ...r, headers: h }))).toEqual({ ok: false, reason: "signature mismatch" });
    expect(await verify(r, "another-secret-of-forty-characters-abcdef")).toEqual({ ok: false, reason: "signature mismatch" });
    expect(await verify(r, SECRET, NOW + 16 * 60_000)).toEqual({ ok: false, reason: "request time too skewed" });
  });

  test("an unsigned header may change: only the listed ones are signed", async () => {
    const r = await signed();
    const h = new Headers(r.headers);
    h.set("user-agent", "something else");
    h.set("x-extra", "1");
    expect(await verify({ ...r, headers: h })).toEqual({ ok: true });
  });

  test("a claimed body hash must match the bytes received", async () => {
    const r = await signed();
    const h = new Headers(r.headers);
    h.set("x-amz-content-sha256", "0".repeat(64));
    expect(await verify({ ...r, headers: h })).toEqual({ ok: false, reason: "x-amz-content-sha256 does not match the body" });
  });

  test("Bearer and malformed headers are not SigV4", () => {
    expect(parseSigV4("Bearer abc")).toBeUndefined();
    expect(parseSigV4(null)).toBeUndefined();
    expect(parseSigV4("AWS4-HMAC-SHA256 Credential=x")).toBeUndefined();
  });
});
