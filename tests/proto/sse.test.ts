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
