// Chat Completions streams (protocols.md §9): recorded upstream streams decode to the same IR events at every
// split point (LF and CRLF framing, UTF-8 split mid-character); the writer emits the exact §9.3 sequence; the
// official openai SDK parses what the writer produced.
import { describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import OpenAI from "openai";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { openaiCodec } from "../../../src/proto/openai/codec.ts";
import { StreamTranslator } from "../../../src/proto/translate.ts";

const DIR = join(import.meta.dir, "../../golden/openai/stream");
const bytesOf = (name: string) => new Uint8Array(readFileSync(join(DIR, name)));
const json = (name: string): unknown => JSON.parse(readFileSync(join(DIR, name), "utf8"));
const utf8 = new TextEncoder();

function decode(chunks: Uint8Array[]): { events: StreamEvent[]; drops: unknown[] } {
  const ledger = new Ledger();
  const r = openaiCodec.streamReader(ledger);
  const events = chunks.flatMap((c) => r.push(c));
  events.push(...r.end());
  return { events, drops: ledger.drops };
}

function ctx(opts: { includeUsage: boolean; reasoningContent: boolean }): ResponseContext {
  return { ids: sequentialIds(), now: () => 1750000000123, model: "fallback", ...opts };
}

/** An OpenAI client whose transport returns `body` as an SSE response. */
function clientReturning(body: string): OpenAI {
  return new OpenAI({
    apiKey: "test", baseURL: "http://sdk.invalid/v1", maxRetries: 0,
    fetch: async () => new Response(body, { headers: { "content-type": "text/event-stream" } }),
  });
}

describe("reader", () => {
  for (const name of ["text-tool", "thinking", "error"]) {
    const want = json(`${name}.events.json`);
    const lf = bytesOf(`${name}.sse`);
    const crlf = utf8.encode(new TextDecoder().decode(lf).replaceAll("\n", "\r\n"));
    for (const [framing, bytes] of [["LF", lf], ["CRLF", crlf]] as const) {
      test(`${name} (${framing}): unsplit, split at every offset, and byte by byte give the golden events`, () => {
        expect(decode([bytes])).toEqual(want as ReturnType<typeof decode>);
        for (let i = 1; i < bytes.length; i++) {
          const got = decode([bytes.subarray(0, i), bytes.subarray(i)]);
          if (!Bun.deepEquals(got, want)) expect({ split: i, got }).toEqual({ split: i, got: want as ReturnType<typeof decode> });
        }
        expect(decode([...bytes].map((b) => Uint8Array.of(b)))).toEqual(want as ReturnType<typeof decode>);
      });
    }
  }

  test("EOF without [DONE]: open blocks are closed, no message_stop (the seam ends the caller's stream with an error)", () => {
    const text = `data: {"model":"m","choices":[{"index":0,"delta":{"tool_calls":[{"index":0,"id":"c","function":{"name":"f","arguments":"{"}}]}}]}\n\n`;
    expect(decode([utf8.encode(text)]).events).toEqual([
      { t: "message_start", model: "m" },
      { t: "block_start", index: 0, block: { toolUse: { id: "c", name: "f" } } },
      { t: "block_delta", index: 0, delta: { partialJson: "{" } },
      { t: "block_stop", index: 0 },
    ]);
  });

  test("logprobs ride on the text block; a refusal is text with stop reason `refusal`; a frame after [DONE] is ignored", () => {
    const frames = [
      `{"model":"m","choices":[{"index":0,"delta":{"content":"Hi"},"logprobs":{"content":[{"token":"Hi","logprob":-0.1,"bytes":[72,105],"top_logprobs":[]}]}}]}`,
      `{"model":"m","choices":[{"index":0,"delta":{"refusal":" no"}}]}`,
      `{"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}`,
      "[DONE]",
      `{"model":"m","choices":[{"index":0,"delta":{"content":"late"}}]}`,
    ];
    expect(decode([utf8.encode(frames.map((f) => `data: ${f}\n\n`).join(""))]).events).toEqual([
      { t: "message_start", model: "m" },
      { t: "block_start", index: 0, block: "text" },
      { t: "block_delta", index: 0, delta: { text: "Hi" } },
      { t: "block_delta", index: 0, delta: { logprobs: [{ token: "Hi", logprob: -0.1, bytes: [72, 105], top: [] }] } },
      { t: "block_delta", index: 0, delta: { text: " no" } },
      { t: "block_stop", index: 0 },
      { t: "message_delta", stopReason: "refusal" },
      { t: "message_stop" },
    ]);
  });
});

describe("writer", () => {
  const events = json("writer.events.json") as StreamEvent[];
  for (const [name, opts] of [
    ["writer-full", { includeUsage: true, reasoningContent: true }],
    ["writer-plain", { includeUsage: false, reasoningContent: false }],
  ] as const) {
    test(`${name}: the exact §9.3 sequence and ledger`, () => {
      const ledger = new Ledger();
      const w = openaiCodec.streamWriter(ctx(opts), ledger);
      const text = events.map((e) => w.write(e)).join("");
      expect({ text, drops: ledger.drops }).toEqual({
        text: readFileSync(join(DIR, `${name}.sse`), "utf8"),
        drops: json(`${name}.drops.json`) as Ledger["drops"],
      });
    });
  }

  test("logprobs become a logprobs chunk; redacted thinking and citations are recorded", () => {
    const ledger = new Ledger();
    const w = openaiCodec.streamWriter(ctx({ includeUsage: false, reasoningContent: true }), ledger);
    const text = ([
      { t: "message_start" },
      { t: "block_start", index: 0, block: "redacted_thinking" },
      { t: "block_delta", index: 0, delta: { redacted: "opaque", origin: "anthropic" } },
      { t: "block_stop", index: 0 },
      { t: "block_start", index: 1, block: "text" },
      { t: "block_delta", index: 1, delta: { text: "" } },
      { t: "block_delta", index: 1, delta: { text: "ok" } },
      { t: "block_delta", index: 1, delta: { logprobs: [{ token: "ok", logprob: -0.25 }] } },
      { t: "block_delta", index: 1, delta: { citation: { origin: "anthropic", raw: {} } } },
      { t: "block_stop", index: 1 },
      { t: "message_delta", stopReason: "max_tokens", usage: { input: 1, output: 1 } },
      { t: "message_stop" },
    ] satisfies StreamEvent[]).map((e) => w.write(e)).join("");
    const head = `data: {"id":"chatcmpl-000000000000000000000001","object":"chat.completion.chunk","created":1750000000,"model":"fallback","choices":`;
    expect({ text, drops: ledger.drops }).toEqual({
      text: `${head}[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null}]}\n\n`
        + `${head}[{"index":0,"delta":{"content":"ok"},"finish_reason":null}]}\n\n`
        + `${head}[{"index":0,"delta":{},"logprobs":{"content":[{"token":"ok","logprob":-0.25,"bytes":[111,107],"top_logprobs":[]}],"refusal":null},"finish_reason":null}]}\n\n`
        + `${head}[{"index":0,"delta":{},"finish_reason":"length"}]}\n\n`
        + "data: [DONE]\n\n",
      drops: [{ field: "content[0]", reason: "no_target_analog" }, { field: "content[1].citations", reason: "no_target_analog" }],
    });
  });

  test("the official SDK accumulates the writer's stream: text, reasoning, tool calls with exact arguments, usage", async () => {
    const body = readFileSync(join(DIR, "writer-full.sse"), "utf8");
    const final = await clientReturning(body).chat.completions.stream({ model: "x", messages: [] }).finalChatCompletion();
    // The SDK's accumulator keeps only the last value of fields it does not model, so reasoning is read per chunk.
    let reasoning = "";
    for await (const c of await clientReturning(body).chat.completions.create({ model: "x", messages: [], stream: true })) {
      const d: object = c.choices[0]?.delta ?? {};
      if ("reasoning_content" in d && typeof d.reasoning_content === "string") reasoning += d.reasoning_content;
    }
    expect(reasoning).toBe("Weather needs a tool.");
    const message: Record<string, unknown> = { ...final.choices[0]?.message };
    delete message.reasoning_content;
    expect({ ...final, choices: [{ ...final.choices[0], message }] }).toEqual({
      id: "chatcmpl-000000000000000000000001", object: "chat.completion", created: 1750000000, model: "claude-sonnet-4-5",
      choices: [{
        index: 0, finish_reason: "tool_calls", logprobs: null,
        message: {
          role: "assistant", content: "naïve 😀 \"quoted\"\n", refusal: null, parsed: null,
          tool_calls: [
            { id: "call_bb1dG9vbHVfMDE", type: "function", function: { name: "get_weather", arguments: `{"city": "París"}` } },
            { id: "call_bb1dG9vbHVfMDI", type: "function", function: { name: "get_time", arguments: "{}" } },
          ],
        },
      }],
      usage: { prompt_tokens: 125, completion_tokens: 45, total_tokens: 170, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 12 } },
    });
  });

  test("fail(): the SDK surfaces the mid-stream error frame as an APIError", async () => {
    const w = openaiCodec.streamWriter(ctx({ includeUsage: false, reasoningContent: false }), new Ledger());
    const failed = w.fail("overloaded", "The upstream is overloaded.");
    expect(failed).toBe(`data: {"error":{"message":"The upstream is overloaded.","type":"server_error","code":null,"param":null}}\n\ndata: [DONE]\n\n`);
    const body = `${w.write({ t: "message_start", model: "m" }) as string}${failed}`;
    const stream = await clientReturning(body).chat.completions.create({ model: "x", messages: [], stream: true });
    const seen: string[] = [];
    let error: unknown;
    try {
      for await (const c of stream) seen.push(c.choices[0]?.delta.content ?? "");
    } catch (e) {
      error = e;
    }
    expect({ seen, isApiError: error instanceof OpenAI.APIError, message: error instanceof Error ? error.message : "" })
      .toEqual({ seen: [""], isApiError: true, message: "The upstream is overloaded." });
  });
});

describe("through the translator", () => {
  test("interleaved upstream tool calls reach the caller as sequential tool calls with exact arguments and usage", async () => {
    const ledger = new Ledger();
    const t = new StreamTranslator(openaiCodec, openaiCodec, "openai", ctx({ includeUsage: true, reasoningContent: false }), ledger);
    const upstream = bytesOf("text-tool.sse");
    const out = [...t.push(upstream.subarray(0, 777)), ...t.push(upstream.subarray(777)), ...t.end()].join("");
    const final = await clientReturning(out).chat.completions.stream({ model: "x", messages: [] }).finalChatCompletion();
    const m = final.choices[0]?.message;
    expect({
      content: m?.content,
      calls: m?.tool_calls?.map((c) => (c.type === "function" ? [c.id, c.function.name, c.function.arguments] : [])),
      finish: final.choices[0]?.finish_reason,
      usage: final.usage,
      done: out.endsWith("data: [DONE]\n\n"),
    }).toEqual({
      content: "Sure, naïve 😀 checking.",
      calls: [["call_bb1Y2FsbF93", "get_weather", `{"city": "París"}`], ["call_bb1Y2FsbF90", "get_time", `{"tz":"CET"}`]],
      finish: "tool_calls",
      usage: { prompt_tokens: 120, completion_tokens: 45, total_tokens: 165, prompt_tokens_details: { cached_tokens: 100 }, completion_tokens_details: { reasoning_tokens: 0 } },
      done: true,
    });
  });
});
