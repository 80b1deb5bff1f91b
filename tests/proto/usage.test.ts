// Each codec finds usage in its own non-streaming body without reading the whole response (platform.md §3.3).
import { describe, expect, test } from "bun:test";
import { randomIds } from "../../src/ir/ids.ts";
import { Ledger } from "../../src/ir/ledger.ts";
import { PROTOCOL_NAMES } from "../../src/ir/protocol.ts";
import { protocol } from "../../src/proto/registry.ts";

const ctx = { ids: randomIds, now: () => 0, model: "m", includeUsage: true, reasoningContent: false };

describe.each(PROTOCOL_NAMES.map((p) => [p] as const))("%s responseUsage", (name) => {
  const found = protocol(name).codec;
  if (found === undefined) throw new Error(`${name} has no codec`);
  const codec = found;
  test("reads back what the writer wrote, and the reader agrees", () => {
    const usage = { input: 1200, output: 345 };
    const body = codec.writeResponse({ content: [{ kind: "text", text: "hi" }], stopReason: "end_turn", usage, logprobs: [] }, ctx, new Ledger());
    expect(codec.responseUsage(body)).toEqual(codec.readResponse(body, new Ledger()).usage);
    expect(codec.responseUsage(body)?.output).toBe(345);
  });
  test("no usage, or a malformed one, is undefined", () => {
    expect(codec.responseUsage({})).toBeUndefined();
    expect(codec.responseUsage({ usage: "x", usageMetadata: 7 })).toBeUndefined();
  });
});
