// Anthropic streams (protocols.md §9): the reader at every split point (STYLE habit 7), the writer byte-exact
// against the §9.3 grammar, and the writer's output accumulated by the official SDK.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Anthropic from "@anthropic-ai/sdk";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import { anthropicCodec } from "../../../src/proto/anthropic/codec.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { expectSameAtEverySplit } from "../../helpers/split.ts";

const DIR = join(import.meta.dir, "../../golden/anthropic/streams");
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const events = (f: string): StreamEvent[] => JSON.parse(text(f));
const utf8 = new TextEncoder();

function read(chunks: Uint8Array[]): StreamEvent[] {
  const r = anthropicCodec.streamReader(new Ledger());
  const out = chunks.flatMap((c) => r.push(c));
  return [...out, ...r.end()];
}

describe("reader: recorded upstream streams at every split point", () => {
  for (const name of ["text-tool", "thinking", "error"]) {
    for (const [framing, convert] of [["LF", (s: string) => s], ["CRLF", (s: string) => s.replaceAll("\n", "\r\n")]] as const) {
      test(`${name} (${framing})`, () => {
        const bytes = utf8.encode(convert(text(`${name}.sse`)));
        const want = events(`${name}.ir.json`);
        expectSameAtEverySplit((c) => read(c), bytes, want);
      });
    }
  }

  test("an unknown block type is recorded and its events are not forwarded; ping is ignored", () => {
    const ledger = new Ledger();
    const r = anthropicCodec.streamReader(ledger);
    const sse = [
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"server_tool_use","id":"srvtoolu_1","name":"web_search","input":{}}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":0,"delta":{"type":"input_json_delta","partial_json":"{\\"q\\":1}"}}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      'event: ping\ndata: {"type":"ping"}\n\n',
    ].join("");
    expect([...r.push(utf8.encode(sse)), ...r.end()]).toEqual([]);
    expect(ledger.drops).toEqual([{ field: "content[0]", reason: "no_target_analog" }]);
  });

  test("EOF inside a block closes it (the seam then ends the caller's stream with an error)", () => {
    const sse = 'event: content_block_start\ndata: {"type":"content_block_start","index":3,"content_block":{"type":"tool_use","id":"toolu_1","name":"f","input":{"a":1}}}\n\n';
    expect(read([utf8.encode(sse)])).toEqual([
      { t: "block_start", index: 3, block: { toolUse: { id: "toolu_1", name: "f" } } },
      { t: "block_delta", index: 3, delta: { partialJson: '{"a":1}' } },
      { t: "block_stop", index: 3 },
    ]);
  });
});

const ctx = (): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent: false,
});

function write(evs: StreamEvent[], ledger = new Ledger()): string {
  const w = anthropicCodec.streamWriter(ctx(), ledger);
  return evs.map((e) => w.write(e)).join("");
}

describe("writer: normalised IR → the §9.3 Anthropic sequence", () => {
  test("text, signed thinking and a tool call in three fragments, byte-exact", () => {
    const ledger = new Ledger();
    expect(write(events("writer-tool.ir.json"), ledger)).toBe(text("writer-tool.sse"));
    expect(ledger.drops).toEqual([]);
  });

  test("redacted thinking is written whole and wrapped; a citation and a stop sequence are carried", () => {
    const evs: StreamEvent[] = [
      { t: "message_start", usage: { input: 7, output: 1, cacheWrite: 3 } },
      { t: "block_start", index: 0, block: "redacted_thinking" },
      { t: "block_delta", index: 0, delta: { redacted: "r-br", origin: "bedrock" } },
      { t: "block_stop", index: 0 },
      { t: "block_start", index: 1, block: "text" },
      { t: "block_delta", index: 1, delta: { citation: { uri: "https://g", title: "G", origin: "gemini", raw: {} } } },
      { t: "block_stop", index: 1 },
      { t: "message_delta", stopReason: "stop_sequence", stopSequence: "END", usage: { input: 7, output: 9, cacheWrite: 3 } },
      { t: "message_stop" },
    ];
    expect(write(evs)).toBe([
      'event: message_start\ndata: {"type":"message_start","message":{"id":"msg_01000000000000000000000001","type":"message","role":"assistant","model":"ctx-model","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":7,"cache_creation_input_tokens":3,"cache_read_input_tokens":0,"output_tokens":1}}}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":0,"content_block":{"type":"redacted_thinking","data":"YmJzMTpiZWRyb2NrOnItYnI="}}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":0}\n\n',
      'event: content_block_start\ndata: {"type":"content_block_start","index":1,"content_block":{"type":"text","text":""}}\n\n',
      'event: content_block_delta\ndata: {"type":"content_block_delta","index":1,"delta":{"type":"citations_delta","citation":{"type":"web_search_result_location","cited_text":"","url":"https://g","title":"G","encrypted_index":""}}}\n\n',
      'event: content_block_stop\ndata: {"type":"content_block_stop","index":1}\n\n',
      'event: message_delta\ndata: {"type":"message_delta","delta":{"stop_reason":"stop_sequence","stop_sequence":"END"},"usage":{"input_tokens":7,"cache_creation_input_tokens":3,"cache_read_input_tokens":0,"output_tokens":9}}\n\n',
      'event: message_stop\ndata: {"type":"message_stop"}\n\n',
    ].join(""));
  });

  test("a foreign signature reaches the caller wrapped with its issuer", () => {
    const ledger = new Ledger();
    const out = write([
      { t: "block_start", index: 0, block: "thinking" },
      { t: "block_delta", index: 0, delta: { signature: "s", origin: "gemini" } },
      { t: "block_stop", index: 0 },
    ], ledger);
    expect(out).toContain(`"signature_delta","signature":"${Buffer.from("bbs1:gemini:s").toString("base64")}"`);
    expect(ledger.drops).toEqual([]);
  });

  test("fail: event error with the Anthropic type, and no message_stop", () => {
    const w = anthropicCodec.streamWriter(ctx(), new Ledger());
    expect(w.fail("overloaded", "Overloaded")).toBe('event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}\n\n');
    expect(w.fail("rate_limit", 'slow "down"')).toBe('event: error\ndata: {"type":"error","error":{"type":"rate_limit_error","message":"slow \\"down\\""}}\n\n');
  });

  test("what the writer writes, the reader reads back (signature provenance kept through the wrapping)", () => {
    const evs = events("writer-tool.ir.json");
    const back = read([utf8.encode(write(evs))]);
    expect(back).toEqual([
      { t: "message_start", model: "gpt-4o-2024-08-06", usage: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 } },
      ...evs.slice(1, -2),
      { t: "message_delta", stopReason: "tool_use", usage: { input: 120, output: 42, cacheRead: 20, cacheWrite: 0 } },
      { t: "message_stop" },
    ]);
  });
});

describe("the official SDK accumulates the writer's output", () => {
  let server: ReturnType<typeof Bun.serve>;
  let body = "";
  let contentType = "text/event-stream";
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(body, { headers: { "content-type": contentType } }) });
  });
  afterAll(() => server.stop(true));
  const client = () => new Anthropic({ apiKey: "test", baseURL: `http://127.0.0.1:${server.port}`, maxRetries: 0 });

  test("messages.stream().finalMessage(): thinking with its signature, text, tool_use input object, usage", async () => {
    body = write(events("writer-tool.ir.json"));
    contentType = "text/event-stream";
    const m = await client().messages.stream({ model: "pool", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalMessage();
    // The SDK's own bookkeeping (`parsed_output`, the raw argument buffer) is not part of the message.
    const sdkOnly = new Set(["parsed_output", "__json_buf"]);
    expect(JSON.parse(JSON.stringify(m, (k, v: unknown) => (sdkOnly.has(k) ? undefined : v)))).toEqual({
      id: "msg_01000000000000000000000001", type: "message", role: "assistant", model: "gpt-4o-2024-08-06",
      content: [
        { type: "thinking", thinking: "Plan: call f.", signature: "YmJzMTpiZWRyb2NrOmJyLXNpZy0x" },
        { type: "text", text: "naïve 😀 ok" },
        { type: "tool_use", id: "toolu_bb1Y2FsbF8x", name: "get_weather", input: { city: "Paris" } },
      ],
      stop_reason: "tool_use", stop_sequence: null,
      usage: { input_tokens: 120, cache_creation_input_tokens: 0, cache_read_input_tokens: 20, output_tokens: 42 },
    });
  });

  test("a mid-stream error surfaces as the SDK's typed error", async () => {
    const w = anthropicCodec.streamWriter(ctx(), new Ledger());
    body = w.write({ t: "message_start" }) as string + w.fail("overloaded", "Overloaded");
    contentType = "text/event-stream";
    const err = await client().messages.stream({ model: "pool", max_tokens: 100, messages: [{ role: "user", content: "hi" }] }).finalMessage().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Anthropic.APIError);
    expect(String(err)).toContain("Overloaded");
  });

  test("messages.create() parses writeResponse", async () => {
    const ir = anthropicCodec.readResponse(JSON.parse(text("../responses/tool-use.json")).native, new Ledger());
    body = JSON.stringify(anthropicCodec.writeResponse(ir, ctx(), new Ledger()));
    contentType = "application/json";
    const m = await client().messages.create({ model: "pool", max_tokens: 100, messages: [{ role: "user", content: "hi" }] });
    expect(m.content[1]).toEqual({ type: "tool_use", id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", input: { city: "Paris", units: ["c", "f"] } } as never);
    expect(m.stop_reason).toBe("tool_use");
  });
});
