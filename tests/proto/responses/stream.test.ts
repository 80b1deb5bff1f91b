// Responses streams (protocols.md §9.3 RS, §9.5, §9.6): the reader is correct at every split point, the writer's
// wire text is exact, and the two agree with each other.
import { describe, expect, test } from "bun:test";
import { type Drop, Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import { responsesCodec as codec } from "../../../src/proto/responses/codec.ts";
import { signatureDelta, streamWriter } from "../../../src/proto/responses/stream.ts";
import { json, responseContext, text } from "./golden.ts";

const enc = new TextEncoder();

interface Read { events: StreamEvent[]; drops: unknown[] }

function readChunks(chunks: Uint8Array[]): Read {
  const ledger = new Ledger();
  const r = codec.streamReader(ledger);
  const events = chunks.flatMap((c) => r.push(c));
  events.push(...r.end());
  return { events, drops: ledger.drops };
}

function readText(s: string): StreamEvent[] {
  return readChunks([enc.encode(s)]).events;
}

function writeAll(events: StreamEvent[], ledger = new Ledger()): string {
  const w = streamWriter(responseContext(), ledger);
  return events.map((e) => w.write(e)).join("");
}

describe("reader: recorded upstream streams", () => {
  for (const name of ["text-tool", "thinking"]) {
    const bytes = enc.encode(text(`stream/${name}.sse`));
    const crlf = enc.encode(text(`stream/${name}.sse`).replaceAll("\n", "\r\n"));
    const expected = json<Read>(`stream/${name}.ir.json`);

    test(`${name}: whole`, () => {
      expect(readChunks([bytes])).toEqual(expected);
    });

    test(`${name}: split in two at every byte offset, LF and CRLF framing`, () => {
      for (const b of [bytes, crlf]) {
        for (let i = 0; i <= b.length; i++) {
          const got = readChunks([b.subarray(0, i), b.subarray(i)]);
          if (!Bun.deepEquals(got, expected)) expect({ split: i, got }).toEqual({ split: i, got: expected });
        }
      }
    });

    test(`${name}: byte by byte`, () => {
      const oneByOne = (b: Uint8Array) => readChunks(Array.from(b, (_, i) => b.subarray(i, i + 1)));
      expect([oneByOne(bytes), oneByOne(crlf)]).toEqual([expected, expected]);
    });
  }

  const frame = (data: unknown, event?: string) => `${event === undefined ? "" : `event: ${event}\n`}data: ${typeof data === "string" ? data : JSON.stringify(data)}\n\n`;

  test("an upstream without content_part.added (the reference's omission), items seen only when done, junk frames", () => {
    const s = [
      frame({ type: "response.created", response: { model: "m" } }),
      frame("{not json"),
      frame({ type: "response.output_item.added", output_index: 0, item: { type: "message", id: "msg", content: [] } }),
      frame({ type: "response.output_text.delta", output_index: 0, content_index: 0, delta: "Hi" }),
      frame({ type: "response.output_item.done", output_index: 0, item: { type: "message", id: "msg", content: [{ type: "output_text", text: "Hi" }] } }),
      frame({ type: "response.output_item.done", output_index: 1, item: { type: "function_call", call_id: "c1", name: "f", arguments: "{\"a\":1}" } }),
      frame({ type: "response.output_item.done", output_index: 2, item: { type: "reasoning", summary: [{ text: "s" }], encrypted_content: "e" } }),
      frame({ type: "response.output_item.added", output_index: 3, item: { type: "web_search_call", id: "ws" } }),
      frame({ response: { status: "completed", usage: { input_tokens: 3, output_tokens: 4 } } }, "response.completed"),
      frame({ type: "response.output_text.delta", output_index: 0, content_index: 0, delta: "late" }),
    ].join("");
    expect(readChunks([enc.encode(s)])).toEqual({
      events: [
        { t: "message_start", model: "m" },
        { t: "block_start", index: 0, block: "text" },
        { t: "block_delta", index: 0, delta: { text: "Hi" } },
        { t: "block_stop", index: 0 },
        { t: "block_start", index: 1, block: { toolUse: { id: "c1", name: "f" } } },
        { t: "block_delta", index: 1, delta: { partialJson: "{\"a\":1}" } },
        { t: "block_stop", index: 1 },
        { t: "block_start", index: 2, block: "thinking" },
        { t: "block_delta", index: 2, delta: { thinking: "s" } },
        { t: "block_delta", index: 2, delta: signatureDelta("e", "responses") },
        { t: "block_stop", index: 2 },
        { t: "message_delta", stopReason: "tool_use", usage: { input: 3, output: 4 } },
        { t: "message_stop" },
      ],
      drops: [{ field: "output[3]", reason: "no_target_analog" }],
    });
  });

  test("errors: an `error` event, `response.failed`, and EOF with a block open", () => {
    const start = frame({ type: "response.created", response: {} });
    const open = frame({ type: "response.output_item.added", output_index: 0, item: { type: "function_call", call_id: "c", name: "f", arguments: "" } })
      + frame({ type: "response.function_call_arguments.delta", output_index: 0, delta: "{\"a\"" });
    expect([
      readText(start + frame({ type: "error", code: "rate_limit_exceeded", message: "Slow down.", param: null }) + open),
      readText(frame({ type: "error", error: { type: "insufficient_quota", code: "insufficient_quota", message: "Out of credit." } })),
      readText(start + open + frame({ type: "response.failed", response: { status: "failed", error: { code: "server_error", message: "Boom." } } })),
      readText(start + open),
    ]).toEqual([
      [{ t: "message_start" }, { t: "error", kind: "rate_limit", message: "Slow down." }],
      [{ t: "error", kind: "quota", message: "Out of credit." }],
      [
        { t: "message_start" }, { t: "block_start", index: 0, block: { toolUse: { id: "c", name: "f" } } },
        { t: "block_delta", index: 0, delta: { partialJson: "{\"a\"" } }, { t: "block_stop", index: 0 },
        { t: "error", kind: "server_error", message: "Boom." },
      ],
      [
        { t: "message_start" }, { t: "block_start", index: 0, block: { toolUse: { id: "c", name: "f" } } },
        { t: "block_delta", index: 0, delta: { partialJson: "{\"a\"" } }, { t: "block_stop", index: 0 },
      ],
    ]);
  });
});

describe("writer: normalised IR → native wire text", () => {
  for (const name of ["write-text-tool", "write-thinking"]) {
    test(name, () => {
      const ledger = new Ledger();
      const wire = writeAll(json<StreamEvent[]>(`stream/${name}.ir.json`), ledger);
      expect({ wire, drops: ledger.drops }).toEqual({ wire: text(`stream/${name}.sse`), drops: json<Drop[]>(`stream/${name}.drops.json`) });
    });
  }

  test("every event has type and a gap-free sequence_number, and the SSE event name equals the type", () => {
    const wire = text("stream/write-text-tool.sse") + text("stream/write-thinking.sse");
    const frames = wire.split("\n\n").filter((f) => f !== "").map((f) => {
      const [ev, data] = f.split("\n");
      const d = JSON.parse(data!.slice("data: ".length)) as { type: string; sequence_number: number };
      return { named: ev!.slice("event: ".length) === d.type, seq: d.sequence_number };
    });
    const seqs = frames.map((f) => f.seq);
    expect({ allNamed: frames.every((f) => f.named), seqs }).toEqual({ allNamed: true, seqs: [...Array(20).keys(), ...Array(13).keys()] });
  });

  test("fail: response.failed with empty output, after or before any output; nothing after it", () => {
    const ctx = responseContext();
    const w = streamWriter(ctx, new Ledger());
    const head = w.write({ t: "message_start", model: "m" }) + w.write({ t: "block_start", index: 0, block: "text" });
    const failed = w.fail("rate_limit", "Too many requests.");
    expect({ failed, after: w.write({ t: "message_stop" }) + w.fail("server_error", "again") }).toEqual({
      failed: `event: response.failed\ndata: ${JSON.stringify({
        type: "response.failed", sequence_number: head.split("\n\n").length - 1,
        response: { id: `resp_${"1".padStart(48, "0")}`, object: "response", created_at: 1750000000, status: "failed", error: { code: "rate_limit_exceeded", message: "Too many requests." }, incomplete_details: null, model: "m", output: [], usage: null },
      })}\n\n`,
      after: "",
    });
    const cold = streamWriter(responseContext(), new Ledger()).fail("overloaded", "Busy.");
    expect(JSON.parse(cold.split("data: ")[1]!)).toEqual({
      type: "response.failed", sequence_number: 0,
      response: { id: `resp_${"1".padStart(48, "0")}`, object: "response", created_at: 1750000000, status: "failed", error: { code: "server_error", message: "Busy." }, incomplete_details: null, model: "lane-model", output: [], usage: null },
    });
  });

  test("a signature is handed out wrapped with its issuer, never raw", () => {
    const ledger = new Ledger();
    const wire = writeAll([
      { t: "message_start" }, { t: "block_start", index: 0, block: "thinking" },
      { t: "block_delta", index: 0, delta: { signature: "raw", origin: "anthropic" } }, { t: "block_stop", index: 0 },
      { t: "message_delta", stopReason: "end_turn", usage: { input: 1, output: 1 } }, { t: "message_stop" },
    ], ledger);
    const wrapped = Buffer.from("bbs1:anthropic:raw").toString("base64");
    expect({ leaked: wire.includes('"raw"'), wrapped: wire.includes(`"encrypted_content":"${wrapped}"`), drops: ledger.drops })
      .toEqual({ leaked: false, wrapped: true, drops: [] });
  });
});

describe("writer and reader agree", () => {
  test("the writer's stream read back gives the IR it was fed (signatures unwrap to their origin)", () => {
    const fed = json<StreamEvent[]>("stream/write-text-tool.ir.json");
    expect(readText(text("stream/write-text-tool.sse"))).toEqual([
      // Adjacent text blocks were written as two parts of one message: two blocks again.
      ...fed.slice(0, 13),
      // Cache writes fold into the input total on the wire (§5.3): 44 uncached + 10 written come back as 54.
      { t: "message_delta", stopReason: "tool_use", usage: { input: 54, output: 42, cacheRead: 256, reasoning: 0 } },
      { t: "message_stop" },
    ]);
    const thinking = readText(text("stream/write-thinking.sse"));
    expect(thinking.filter((e) => e.t === "block_delta" && "signature" in e.delta)).toEqual([
      { t: "block_delta", index: 0, delta: signatureDelta("EqQBCkYIBRgC", "anthropic") },
    ]);
  });
});
