// Chat completions ↔ IR against golden fixtures (tests/golden/openai/response): native → IR → native with
// deterministic ids and clock; finish reasons both ways; upstream error bodies of every status class.
import { describe, expect, test } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import { STOP_REASONS } from "../../../src/ir/stop.ts";
import type { JsonObject, ResponseContext } from "../../../src/proto/codec.ts";
import { openaiCodec } from "../../../src/proto/openai/codec.ts";

const DIR = join(import.meta.dir, "../../golden/openai/response");
const NOW = 1750000000123;

function ctx(reasoningContent = false): ResponseContext {
  return { ids: sequentialIds(), now: () => NOW, model: "fallback-model", includeUsage: false, reasoningContent };
}

function read(body: unknown): { ir: IrResponse; drops: unknown[] } {
  const ledger = new Ledger();
  return { ir: openaiCodec.readResponse(body as JsonObject, ledger), drops: ledger.drops };
}

function write(ir: IrResponse, reasoningContent = false): { body: JsonObject; drops: unknown[] } {
  const ledger = new Ledger();
  return { body: openaiCodec.writeResponse(ir, ctx(reasoningContent), ledger), drops: ledger.drops };
}

const cases = readdirSync(DIR).filter((f) => f.endsWith(".json") && !f.endsWith(".expect.json")).map((f) => f.slice(0, -5)).sort();

describe("golden responses", () => {
  test("every case is present", () => {
    expect(cases).toEqual(["cached-usage", "refusal", "text", "thinking", "tool-calls"]);
  });
  for (const name of cases) {
    const native: unknown = JSON.parse(readFileSync(join(DIR, `${name}.json`), "utf8"));
    const want = JSON.parse(readFileSync(join(DIR, `${name}.expect.json`), "utf8")) as {
      ir: IrResponse; readDrops: unknown[]; reasoningContent: boolean; written: JsonObject; writeDrops: unknown[];
    };
    test(`${name}: native → IR → native`, () => {
      const r = read(native);
      const w = write(r.ir, want.reasoningContent);
      expect({ ir: r.ir, readDrops: r.drops, written: w.body, writeDrops: w.drops })
        .toEqual({ ir: want.ir, readDrops: want.readDrops, written: want.written, writeDrops: want.writeDrops });
    });
  }
});

describe("writing", () => {
  test("thinking without the D11 opt-in is recorded, not written; signatures and redaction never reach OpenAI callers", () => {
    const ir: IrResponse = {
      content: [
        { kind: "thinking", text: "hmm", signature: { value: "sig", origin: "anthropic" } },
        { kind: "redacted_thinking", data: "x", origin: "anthropic" },
        { kind: "text", text: "Hi", citations: [{ origin: "anthropic", raw: {}, citedText: "c" }] },
        { kind: "tool_use", id: "call_bb1eA", name: "f", input: { a: 1 } },
      ],
      stopReason: "pause_turn",
      usage: { input: 3, output: 4, cacheWrite: 2 },
      logprobs: [],
    };
    const plain = write(ir);
    const opted = write(ir, true);
    const body = (message: JsonObject) => ({
      id: "chatcmpl-000000000000000000000001", object: "chat.completion", created: 1750000000, model: "fallback-model",
      choices: [{ index: 0, message, logprobs: null, finish_reason: "stop" }],
      usage: { prompt_tokens: 5, completion_tokens: 4, total_tokens: 9 },
    });
    const calls = [{ id: "call_bb1eA", type: "function", function: { name: "f", arguments: `{"a":1}` } }];
    expect({ plain, opted }).toEqual({
      plain: {
        body: body({ role: "assistant", content: "Hi", refusal: null, tool_calls: calls }),
        drops: [
          { field: "content[0]", reason: "no_target_analog" }, { field: "content[1]", reason: "no_target_analog" },
          { field: "content[2].citations", reason: "no_target_analog" },
        ],
      },
      opted: {
        body: body({ role: "assistant", content: "Hi", reasoning_content: "hmm", refusal: null, tool_calls: calls }),
        drops: [
          { field: "content[0].signature", reason: "no_target_analog" }, { field: "content[1]", reason: "no_target_analog" },
          { field: "content[2].citations", reason: "no_target_analog" },
        ],
      },
    });
  });

  test("every IR stop reason writes a member of the finish_reason enum (§7.2)", () => {
    const written = STOP_REASONS.map((stopReason) => {
      const choices = write({ content: [], stopReason, usage: { input: 0, output: 0 }, logprobs: [] }).body.choices as { finish_reason: string }[];
      return [stopReason, choices[0]?.finish_reason];
    });
    expect(Object.fromEntries(written)).toEqual({
      end_turn: "stop", stop_sequence: "stop", max_tokens: "length", tool_use: "tool_calls", safety: "content_filter",
      refusal: "stop", pause_turn: "stop", error: "stop", other: "stop",
    });
  });

  test("logprobs without bytes get UTF-8 bytes synthesised (§7.3)", () => {
    const { body } = write({ content: [{ kind: "text", text: "é" }], usage: { input: 0, output: 1 }, logprobs: [{ token: "é", logprob: -0.5, top: [{ token: "e", logprob: -1 }] }] });
    expect((body.choices as { logprobs: unknown }[])[0]?.logprobs).toEqual({
      content: [{ token: "é", logprob: -0.5, bytes: [195, 169], top_logprobs: [{ token: "e", logprob: -1, bytes: [101] }] }],
      refusal: null,
    });
  });
});

describe("reading", () => {
  test("every finish_reason maps to its row; unknown values are `other`; an absent one is absent", () => {
    const reasons = ["stop", "length", "tool_calls", "content_filter", "function_call", "insufficient_system_resource", null];
    const got = reasons.map((finish_reason) => read({ choices: [{ message: { content: "x" }, finish_reason }] }).ir.stopReason);
    expect(got).toEqual(["end_turn", "max_tokens", "tool_use", "safety", "tool_use", "other", undefined]);
  });

  test("cached tokens beyond the prompt saturate at zero; `reasoning` is read like `reasoning_content`", () => {
    const got = read({
      model: "m",
      choices: [{ message: { content: "x", reasoning: "why" }, finish_reason: "stop" }],
      usage: { prompt_tokens: 10, completion_tokens: 2, prompt_tokens_details: { cached_tokens: 30, cache_write_tokens: 4 } },
    });
    expect(got).toEqual({
      ir: {
        content: [{ kind: "thinking", text: "why" }, { kind: "text", text: "x" }], stopReason: "end_turn", model: "m",
        usage: { input: 0, output: 2, cacheRead: 30, cacheWrite: 4 }, logprobs: [],
      },
      drops: [],
    });
  });

  test("annotations, audio and custom tool calls are recorded", () => {
    const got = read({
      choices: [{
        message: { content: "x", annotations: [{ type: "url_citation" }], audio: { id: "a" }, tool_calls: [{ id: "c", type: "custom", custom: { name: "g", input: "i" } }] },
        finish_reason: "stop",
      }],
    });
    expect(got.drops).toEqual([
      { field: "choices[0].message.tool_calls[0]", reason: "no_target_analog" },
      { field: "choices[0].message.annotations", reason: "no_target_analog" },
      { field: "choices[0].message.audio", reason: "no_target_analog" },
    ]);
  });
});

describe("readError", () => {
  const envelope = (type: string, code: string | null, message = "m") => JSON.stringify({ error: { message, type, param: null, code } });
  test("each status class, with the body refining the kind", () => {
    const got = [
      openaiCodec.readError(400, envelope("invalid_request_error", "context_length_exceeded", "too long")),
      openaiCodec.readError(401, envelope("invalid_request_error", "invalid_api_key", "Incorrect API key provided: sk-...")),
      openaiCodec.readError(403, envelope("permission_error", null)),
      openaiCodec.readError(404, envelope("invalid_request_error", "model_not_found")),
      openaiCodec.readError(413, JSON.stringify({ error: "payload too large" })),
      openaiCodec.readError(429, envelope("requests", "rate_limit_exceeded", "Rate limit reached")),
      openaiCodec.readError(429, envelope("insufficient_quota", "insufficient_quota", "You exceeded your current quota")),
      openaiCodec.readError(500, envelope("server_error", null, "The server had an error")),
      openaiCodec.readError(503, JSON.stringify({ message: "Service Unavailable" })),
      openaiCodec.readError(504, "<html><body>Gateway Timeout</body></html>"),
      openaiCodec.readError(502, ""),
    ];
    // Stage 1a (reliability.md §5): errorCode is the code alone, type the type; only the first is a context error.
    const none = { contextSignal: false, keyRejected: false } as const;
    expect(got).toEqual([
      { kind: "invalid_request", message: "too long", code: "context_length_exceeded", errorCode: "context_length_exceeded", type: "invalid_request_error", contextSignal: true, keyRejected: false },
      { kind: "authentication", message: "Incorrect API key provided: sk-...", code: "invalid_api_key", errorCode: "invalid_api_key", type: "invalid_request_error", ...none },
      { kind: "permission", message: "m", code: "permission_error", type: "permission_error", ...none },
      { kind: "not_found", message: "m", code: "model_not_found", errorCode: "model_not_found", type: "invalid_request_error", ...none },
      { kind: "too_large", message: "payload too large", ...none },
      { kind: "rate_limit", message: "Rate limit reached", code: "rate_limit_exceeded", errorCode: "rate_limit_exceeded", type: "requests", ...none },
      { kind: "quota", message: "You exceeded your current quota", code: "insufficient_quota", errorCode: "insufficient_quota", type: "insufficient_quota", ...none },
      { kind: "server_error", message: "The server had an error", code: "server_error", type: "server_error", ...none },
      { kind: "overloaded", message: "Service Unavailable", ...none },
      { kind: "timeout", message: "The upstream returned HTTP 504.", ...none },
      { kind: "server_error", message: "The upstream returned HTTP 502.", ...none },
    ]);
  });

  test("a huge message is clipped; a JSON array envelope (some compatible servers) is read", () => {
    const long = openaiCodec.readError(400, envelope("invalid_request_error", null, "x".repeat(5000)));
    expect(long.message).toBe(`${"x".repeat(500)}…`);
    expect(openaiCodec.readError(400, JSON.stringify([{ error: { message: "bad", code: 400 } }]))).toEqual({ kind: "invalid_request", message: "bad", code: "400", errorCode: "400", contextSignal: false, keyRejected: false });
  });
});
