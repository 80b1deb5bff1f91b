// Gemini streams (protocols.md §9): the reader at every split point (STYLE habit 7), the writer byte-exact against
// the §9.3 GM grammar, and the writer's output consumed by the official @google/genai SDK.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ApiError, GoogleGenAI } from "@google/genai";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { geminiCodec } from "../../../src/proto/gemini/codec.ts";
import { expectSameAtEverySplit } from "../../helpers/split.ts";

const DIR = join(import.meta.dir, "../../golden/gemini/streams");
const text = (f: string) => readFileSync(join(DIR, f), "utf8");
const events = (f: string): StreamEvent[] => JSON.parse(text(f));
const utf8 = new TextEncoder();

function read(chunks: Uint8Array[], ledger = new Ledger()): StreamEvent[] {
  const r = geminiCodec.streamReader(ledger);
  const out = chunks.flatMap((c) => r.push(c));
  return [...out, ...r.end()];
}

describe("reader: recorded upstream streams at every split point", () => {
  for (const name of ["text-tool", "thinking", "error"]) {
    // The live API frames with CRLF CRLF (the fixtures); LF framing must read the same.
    for (const [framing, convert] of [["CRLF", (s: string) => s], ["LF", (s: string) => s.replaceAll("\r\n", "\n")]] as const) {
      test(`${name} (${framing})`, () => {
        const bytes = utf8.encode(convert(text(`${name}.sse`)));
        const want = events(`${name}.ir.json`);
        expectSameAtEverySplit((c) => read(c), bytes, want);
      });
    }
  }

  const frame = (o: unknown) => `data: ${JSON.stringify(o)}\r\n\r\n`;
  const chunk = (parts: unknown[], extra: object = {}) => frame({ candidates: [{ content: { parts, role: "model" }, index: 0, ...extra }], modelVersion: "m" });

  test("EOF without a finish reason stays incomplete (no message_stop); the usage seen is still reported", () => {
    const sse = frame({ candidates: [{ content: { parts: [{ text: "Hel" }], role: "model" }, index: 0 }], usageMetadata: { promptTokenCount: 4, candidatesTokenCount: 1 }, modelVersion: "m" });
    expect(read([utf8.encode(sse)])).toEqual([
      { t: "message_start", model: "m" },
      { t: "block_start", index: 0, block: "text" },
      { t: "block_delta", index: 0, delta: { text: "Hel" } },
      { t: "block_stop", index: 0 },
      { t: "message_delta", usage: { input: 4, output: 1 } },
    ]);
  });

  test("a blocked prompt (promptFeedback, no candidates) ends with a safety stop", () => {
    const sse = frame({ promptFeedback: { blockReason: "SAFETY" }, usageMetadata: { promptTokenCount: 9, totalTokenCount: 9 }, modelVersion: "m" });
    expect(read([utf8.encode(sse)])).toEqual([
      { t: "message_start", model: "m" },
      { t: "message_delta", stopReason: "safety", usage: { input: 9, output: 0 } },
      { t: "message_stop" },
    ]);
  });

  test("a signature on a text part signs an empty thinking block; media and code parts are recorded; bad frames skipped", () => {
    const ledger = new Ledger();
    const sse = [
      chunk([{ text: "Answer", thoughtSignature: "c2ln" }]),
      "data: {not json\r\n\r\n",
      chunk([{ inlineData: { mimeType: "image/png", data: "iVBO" } }, { executableCode: { code: "1" } }]),
      chunk([{ text: "" }], { finishReason: "MAX_TOKENS" }),
    ].join("");
    expect(read([utf8.encode(sse)], ledger)).toEqual([
      { t: "message_start", model: "m" },
      { t: "block_start", index: 0, block: "thinking" },
      { t: "block_delta", index: 0, delta: { signature: "c2ln", origin: "gemini" } },
      { t: "block_stop", index: 0 },
      { t: "block_start", index: 1, block: "text" },
      { t: "block_delta", index: 1, delta: { text: "Answer" } },
      { t: "block_stop", index: 1 },
      { t: "message_delta", stopReason: "max_tokens" },
      { t: "message_stop" },
    ]);
    expect(ledger.drops).toEqual([
      { field: "candidates[0].content.parts[0]", reason: "no_target_analog" },
      { field: "candidates[0].content.parts[1]", reason: "no_target_analog" },
    ]);
  });

  test("a stream and a whole response name the same calls with the same ids", () => {
    const parts = [{ functionCall: { name: "f", args: { a: 1 } }, thoughtSignature: "s1" }, { functionCall: { name: "f", args: { a: 2 } } }];
    const streamed = read([utf8.encode(chunk(parts, { finishReason: "STOP" }))]).flatMap((e) => (e.t === "block_start" && typeof e.block === "object" ? [e.block.toolUse.id] : []));
    const whole = geminiCodec.readResponse({ candidates: [{ content: { parts, role: "model" }, finishReason: "STOP" }] }, new Ledger()).content.flatMap((b) => (b.kind === "tool_use" ? [b.id] : []));
    expect(streamed).toEqual(whole);
    expect(new Set(whole).size).toBe(2);
  });
});

const ctx = (): ResponseContext => ({
  ids: sequentialIds(), now: () => 1_700_000_000_000, model: "ctx-model", includeUsage: false, reasoningContent: false,
});

function write(evs: StreamEvent[], ledger = new Ledger()): string {
  const w = geminiCodec.streamWriter(ctx(), ledger);
  return evs.map((e) => w.write(e)).join("");
}

describe("writer: normalised IR → the §9.3 Gemini sequence", () => {
  test("signed thinking, text and a tool call gathered from three fragments, byte-exact", () => {
    const ledger = new Ledger();
    expect(write(events("writer-tool.ir.json"), ledger)).toBe(text("writer-tool.sse"));
    expect(ledger.drops).toEqual([]);
  });

  test("citations and logprobs ride on the last chunk; redacted thinking and bad arguments are recorded", () => {
    const ledger = new Ledger();
    const out = write([
      { t: "message_start" },
      { t: "block_start", index: 0, block: "redacted_thinking" },
      { t: "block_delta", index: 0, delta: { redacted: "r", origin: "anthropic" } },
      { t: "block_stop", index: 0 },
      { t: "block_start", index: 1, block: "text" },
      { t: "block_delta", index: 1, delta: { text: "x" } },
      { t: "block_delta", index: 1, delta: { citation: { uri: "https://a", startIndex: 0, endIndex: 1, origin: "anthropic", raw: {} } } },
      { t: "block_delta", index: 1, delta: { logprobs: [{ token: "x", logprob: -1 }] } },
      { t: "block_stop", index: 1 },
      { t: "block_start", index: 2, block: { toolUse: { id: "call_1", name: "f" } } },
      { t: "block_delta", index: 2, delta: { partialJson: "[1," } },
      { t: "block_stop", index: 2 },
      { t: "message_delta", stopReason: "max_tokens", usage: { input: 3, output: 4 } },
      { t: "message_stop" },
    ], ledger);
    expect(out).toBe([
      'data: {"candidates":[{"content":{"parts":[{"text":"x"}],"role":"model"},"index":0}],"modelVersion":"ctx-model","responseId":"0000000000000001"}\r\n\r\n',
      'data: {"candidates":[{"content":{"parts":[{"functionCall":{"id":"call_1","name":"f","args":{"input":"[1,"}}}],"role":"model"},"index":0}],"modelVersion":"ctx-model","responseId":"0000000000000001"}\r\n\r\n',
      'data: {"candidates":[{"content":{"parts":[{"text":""}],"role":"model"},"finishReason":"MAX_TOKENS","index":0,"citationMetadata":{"citationSources":[{"startIndex":0,"endIndex":1,"uri":"https://a"}]},"logprobsResult":{"topCandidates":[{"candidates":[]}],"chosenCandidates":[{"token":"x","logProbability":-1}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":4,"totalTokenCount":7},"modelVersion":"ctx-model","responseId":"0000000000000001"}\r\n\r\n',
    ].join(""));
    expect(ledger.drops).toEqual([
      { field: "content[0]", reason: "no_target_analog" },
      { field: "content[2].input", reason: "no_target_analog" },
    ]);
  });

  test("fail: the google.rpc envelope as one more frame", () => {
    const w = geminiCodec.streamWriter(ctx(), new Ledger());
    expect(w.fail("overloaded", "Overloaded")).toBe('data: {"error":{"code":503,"message":"Overloaded","status":"UNAVAILABLE"}}\r\n\r\n');
    expect(w.fail("rate_limit", 'slow "down"')).toBe('data: {"error":{"code":429,"message":"slow \\"down\\"","status":"RESOURCE_EXHAUSTED"}}\r\n\r\n');
  });

  test("what the writer writes, the reader reads back (signature provenance kept through the wrapping)", () => {
    const evs = events("writer-tool.ir.json");
    const back = read([utf8.encode(write(evs))]);
    expect(back).toEqual([
      { t: "message_start", model: "claude-sonnet-4-5" },
      ...evs.slice(1, 4),
      { t: "block_delta", index: 0, delta: { signature: "EqQBsig", origin: "anthropic" } },
      { t: "block_stop", index: 0 },
      ...evs.slice(6, 10),
      { t: "block_start", index: 2, block: { toolUse: { id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather" } } },
      { t: "block_delta", index: 2, delta: { partialJson: '{"city":"Paris","days":3}' } },
      { t: "block_stop", index: 2 },
      { t: "message_delta", stopReason: "tool_use", usage: { input: 120, output: 42, cacheRead: 20, reasoning: 12 } },
      { t: "message_stop" },
    ]);
  });
});

describe("the official @google/genai SDK consumes the writer's output", () => {
  let server: ReturnType<typeof Bun.serve>;
  let body = "";
  let contentType = "text/event-stream";
  beforeAll(() => {
    server = Bun.serve({ port: 0, fetch: () => new Response(body, { headers: { "content-type": contentType } }) });
  });
  afterAll(() => server.stop(true));
  const client = () => new GoogleGenAI({ apiKey: "test", httpOptions: { baseUrl: `http://127.0.0.1:${server.port}` } });

  test("generateContentStream: thought, text, one whole functionCall, finish reason and usage", async () => {
    body = write(events("writer-tool.ir.json"));
    contentType = "text/event-stream";
    const chunks = [];
    for await (const c of await client().models.generateContentStream({ model: "pool", contents: "hi" })) chunks.push(c);
    const parts = chunks.flatMap((c) => c.candidates?.[0]?.content?.parts ?? []);
    expect({
      thoughts: parts.filter((p) => p.thought).map((p) => p.text).join(""),
      signature: parts.find((p) => p.thoughtSignature !== undefined)?.thoughtSignature,
      text: chunks.map((c) => c.text ?? "").join(""),
      calls: chunks.flatMap((c) => c.functionCalls ?? []),
      finish: chunks.at(-1)?.candidates?.[0]?.finishReason,
      usage: chunks.at(-1)?.usageMetadata,
      ids: [...new Set(chunks.map((c) => c.responseId))],
      models: [...new Set(chunks.map((c) => c.modelVersion))],
    }).toEqual({
      thoughts: "Plan: call get_weather.",
      signature: Buffer.from("bbs1:anthropic:EqQBsig").toString("base64"),
      text: "naïve 😀 ok",
      calls: [{ id: "toolu_01A09q90qw90lq917835lq9", name: "get_weather", args: { city: "Paris", days: 3 } }],
      finish: "STOP",
      usage: { promptTokenCount: 140, candidatesTokenCount: 30, totalTokenCount: 182, cachedContentTokenCount: 20, thoughtsTokenCount: 12 },
      ids: ["0000000000000001"],
      models: ["claude-sonnet-4-5"],
    } as never);
  });

  test("a mid-stream error frame surfaces as the SDK's ApiError with its status", async () => {
    const w = geminiCodec.streamWriter(ctx(), new Ledger());
    body = [w.write({ t: "message_start" }), w.write({ t: "block_start", index: 0, block: "text" }), w.write({ t: "block_delta", index: 0, delta: { text: "par" } }), w.fail("overloaded", "Overloaded")].join("");
    contentType = "text/event-stream";
    const seen: string[] = [];
    const err = await (async () => {
      for await (const c of await client().models.generateContentStream({ model: "pool", contents: "hi" })) seen.push(c.text ?? "");
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect({ status: (err as ApiError).status, seen }).toEqual({ status: 503, seen: ["par"] });
  });

  test("generateContent parses writeResponse", async () => {
    const native = JSON.parse(text("../responses/tool-calls.native.json"));
    const ir = geminiCodec.readResponse(native, new Ledger());
    const ids = ir.content.flatMap((b) => (b.kind === "tool_use" ? [b.id] : []));
    body = JSON.stringify(geminiCodec.writeResponse(ir, ctx(), new Ledger()));
    contentType = "application/json";
    const res = await client().models.generateContent({ model: "pool", contents: "hi" });
    expect({ calls: res.functionCalls, finish: res.candidates?.[0]?.finishReason, id: res.responseId, thoughts: res.usageMetadata?.thoughtsTokenCount }).toEqual({
      calls: [
        { id: ids[0], name: "get_weather", args: { city: "Paris", units: ["c", "f"] } },
        { id: ids[1], name: "get_weather", args: { city: "Rome" } },
        { id: "fc-abc", name: "get_time", args: {} },
      ],
      finish: "STOP",
      id: "0000000000000001",
      thoughts: 40,
    } as never);
  });
});
