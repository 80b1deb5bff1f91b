import { describe, expect, test } from "bun:test";
import { sseToJsonArray } from "../../src/proto/gemini/stream.ts";
import { SseDecoder, type SseEvent } from "../../src/proto/sse.ts";

const enc = new TextEncoder();

function decodeSplit(bytes: Uint8Array, at: number[]): SseEvent[] {
  const d = new SseDecoder();
  const out: SseEvent[] = [];
  let last = 0;
  for (const cut of [...at, bytes.length]) {
    out.push(...d.push(bytes.subarray(last, cut)));
    last = cut;
  }
  out.push(...d.flush());
  return out;
}

// Multi-byte UTF-8 (é is 2 bytes, 🚀 is 4), CRLF and lone-CR line ends, a comment, multi-line data, no final blank line.
const WIRE = 'event: message_start\r\ndata: {"t":"é🚀"}\r\n\r\n: keep-alive\n\ndata: line1\rdata: line2\r\rdata: [DONE]';
const EXPECTED: SseEvent[] = [
  { event: "message_start", data: '{"t":"é🚀"}' },
  { event: undefined, data: "line1\nline2" },
  { event: undefined, data: "[DONE]" },
];

describe("SseDecoder", () => {
  test("whole input", () => {
    expect(decodeSplit(enc.encode(WIRE), [])).toEqual(EXPECTED);
  });

  test("split at every byte position, and byte by byte", () => {
    const bytes = enc.encode(WIRE);
    for (let i = 1; i < bytes.length; i++) expect(decodeSplit(bytes, [i])).toEqual(EXPECTED);
    expect(decodeSplit(bytes, Array.from({ length: bytes.length - 1 }, (_, i) => i + 1))).toEqual(EXPECTED);
  });

  test("split at every pair of byte positions", () => {
    const bytes = enc.encode(WIRE);
    for (let i = 1; i < bytes.length; i++) {
      for (let j = i; j < bytes.length; j++) expect(decodeSplit(bytes, [i, j])).toEqual(EXPECTED);
    }
  });

  test("empty chunks anywhere, even between the \r and \n of one line end", () => {
    const bytes = enc.encode(WIRE);
    const everyByteTwice = Array.from({ length: bytes.length - 1 }, (_, i) => [i + 1, i + 1]).flat();
    expect(decodeSplit(bytes, everyByteTwice)).toEqual(EXPECTED);
  });

  test("a line longer than its chunks, ended by \r\n split across chunks", () => {
    const long = "x".repeat(10_000);
    const bytes = enc.encode(`data: ${long}\r\n\r\ndata: b\r\n\r\n`);
    const cuts = Array.from({ length: Math.floor(bytes.length / 7) }, (_, i) => (i + 1) * 7);
    expect(decodeSplit(bytes, cuts)).toEqual([{ event: undefined, data: long }, { event: undefined, data: "b" }]);
  });

  test("lone \r and \n line ends mixed with \r\n, and an empty data line", () => {
    const wire = "event: a\rdata: 1\n\ndata:\r\n\r\ndata: x\r\rdata: y\n\n";
    const want: SseEvent[] = [{ event: "a", data: "1" }, { event: undefined, data: "" }, { event: undefined, data: "x" }, { event: undefined, data: "y" }];
    const bytes = enc.encode(wire);
    for (let i = 0; i <= bytes.length; i++) expect(decodeSplit(bytes, [i])).toEqual(want);
  });
});

async function reframe(chunks: string[]): Promise<string> {
  const src = new ReadableStream<Uint8Array>({
    start(c) { for (const s of chunks) c.enqueue(enc.encode(s)); c.close(); },
  });
  return new Response(src.pipeThrough(sseToJsonArray())).text();
}

describe("Gemini JSON-array re-framing", () => {
  test("chunks become one JSON array, whatever the split", async () => {
    const wire = 'data: {"a":1}\r\n\r\ndata: {"b":"é"}\r\n\r\n';
    const bytes = enc.encode(wire);
    for (let i = 1; i < wire.length; i++) {
      const text = await reframe([wire.slice(0, i), wire.slice(i)]);
      expect(JSON.parse(text)).toEqual([{ a: 1 }, { b: "é" }]);
    }
    expect(bytes.length).toBeGreaterThan(wire.length); // the é really is multi-byte
  });

  test("zero chunks give []", async () => {
    expect(await reframe([])).toBe("[]");
  });
});
