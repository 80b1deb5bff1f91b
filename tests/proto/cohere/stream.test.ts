// Cohere v2 chat streams (protocols.md §9): the reader at every split point (STYLE habit 7), the writer byte-exact
// against the §9.3 CO grammar, and the writer's output consumed by the official SDK's chatStream.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { CohereClientV2 } from "cohere-ai";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { cohereCodec } from "../../../src/proto/cohere/codec.ts";
import { expectSameAtEverySplit } from "../../helpers/split.ts";

const DIR = join(import.meta.dir, "../../golden/cohere/streams");
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const events = (f: string): StreamEvent[] => JSON.parse(text(f));
const utf8 = new TextEncoder();

function read(chunks: Uint8Array[], ledger = new Ledger()): StreamEvent[] {
  const r = cohereCodec.streamReader(ledger);
  const out = chunks.flatMap((c) => r.push(c));
  return [...out, ...r.end()];
}

describe("reader: recorded upstream streams at every split point", () => {
  for (const name of ["text-tool", "text", "thinking", "error"]) {
    for (const [framing, convert] of [["LF", (s: string) => s], ["CRLF", (s: string) => s.replaceAll("\n", "\r\n")]] as const) {
      test(`${name} (${framing})`, () => {
        const bytes = utf8.encode(convert(text(`${name}.sse`)));
        const want = events(`${name}.ir.json`);
        expectSameAtEverySplit((c) => read(c), bytes, want);
      });
    }
  }

  test("citations are recorded; concatenated argument fragments equal the upstream text", () => {
    const ledger = new Ledger();
    read([utf8.encode(text("text.sse"))], ledger);
    expect(ledger.drops).toEqual([{ field: "message.citations", reason: "no_target_analog" }]);
    const args = read([utf8.encode(text("text-tool.sse"))]).flatMap((e) => (e.t === "block_delta" && e.index === 1 && "partialJson" in e.delta ? [e.delta.partialJson] : []));
    expect(JSON.parse(args.join(""))).toEqual({ location: "Madrid, ES" });
  });

  test("a TIMEOUT end is a timeout error; EOF without message-end closes open blocks and stops", () => {
    const sse = [
      'event: content-start\ndata: {"type":"content-start","index":0,"delta":{"message":{"content":{"type":"text","text":"Hi"}}}}\n\n',
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"TIMEOUT"}}\n\n',
      'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"text":"late"}}}}\n\n',
    ].join("");
    expect(read([utf8.encode(sse)])).toEqual([
      { t: "message_start" },
      { t: "block_start", index: 0, block: "text" },
      { t: "block_delta", index: 0, delta: { text: "Hi" } },
      { t: "block_stop", index: 0 },
      { t: "error", kind: "timeout", message: "The upstream generation failed." },
    ]);
    const cut = 'event: tool-call-start\ndata: {"type":"tool-call-start","index":0,"delta":{"message":{"tool_calls":{"id":"c1","type":"function","function":{"name":"f","arguments":"{\\"a\\":1}"}}}}}\n\ndata: not json\n\n';
    expect(read([utf8.encode(cut)])).toEqual([
      { t: "message_start" },
      { t: "block_start", index: 0, block: { toolUse: { id: "c1", name: "f" } } },
      { t: "block_delta", index: 0, delta: { partialJson: '{"a":1}' } },
      { t: "block_stop", index: 0 },
    ]);
  });
});

const ctx = (reasoningContent = false): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent,
});

function write(evs: StreamEvent[], ledger = new Ledger(), c = ctx()): string {
  const w = cohereCodec.streamWriter(c, ledger);
  return evs.map((e) => w.write(e)).join("");
}

describe("writer: normalised IR → the §9.3 CO sequence", () => {
  test("text and two tool calls (one in three fragments), byte-exact; thinking without the opt-in recorded", () => {
    const ledger = new Ledger();
    expect(write(events("writer-tool.ir.json"), ledger)).toBe(text("writer-tool.sse"));
    expect(ledger.drops).toEqual([{ field: "content[0]", reason: "no_target_analog" }]);
  });

  test("with the opt-in, thinking is a `thinking` content block; its signature is recorded", () => {
    const ledger = new Ledger();
    const out = write(events("writer-tool.ir.json").slice(0, 5), ledger, ctx(true));
    expect(out).toBe([
      'event: message-start\ndata: {"id":"00000000-0000-4000-8000-000000000001","type":"message-start","delta":{"message":{"role":"assistant"}}}\n\n',
      'event: content-start\ndata: {"type":"content-start","index":0,"delta":{"message":{"content":{"type":"thinking","thinking":""}}}}\n\n',
      'event: content-delta\ndata: {"type":"content-delta","index":0,"delta":{"message":{"content":{"thinking":"Plan: call get_weather."}}}}\n\n',
      'event: content-end\ndata: {"type":"content-end","index":0}\n\n',
    ].join(""));
    expect(ledger.drops).toEqual([{ field: "content[0].signature", reason: "no_target_analog" }]);
  });

  test("fail: message-end with finish_reason ERROR and the message in delta.error, the open block closed first", () => {
    const w = cohereCodec.streamWriter(ctx(), new Ledger());
    expect(w.fail("overloaded", 'busy "now"')).toBe('event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"busy \\"now\\""}}\n\n');
    const w2 = cohereCodec.streamWriter(ctx(), new Ledger());
    w2.write({ t: "message_start" });
    w2.write({ t: "block_start", index: 0, block: { toolUse: { id: "c1", name: "f" } } });
    expect(w2.fail("server_error", "cut")).toBe([
      'event: tool-call-end\ndata: {"type":"tool-call-end","index":0}\n\n',
      'event: message-end\ndata: {"type":"message-end","delta":{"finish_reason":"ERROR","error":"cut"}}\n\n',
    ].join(""));
  });

  test("what the writer writes, the reader reads back (the dropped thinking block takes no index)", () => {
    const evs = events("writer-tool.ir.json");
    const shifted = evs.slice(5, -2).map((e) => ("index" in e ? { ...e, index: e.index - 1 } : e));
    expect(read([utf8.encode(write(evs))])).toEqual([
      { t: "message_start" },
      ...shifted,
      { t: "message_delta", stopReason: "tool_use", usage: { input: 105, output: 42, cacheRead: 20 } },
      { t: "message_stop" },
    ]);
  });
});

describe("the official SDK consumes the writer's output", () => {
  let server: ReturnType<typeof Bun.serve>;
  let body = "";
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(body, { headers: { "content-type": "text/event-stream" } }) });
  });
  afterAll(() => server.stop(true));
  const client = () => new CohereClientV2({ token: "t", environment: `http://127.0.0.1:${server.port}` });

  /** Accumulates a chatStream the way a Cohere application does: text, tool calls by index, the end event. */
  async function consume(): Promise<unknown> {
    const stream = await client().chatStream({ model: "pool", messages: [{ role: "user", content: "hi" }] });
    let textOut = "";
    const calls: { id?: string; name?: string; arguments: string }[] = [];
    let end: unknown;
    for await (const ev of stream) {
      if (ev.type === "content-delta") textOut += ev.delta?.message?.content?.text ?? "";
      else if (ev.type === "tool-call-start") {
        const c = ev.delta?.message?.toolCalls;
        calls[ev.index ?? 0] = { id: c?.id, name: c?.function?.name, arguments: c?.function?.arguments ?? "" };
      } else if (ev.type === "tool-call-delta") calls[ev.index ?? 0]!.arguments += ev.delta?.message?.toolCalls?.function?.arguments ?? "";
      else if (ev.type === "message-end") end = ev.delta;
    }
    return { text: textOut, calls, end };
  }

  test("chatStream: text, tool calls with their exact arguments, finish reason and usage", async () => {
    body = write(events("writer-tool.ir.json"));
    expect(await consume()).toEqual({
      text: "naïve 😀 checking",
      calls: [
        { id: "toolu_01A", name: "get_weather", arguments: '{"city": "Paris"}' },
        { id: "toolu_01B", name: "get_time", arguments: "{}" },
      ],
      end: {
        finishReason: "TOOL_CALL",
        usage: { billedUnits: { inputTokens: 125, outputTokens: 42 }, tokens: { inputTokens: 125, outputTokens: 42 }, cachedTokens: 20 },
      },
    });
  });

  test("chatStream: a mid-stream failure ends with finish reason ERROR and its message", async () => {
    const w = cohereCodec.streamWriter(ctx(), new Ledger());
    body = [
      w.write({ t: "message_start" }),
      w.write({ t: "block_start", index: 0, block: "text" }),
      w.write({ t: "block_delta", index: 0, delta: { text: "Par" } }),
      w.fail("server_error", "upstream went away"),
    ].join("");
    expect(await consume()).toEqual({ text: "Par", calls: [], end: { finishReason: "ERROR", error: "upstream went away" } });
  });
});
