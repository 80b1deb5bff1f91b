// Responses bodies ↔ IR (protocols.md §7, §5.3, §10.4) and upstream error extraction (§8).
import { describe, expect, test } from "bun:test";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { IrResponse } from "../../../src/ir/response.ts";
import { STOP_REASONS } from "../../../src/ir/stop.ts";
import type { JsonObject } from "../../../src/proto/codec.ts";
import { responsesCodec as codec } from "../../../src/proto/responses/codec.ts";
import { cases, json, responseContext } from "./golden.ts";

describe("native → IR → native", () => {
  for (const name of cases("response", ".native.json")) {
    test(name, () => {
      const readLedger = new Ledger();
      const ir = codec.readResponse(json<JsonObject>(`response/${name}.native.json`), readLedger);
      const writeLedger = new Ledger();
      const written = codec.writeResponse(structuredClone(ir), responseContext(), writeLedger);
      expect({ ir, readDrops: readLedger.drops, written, writeDrops: writeLedger.drops }).toEqual(json(`response/${name}.expected.json`));
    });
  }
});

function irResponse(over: Partial<IrResponse>): IrResponse {
  return { content: [{ kind: "text", text: "ok" }], usage: { input: 5, output: 2 }, logprobs: [], ...over };
}

describe("stop reasons (§7.2)", () => {
  test("read: status, incomplete reason, calls and refusals", () => {
    const stop = (status: string, reason?: string, output: unknown[] = []) =>
      codec.readResponse({ status, incomplete_details: reason === undefined ? null : { reason }, output }, new Ledger()).stopReason;
    const call = { type: "function_call", call_id: "c", name: "f", arguments: "{}" };
    const refusal = { type: "message", content: [{ type: "refusal", refusal: "no" }] };
    expect([
      stop("completed"), stop("completed", undefined, [call]), stop("completed", undefined, [refusal]),
      stop("incomplete", "max_output_tokens"), stop("incomplete", "content_filter"), stop("incomplete", "max_messages"),
      stop("failed"), stop("cancelled"),
    ]).toEqual(["end_turn", "tool_use", "refusal", "max_tokens", "safety", "other", "error", "other"]);
  });

  test("write: every IR reason is a Responses status (incomplete only for max_tokens and safety)", () => {
    const written = STOP_REASONS.map((stopReason) => {
      const body = codec.writeResponse(irResponse({ stopReason }), responseContext(), new Ledger());
      return [stopReason, body.status, body.incomplete_details];
    });
    expect(written).toEqual([
      ["end_turn", "completed", null], ["stop_sequence", "completed", null],
      ["max_tokens", "incomplete", { reason: "max_output_tokens" }], ["tool_use", "completed", null],
      ["safety", "incomplete", { reason: "content_filter" }], ["refusal", "completed", null],
      ["pause_turn", "completed", null], ["error", "completed", null], ["other", "completed", null],
    ]);
  });
});

describe("write details", () => {
  test("ids are minted natively, the clock and lane model fill what the upstream did not say, signatures are wrapped", () => {
    const ledger = new Ledger();
    const body = codec.writeResponse(irResponse({
      content: [
        { kind: "thinking", text: "hmm", signature: { value: "sig-an", origin: "anthropic" } },
        { kind: "redacted_thinking", data: "x", origin: "anthropic" },
        { kind: "text", text: "a", citations: [{ origin: "anthropic", raw: {} }] },
        { kind: "json", value: { b: 1 } },
        { kind: "tool_use", id: "call_bb1eA", name: "f", input: { q: 1 } },
        { kind: "thinking", text: "unsigned" },
      ],
      usage: { input: 3, output: 4, cacheRead: 2, cacheWrite: 1 },
      logprobs: [{ token: "a", logprob: -0.1 }],
    }), responseContext(), ledger);
    expect({ body, drops: ledger.drops }).toEqual({
      body: {
        id: `resp_${"1".padStart(48, "0")}`, object: "response", created_at: 1750000000, status: "completed", error: null,
        incomplete_details: null, model: "lane-model",
        output: [
          { id: `rs_${"2".padStart(48, "0")}`, type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "hmm" }], encrypted_content: Buffer.from("bbs1:anthropic:sig-an").toString("base64") },
          { id: `msg_${"3".padStart(48, "0")}`, type: "message", status: "completed", role: "assistant", content: [{ type: "output_text", annotations: [], text: "a" }, { type: "output_text", annotations: [], text: "{\"b\":1}" }] },
          { id: `fc_${"4".padStart(48, "0")}`, type: "function_call", status: "completed", arguments: "{\"q\":1}", call_id: "call_bb1eA", name: "f" },
          { id: `rs_${"5".padStart(48, "0")}`, type: "reasoning", summary: [], content: [{ type: "reasoning_text", text: "unsigned" }] },
        ],
        usage: { input_tokens: 6, input_tokens_details: { cached_tokens: 2 }, output_tokens: 4, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 10 },
      },
      drops: [
        { field: "logprobs", reason: "no_target_analog" },
        { field: "content[1]", reason: "no_target_analog" },
        { field: "content[2].citations", reason: "no_target_analog" },
      ],
    });
  });

  test("a wrapped signature read back unwraps to its origin", () => {
    const enc = Buffer.from("bbs1:gemini:abc").toString("base64");
    const ir = codec.readResponse({ status: "completed", output: [{ type: "reasoning", summary: [], encrypted_content: enc }] }, new Ledger());
    expect(ir.content).toEqual([{ kind: "thinking", text: "", signature: { value: "abc", origin: "gemini" } }]);
  });
});

describe("readError (§8)", () => {
  const envelope = (message: string, type: string, code: string | null = null) => JSON.stringify({ error: { message, type, param: null, code } });
  test("each status class, the body refining quota, and bodies that are not an envelope", () => {
    const got = [
      codec.readError(400, envelope("Bad field 'x'.", "invalid_request_error")),
      codec.readError(401, envelope("Incorrect API key provided.", "invalid_request_error", "invalid_api_key")),
      codec.readError(403, envelope("Nope.", "permission_error")),
      codec.readError(404, envelope("The model 'x' does not exist.", "invalid_request_error", "model_not_found")),
      codec.readError(413, envelope("Too big.", "invalid_request_error")),
      codec.readError(429, envelope("Slow down.", "rate_limit_error", "rate_limit_exceeded")),
      codec.readError(429, envelope("You exceeded your current quota.", "insufficient_quota", "insufficient_quota")),
      codec.readError(500, envelope("Oops.", "server_error")),
      codec.readError(503, envelope("Overloaded.", "server_error")),
      codec.readError(504, "<html><body>Gateway Timeout</body></html>"),
      codec.readError(502, "upstream connect error"),
      codec.readError(400, JSON.stringify({ detail: "not an envelope" })),
      codec.readError(400, envelope("x".repeat(2000), "invalid_request_error")),
      codec.readError(500, `{"error":{"message":"${"y".repeat(70000)}"}}`),
    ];
    // Stage 1a (reliability.md §5): errorCode is the code alone, type the type.
    const none = { contextSignal: false, keyRejected: false } as const;
    expect(got).toEqual([
      { kind: "invalid_request", message: "Bad field 'x'.", code: "invalid_request_error", type: "invalid_request_error", ...none },
      { kind: "authentication", message: "Incorrect API key provided.", code: "invalid_api_key", errorCode: "invalid_api_key", type: "invalid_request_error", ...none },
      { kind: "permission", message: "Nope.", code: "permission_error", type: "permission_error", ...none },
      { kind: "not_found", message: "The model 'x' does not exist.", code: "model_not_found", errorCode: "model_not_found", type: "invalid_request_error", ...none },
      { kind: "too_large", message: "Too big.", code: "invalid_request_error", type: "invalid_request_error", ...none },
      { kind: "rate_limit", message: "Slow down.", code: "rate_limit_exceeded", errorCode: "rate_limit_exceeded", type: "rate_limit_error", ...none },
      { kind: "quota", message: "You exceeded your current quota.", code: "insufficient_quota", errorCode: "insufficient_quota", type: "insufficient_quota", ...none },
      { kind: "server_error", message: "Oops.", code: "server_error", type: "server_error", ...none },
      { kind: "overloaded", message: "Overloaded.", code: "server_error", type: "server_error", ...none },
      { kind: "timeout", message: "The upstream answered with HTTP 504.", ...none },
      { kind: "server_error", message: "The upstream answered with HTTP 502.", ...none },
      { kind: "invalid_request", message: "The upstream answered with HTTP 400.", ...none },
      { kind: "invalid_request", message: `${"x".repeat(499)}…`, code: "invalid_request_error", type: "invalid_request_error", ...none },
      { kind: "server_error", message: "The upstream answered with HTTP 500.", ...none },
    ]);
  });
});
