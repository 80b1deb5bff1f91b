// The edge's body reader (platform.md §4.3, §4.6): size cap, UTF-8, depth, JSON object, each a native error value.
import { expect, test } from "bun:test";
import { readJsonBody } from "../../src/ingress/body.ts";

const LIMITS = { maxBodyBytes: 1024, maxJsonDepth: 8 };
const enc = new TextEncoder();
const bytes = (...parts: (string | number[])[]) => Buffer.concat(parts.map((p) => typeof p === "string" ? enc.encode(p) : Uint8Array.from(p)));

/** A declared-length request (as Bun hands a Content-Length body to the handler). */
const declared = (body: Uint8Array) => new Request("http://x/", { method: "POST", body, headers: { "content-length": String(body.byteLength) } });
/** A body without a declared length (chunked on the wire). */
const chunked = (body: Uint8Array) => new Request("http://x/", {
  method: "POST",
  body: new ReadableStream({ start(c) { c.enqueue(body.subarray(0, 3)); c.enqueue(body.subarray(3)); c.close(); } }),
});

const outcome = async (req: Request): Promise<unknown> => {
  const r = await readJsonBody(req, LIMITS);
  return r.ok ? { ok: true, json: r.json } : { ok: false, kind: r.error.kind, message: r.error.message, bytes: r.bytes };
};

test("invalid UTF-8 is a native 400; a genuine U+FFFD and a BOM are fine", async () => {
  const latin1 = bytes('{"a":"caf', [0xe9], '"}'); // Latin-1 é: a lone lead byte
  const surrogate = bytes('{"a":"', [0xed, 0xa0, 0x80], '"}'); // an encoded UTF-16 surrogate
  const genuine = bytes('{"a":"\uFFFD"}');
  const bom = bytes([0xef, 0xbb, 0xbf], '{"a":1}');
  const NOT_UTF8 = { ok: false, kind: "invalid_request", message: "The request body is not valid UTF-8.", bytes: undefined };
  expect(await Promise.all([
    outcome(declared(latin1)), outcome(chunked(latin1)),
    outcome(declared(surrogate)), outcome(chunked(surrogate)),
    outcome(declared(genuine)), outcome(chunked(genuine)),
    outcome(declared(bom)),
  ])).toEqual([
    NOT_UTF8, NOT_UTF8, NOT_UTF8, NOT_UTF8,
    { ok: true, json: { a: "\uFFFD" } }, { ok: true, json: { a: "\uFFFD" } },
    { ok: true, json: { a: 1 } },
  ]);
});

test("size, depth and shape are refused before any value is built, with the byte count for the log", async () => {
  const deep = bytes("[".repeat(9) + "]".repeat(9));
  expect(await Promise.all([
    outcome(declared(bytes(`{"p":"${"x".repeat(1100)}"}`))),
    outcome(chunked(bytes(`{"p":"${"x".repeat(1100)}"}`))),
    outcome(declared(deep)),
    outcome(declared(bytes('{"a":'))),
    outcome(declared(bytes("[1]"))),
  ])).toEqual([
    { ok: false, kind: "too_large", message: "Request body is larger than the 1024-byte limit.", bytes: undefined },
    { ok: false, kind: "too_large", message: "Request body is larger than the 1024-byte limit.", bytes: undefined },
    { ok: false, kind: "invalid_request", message: "The request body nests JSON more than 8 levels deep.", bytes: 18 },
    { ok: false, kind: "invalid_request", message: "We could not parse the JSON body of your request.", bytes: 5 },
    { ok: false, kind: "invalid_request", message: "The request body must be a JSON object.", bytes: 3 },
  ]);
});

test("a body the client stops sending mid-way is an error value, not a throw", async () => {
  const req = new Request("http://x/", {
    method: "POST",
    body: new ReadableStream({ start(c) { c.enqueue(enc.encode('{"a":')); c.error(new Error("connection closed")); } }),
  });
  expect(await outcome(req)).toEqual({ ok: false, kind: "invalid_request", message: "The request body could not be read to its end.", bytes: undefined });
});
