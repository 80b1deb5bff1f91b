// The stream normaliser's §9.2 rules, independent of any protocol.
import { expect, test } from "bun:test";
import type { StreamEvent } from "../../src/ir/stream.ts";
import { StreamNormalizer } from "../../src/proto/normalize.ts";

function run(events: StreamEvent[]): { out: StreamEvent[]; complete: boolean } {
  const n = new StreamNormalizer();
  const out = events.flatMap((e) => n.push(e));
  return { out, complete: n.complete };
}

test("interleaved tool blocks become sequential with dense indices; stop and usage merge into one delta", () => {
  const { out, complete } = run([
    { t: "message_start", model: "m", usage: { input: 10, output: 0, cacheRead: 2 } },
    { t: "block_start", index: 5, block: { toolUse: { id: "a", name: "f" } } },
    { t: "block_delta", index: 5, delta: { partialJson: '{"x":' } },
    { t: "block_start", index: 9, block: { toolUse: { id: "b", name: "g" } } },
    { t: "block_delta", index: 9, delta: { partialJson: '{"y":2}' } },
    { t: "block_delta", index: 5, delta: { partialJson: "1}" } },
    { t: "block_stop", index: 9 },
    { t: "block_stop", index: 5 },
    { t: "message_delta", stopReason: "tool_use" },
    { t: "message_delta", usage: { input: 0, output: 7 } },
    { t: "message_stop" },
    { t: "message_delta", stopReason: "end_turn" }, // after the end: ignored
  ]);
  expect(complete).toBe(true);
  expect(out).toEqual([
    { t: "message_start", model: "m", usage: { input: 10, output: 0, cacheRead: 2 } },
    { t: "block_start", index: 0, block: { toolUse: { id: "a", name: "f" } } },
    { t: "block_delta", index: 0, delta: { partialJson: '{"x":' } },
    { t: "block_delta", index: 0, delta: { partialJson: "1}" } },
    { t: "block_stop", index: 0 },
    { t: "block_start", index: 1, block: { toolUse: { id: "b", name: "g" } } },
    { t: "block_delta", index: 1, delta: { partialJson: '{"y":2}' } },
    { t: "block_stop", index: 1 },
    { t: "message_delta", stopReason: "tool_use", usage: { input: 10, output: 7, cacheRead: 2 } },
    { t: "message_stop" },
  ]);
});

test("message_start is synthesised; open blocks are closed at the end; errors end the stream", () => {
  expect(run([
    { t: "block_start", index: 0, block: "text" },
    { t: "block_delta", index: 0, delta: { text: "hi" } },
    { t: "message_stop" },
  ]).out).toEqual([
    { t: "message_start" },
    { t: "block_start", index: 0, block: "text" },
    { t: "block_delta", index: 0, delta: { text: "hi" } },
    { t: "block_stop", index: 0 },
    { t: "message_delta", usage: { input: 0, output: 0 } },
    { t: "message_stop" },
  ]);
  const failed = run([{ t: "message_start" }, { t: "error", kind: "overloaded", message: "busy" }, { t: "message_stop" }]);
  expect(failed).toEqual({ out: [{ t: "message_start" }, { t: "error", kind: "overloaded", message: "busy" }], complete: true });
  expect(run([{ t: "message_start" }, { t: "block_start", index: 0, block: "text" }]).complete).toBe(false);
});
