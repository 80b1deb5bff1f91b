// Bedrock ConverseStream (protocols.md §9.3 BR, §9.4): the reader at every split point (STYLE habit 7; splits fall
// inside preludes, headers, payloads and CRCs alike), the framing guards, and the writer byte-exact against frames
// encoded independently with Smithy's codec (tests/proto/bedrock/fixtures.ts). There is no CRLF variant: the
// framing is binary and length-prefixed.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { EventStreamCodec, Int64 } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";
import { FrameDecoder } from "../../../src/proto/bedrock/eventstream.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { encodeFrames, STREAM_FIXTURES, STREAMS_DIR } from "./fixtures.ts";
import { expectSameAtEverySplit } from "../../helpers/split.ts";

const bin = (name: string): Uint8Array => new Uint8Array(readFileSync(join(STREAMS_DIR, `${name}.bin`)));
const events = (name: string): StreamEvent[] => JSON.parse(readFileSync(join(STREAMS_DIR, `${name}.ir.json`), "utf8"));

function read(chunks: Uint8Array[], ledger = new Ledger()): StreamEvent[] {
  const r = bedrockCodec.streamReader(ledger);
  const out = chunks.flatMap((c) => r.push(c));
  return [...out, ...r.end()];
}

test("the .bin fixtures are the frame lists of fixtures.ts", () => {
  for (const [name, frames] of Object.entries(STREAM_FIXTURES)) expect({ name, bytes: bin(name) }).toEqual({ name, bytes: encodeFrames(frames) });
});

describe("reader: recorded upstream streams at every split point", () => {
  for (const name of ["text-tool", "thinking", "error"]) {
    test(name, () => {
      const bytes = bin(name);
      const want = events(name);
      expectSameAtEverySplit((c) => read(c), bytes, want);
    });
  }
});

describe("reader: framing guards (§9.4)", () => {
  const frames = bin("text-tool");
  const first = new DataView(frames.buffer, frames.byteOffset).getUint32(0);
  const corrupt = (at: number) => {
    const b = frames.slice();
    b[at]! ^= 0xff;
    return b;
  };
  const error = (message: string): StreamEvent => ({ t: "error", kind: "server_error", message: `The upstream stream was corrupt: ${message}.` });

  test("a bad prelude CRC aborts before the lengths are trusted", () => {
    expect(read([corrupt(8)])).toEqual([error("event stream prelude checksum mismatch")]);
    // A corrupted length is caught by the prelude CRC too, without waiting for the 4 GB body it announces.
    expect(read([corrupt(0).subarray(0, 12)])).toEqual([error("event stream prelude checksum mismatch")]);
  });

  test("impossible lengths abort as soon as the prelude is in, before waiting for the body", () => {
    const prelude = (total: number, headers: number) => {
      const b = new Uint8Array(12);
      const dv = new DataView(b.buffer);
      dv.setUint32(0, total);
      dv.setUint32(4, headers);
      dv.setUint32(8, Bun.hash.crc32(b.subarray(0, 8)));
      return b;
    };
    expect(read([prelude(15, 0)])).toEqual([error("event stream frame length out of bounds (15, headers 0)")]);
    expect(read([prelude(16 * 1024 * 1024 + 1, 0)])).toEqual([error("event stream frame length out of bounds (16777217, headers 0)")]);
    expect(read([prelude(100, 85)])).toEqual([error("event stream frame length out of bounds (100, headers 85)")]);
    expect(read([prelude(100, 84)])).toEqual([]); // plausible: waits for the rest (the seam ends the stream at EOF)
  });

  test("a bad message CRC aborts before the payload is used; frames before it are kept; nothing after", () => {
    expect(read([corrupt(first + 20), bin("text-tool")])).toEqual([
      { t: "message_start" },
      error("event stream message checksum mismatch"),
    ]);
  });

  test("every §9.4 header type is read (strings kept, the rest skipped by width), as Smithy encodes them", () => {
    const codec = new EventStreamCodec(toUtf8, fromUtf8);
    const frame = codec.encode({
      headers: {
        ":message-type": { type: "string", value: "event" },
        t: { type: "boolean", value: true },
        f: { type: "boolean", value: false },
        b: { type: "byte", value: 7 },
        s: { type: "short", value: 300 },
        i: { type: "integer", value: 70000 },
        l: { type: "long", value: Int64.fromNumber(5) },
        x: { type: "binary", value: Uint8Array.of(1, 2, 3) },
        d: { type: "timestamp", value: new Date(0) },
        u: { type: "uuid", value: "a1b2c3d4-0000-4000-8000-000000000001" },
        "é": { type: "string", value: "naïve 😀" },
        ":event-type": { type: "string", value: "contentBlockDelta" },
      },
      body: fromUtf8(JSON.stringify({ contentBlockIndex: 0, delta: { text: "ok" } })),
    });
    expect(new FrameDecoder().push(frame)).toEqual({
      frames: [{ headers: { ":message-type": "event", "é": "naïve 😀", ":event-type": "contentBlockDelta" }, payload: '{"contentBlockIndex":0,"delta":{"text":"ok"}}' }],
    });
  });

  test("unreadable headers (an unknown header type) abort, even with good checksums", () => {
    const headers = Uint8Array.of(1, 0x78, 10); // name "x", type 10: not in §9.4's table
    const total = 12 + headers.length + 4;
    const b = new Uint8Array(total);
    const dv = new DataView(b.buffer);
    dv.setUint32(0, total);
    dv.setUint32(4, headers.length);
    dv.setUint32(8, Bun.hash.crc32(b.subarray(0, 8)));
    b.set(headers, 12);
    dv.setUint32(total - 4, Bun.hash.crc32(b.subarray(0, total - 4)));
    expect(read([b])).toEqual([{ t: "error", kind: "server_error", message: expect.stringContaining("The upstream stream was corrupt: event stream headers unreadable") as never }]);
  });

  test("a partial trailing frame stays buffered; EOF after messageStop completes the stream", () => {
    const all = bin("text-tool");
    const frames = STREAM_FIXTURES["text-tool"]!;
    const withoutMetadata = encodeFrames(frames.slice(0, -1));
    const r = bedrockCodec.streamReader(new Ledger());
    const got = [...r.push(all.subarray(0, withoutMetadata.length + 5)), ...r.end()];
    expect(got).toEqual([...events("text-tool").slice(0, -2), { t: "message_stop" }]);
  });

  test("EOF without messageStop is left incomplete for the seam; open blocks are closed", () => {
    expect(read([encodeFrames(STREAM_FIXTURES["text-tool"]!.slice(0, 3))])).toEqual([...events("text-tool").slice(0, 4), { t: "block_stop", index: 0 }]);
  });

  test("exception names in either case and with a namespace; error frames use their headers", () => {
    const rows: [Parameters<typeof encodeFrames>[0], StreamEvent][] = [
      [[{ exception: "ThrottlingException", payload: { message: "slow" } }], { t: "error", kind: "rate_limit", message: "slow" }],
      [[{ exception: "com.amazon.bedrock#ServiceUnavailableException", payload: { Message: "busy" } }], { t: "error", kind: "overloaded", message: "busy" }],
      [[{ exception: "validationException", payload: {} }], { t: "error", kind: "invalid_request", message: "The upstream stream failed." }],
      [[{ exception: "modelStreamErrorException", payload: { message: "boom" } }], { t: "error", kind: "server_error", message: "boom" }],
      [[{ exception: "somethingNewException", payload: { message: "?" } }], { t: "error", kind: "server_error", message: "?" }],
      [[{ error: "InternalFailure", message: "try again" }], { t: "error", kind: "server_error", message: "try again" }],
      [[{ error: "ThrottlingException", message: "" }], { t: "error", kind: "rate_limit", message: "The upstream stream failed." }],
    ];
    for (const [frames, want] of rows) expect(read([encodeFrames(frames)])).toEqual([want]);
  });

  test("unparseable payloads are skipped; unknown events ignored; image starts and citations recorded", () => {
    const ledger = new Ledger();
    const got = read([encodeFrames([
      { event: "messageStart", payload: { role: "assistant" } },
      { event: "contentBlockDelta", payload: "not an object" },
      { event: "somethingNew", payload: { x: 1 } },
      { event: "contentBlockStart", payload: { contentBlockIndex: 0, start: { image: { format: "png" } } } },
      { event: "contentBlockDelta", payload: { contentBlockIndex: 1, delta: { text: "" } } },
      { event: "contentBlockDelta", payload: { contentBlockIndex: 1, delta: { citation: { title: "T" } } } },
    ])], ledger);
    expect(got).toEqual([{ t: "message_start" }, { t: "block_start", index: 1, block: "text" }, { t: "block_stop", index: 1 }]);
    expect(ledger.drops).toEqual([
      { field: "content[0]", reason: "no_target_analog" },
      { field: "content[1].citations", reason: "no_target_analog" },
    ]);
  });
});

/** A clock that reads T at the writer's creation and T + 250 ms afterwards. */
function ctx(): ResponseContext {
  let calls = 0;
  return { ids: sequentialIds(), now: () => 1_700_000_000_000 + (calls++ === 0 ? 0 : 250), model: "ctx-model", includeUsage: false, reasoningContent: false };
}

function write(evs: StreamEvent[], ledger = new Ledger()): Uint8Array {
  const w = bedrockCodec.streamWriter(ctx(), ledger);
  return new Uint8Array(Buffer.concat(evs.map((e) => w.write(e)).map((x) => (typeof x === "string" ? new TextEncoder().encode(x) : x))));
}

const d = (i: number, delta: unknown) => ({ event: "contentBlockDelta", payload: { contentBlockIndex: i, delta } });

describe("writer: normalised IR → the §9.3 Bedrock frames", () => {
  test("thinking with a joined, wrapped signature; implicit text start; a tool call in three fragments; usage and latency", () => {
    const ledger = new Ledger();
    const want = encodeFrames([
      { event: "messageStart", payload: { role: "assistant" } },
      d(0, { reasoningContent: { text: "Plan: call f." } }),
      d(0, { reasoningContent: { signature: Buffer.from("bbs1:anthropic:an-sig-1").toString("base64") } }),
      { event: "contentBlockStop", payload: { contentBlockIndex: 0 } },
      d(1, { text: "naïve 😀" }),
      d(1, { text: " ok" }),
      { event: "contentBlockStop", payload: { contentBlockIndex: 1 } },
      { event: "contentBlockStart", payload: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tooluse_bb1Y2FsbF8x", name: "get_weather" } } } },
      d(2, { toolUse: { input: '{"city"' } }),
      d(2, { toolUse: { input: ': "Par' } }),
      d(2, { toolUse: { input: 'is"}' } }),
      { event: "contentBlockStop", payload: { contentBlockIndex: 2 } },
      { event: "messageStop", payload: { stopReason: "tool_use" } },
      { event: "metadata", payload: { usage: { inputTokens: 120, outputTokens: 42, totalTokens: 182, cacheReadInputTokens: 20 }, metrics: { latencyMs: 250 } } },
    ]);
    expect(write(events("writer-tool"), ledger)).toEqual(want);
    expect(ledger.drops).toEqual([]);
  });

  test("redacted reasoning is written whole and wrapped; safety becomes content_filtered; citations and logprobs recorded", () => {
    const ledger = new Ledger();
    const got = write([
      { t: "message_start" },
      { t: "block_start", index: 0, block: "redacted_thinking" },
      { t: "block_delta", index: 0, delta: { redacted: "r-", origin: "anthropic" } },
      { t: "block_delta", index: 0, delta: { redacted: "an", origin: "anthropic" } },
      { t: "block_stop", index: 0 },
      { t: "block_start", index: 1, block: "text" },
      { t: "block_delta", index: 1, delta: { citation: { uri: "https://g", origin: "gemini", raw: {} } } },
      { t: "block_delta", index: 1, delta: { logprobs: [{ token: "x", logprob: -1 }] } },
      { t: "block_stop", index: 1 },
      { t: "message_delta", stopReason: "safety", usage: { input: 1, output: 2, cacheWrite: 3 } },
      { t: "message_stop" },
    ], ledger);
    expect(got).toEqual(encodeFrames([
      { event: "messageStart", payload: { role: "assistant" } },
      d(0, { reasoningContent: { redactedContent: Buffer.from("bbs1:anthropic:r-an").toString("base64") } }),
      { event: "contentBlockStop", payload: { contentBlockIndex: 0 } },
      { event: "contentBlockStop", payload: { contentBlockIndex: 1 } },
      { event: "messageStop", payload: { stopReason: "content_filtered" } },
      { event: "metadata", payload: { usage: { inputTokens: 1, outputTokens: 2, totalTokens: 6, cacheWriteInputTokens: 3 }, metrics: { latencyMs: 250 } } },
    ]));
    expect(ledger.drops).toEqual([
      { field: "content[1].citations", reason: "no_target_analog" },
      { field: "logprobs", reason: "no_target_analog" },
    ]);
  });

  test("fail: an exception frame named by the Smithy member, payload {message}", () => {
    const w = bedrockCodec.streamWriter(ctx(), new Ledger());
    const rows: [Parameters<typeof w.fail>[0], string][] = [
      ["rate_limit", "throttlingException"], ["quota", "throttlingException"], ["overloaded", "serviceUnavailableException"],
      ["server_error", "internalServerException"], ["timeout", "modelStreamErrorException"], ["invalid_request", "validationException"],
    ];
    for (const [kind, exception] of rows) {
      expect(w.fail(kind, 'slow "down"')).toEqual(encodeFrames([{ exception, payload: { message: 'slow "down"' } }]));
    }
  });

  test("a huge text delta is split into frames under the 16 MiB limit, code points whole", () => {
    const text = `${"a".repeat((1 << 20) - 1)}😀${"b".repeat(10)}`;
    const got = write([{ t: "block_start", index: 0, block: "text" }, { t: "block_delta", index: 0, delta: { text } }]);
    expect(read([got])).toEqual([
      { t: "block_start", index: 0, block: "text" },
      { t: "block_delta", index: 0, delta: { text: "a".repeat((1 << 20) - 1) } },
      { t: "block_delta", index: 0, delta: { text: `😀${"b".repeat(10)}` } },
      { t: "block_stop", index: 0 },
    ]);
  });

  test("what the writer writes, the reader reads back (signature provenance kept through the wrapping)", () => {
    const evs = events("writer-tool");
    expect(read([write(evs)])).toEqual([
      { t: "message_start" },
      ...evs.slice(1, 3),
      { t: "block_delta", index: 0, delta: { signature: "an-sig-1", origin: "anthropic" } },
      ...evs.slice(5, -2),
      { t: "message_delta", stopReason: "tool_use" },
      { t: "message_delta", usage: { input: 120, output: 42, cacheRead: 20 } },
      { t: "message_stop" },
    ]);
  });
});
