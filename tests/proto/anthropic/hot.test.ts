// The hand-written guards of the Anthropic hot path (src/proto/anthropic/hot.ts) against their valibot schemas: a
// guard may accept less than its schema (the schema then decides) but never more, it does accept the common shapes
// (or the fast path is never taken), and a malformed request still fails with the schema's own error.
import { describe, expect, test } from "bun:test";
import * as v from "valibot";
import { Ledger } from "../../../src/ir/ledger.ts";
import { anthropicCodec } from "../../../src/proto/anthropic/codec.ts";
import {
  hotMessages, isBlockDeltaFrame, isFrame, isTextBlock, isThinkingBlock, isToolResultBlock, isToolUseBlock,
} from "../../../src/proto/anthropic/hot.ts";
import {
  type AnyBlock, BlockDeltaFrame, Frame, Message, Request, TextBlock, ThinkingBlock, ToolResultBlock, ToolUseBlock,
} from "../../../src/proto/anthropic/wire.ts";

const cache = [undefined, null, { type: "ephemeral" }, { type: "ephemeral", ttl: "1h" }, { type: "ephemeral", ttl: 5 }, { type: "persistent" }, "ephemeral", []];
const odd = [undefined, null, 0, "", "s", true, [], {}, [{ type: "text", text: "x" }], [{}], { type: 1 }];

/** Every combination of `base` with one field replaced by each of `values` (absent when undefined). */
function variants(base: Record<string, unknown>, fields: Record<string, unknown[]>): Record<string, unknown>[] {
  const out = [base];
  for (const [k, values] of Object.entries(fields)) {
    for (const x of values) {
      const b = { ...base };
      if (x === undefined) delete b[k];
      else b[k] = x;
      out.push(b);
    }
  }
  return out;
}

const BLOCKS: [string, (b: AnyBlock) => boolean, v.GenericSchema, Record<string, unknown>[]][] = [
  ["text", isTextBlock, TextBlock, variants({ type: "text", text: "hi" }, {
    text: odd, cache_control: cache, citations: [...odd, [{ type: "char_location", cited_text: "c" }], [{ type: 5 }]],
  })],
  ["tool_use", isToolUseBlock, ToolUseBlock, variants({ type: "tool_use", id: "toolu_1", name: "f", input: { a: 1 } }, {
    id: odd, name: odd, input: odd, cache_control: cache,
  })],
  ["tool_result", isToolResultBlock, ToolResultBlock, variants({ type: "tool_result", tool_use_id: "toolu_1", content: "ok" }, {
    tool_use_id: odd, content: odd, is_error: odd, cache_control: cache,
  })],
  ["thinking", isThinkingBlock, ThinkingBlock, variants({ type: "thinking", thinking: "hm", signature: "sig" }, {
    thinking: odd, signature: odd, cache_control: cache,
  })],
];

describe("a guard never accepts what its schema rejects, and accepts the common shapes", () => {
  for (const [name, guard, schema, samples] of BLOCKS) {
    test(`${name} block`, () => {
      const wrong = samples.filter((b) => guard(b as AnyBlock) && !v.safeParse(schema, b).success);
      expect(wrong).toEqual([]);
      expect(guard(samples[0] as AnyBlock)).toBe(true);
    });
  }

  test("messages", () => {
    const samples = variants({ role: "user", content: "hi" }, { role: [...odd, "assistant", "system", "tool"], content: odd });
    for (const m of samples) {
      if (hotMessages([m]) !== undefined) expect({ m, ok: v.safeParse(Message, m).success }).toEqual({ m, ok: true });
    }
    expect(hotMessages([samples[0], { role: "assistant", content: [{ type: "tool_use" }] }])).toHaveLength(2);
    expect(hotMessages([samples[0], { role: "tool", content: "x" }])).toBeUndefined();
  });

  test("stream frames", () => {
    const deltas = variants({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "x" } }, {
      index: odd,
      delta: [...odd, { type: "thinking_delta", thinking: 5 }, { type: "input_json_delta", partial_json: "{" }, { type: "citations_delta", citation: { type: "char_location" } }, { type: "citations_delta", citation: "c" }],
    });
    for (const f of deltas) {
      if (isBlockDeltaFrame(f)) expect({ f, ok: v.safeParse(BlockDeltaFrame, f).success }).toEqual({ f, ok: true });
    }
    expect(isBlockDeltaFrame(deltas[0])).toBe(true);
    for (const f of [...odd, { type: "ping" }, { type: 5 }]) {
      if (isFrame(f)) expect({ f, ok: v.safeParse(Frame, f).success }).toEqual({ f, ok: true });
    }
    expect(isFrame({ type: "ping" })).toBe(true);
  });
});

describe("a malformed request fails with the schema's own error", () => {
  const base = { model: "m", max_tokens: 10 };
  const badText = { type: "text", text: 5 };
  const badResult = { type: "tool_result", tool_use_id: 7, content: "x" };
  /** A body, and the schema and value whose first issue is the error expected. */
  const cases: [Record<string, unknown>, v.GenericSchema, unknown][] = [
    [{ ...base, messages: [{ role: "user", content: [{ type: "tool_use", id: 5 }] }] }, ToolUseBlock, { type: "tool_use", id: 5 }],
    [{ ...base, messages: [{ role: "user", content: "ok" }, "not a message"] }, Request, undefined],
    [{ ...base, messages: [{ role: "tool", content: "x" }] }, Request, undefined],
    [{ ...base, messages: [{ role: "user", content: 5 }] }, Request, undefined],
    [{ ...base, messages: "none" }, Request, undefined],
    // Two issues: the schema reports the first in its entry order (max_tokens before messages).
    [{ ...base, max_tokens: "ten", messages: [{ role: "user", content: [5] }] }, Request, undefined],
    [{ ...base, system: 5, messages: [{ role: "user" }] }, Request, undefined],
    [{ ...base, messages: [{ role: "user", content: [badText] }] }, TextBlock, badText],
    [{ ...base, messages: [{ role: "user", content: [{ type: "tool_result", tool_use_id: "t", content: [badText] }] }] }, TextBlock, badText],
    [{ ...base, messages: [{ role: "user", content: [badResult] }] }, ToolResultBlock, badResult],
  ];
  for (const [body, schema, value] of cases) {
    test(JSON.stringify(body), () => {
      const r = v.safeParse(schema, value === undefined ? body : value);
      expect(r.success).toBe(false);
      const want = r.success ? "" : new v.ValiError(r.issues).message;
      expect(() => anthropicCodec.readRequest(body, { raw: JSON.stringify(body), ledger: new Ledger() })).toThrow(want);
    });
  }
});
