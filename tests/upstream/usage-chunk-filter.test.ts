// The usage-only chunk governance asked for is cut from a same-protocol OpenAI stream at any split point; every
// other byte passes unchanged (src/upstream/stream.ts UsageChunkFilter).
import { expect, test } from "bun:test";
import { UsageChunkFilter } from "../../src/upstream/stream.ts";
import { expectSameAtEverySplit } from "../helpers/split.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const run = (chunks: Uint8Array[]): string => {
  const f = new UsageChunkFilter();
  const parts = [...chunks.flatMap((c) => f.push(c)), ...f.end()];
  return parts.map((p) => (typeof p === "string" ? p : new TextDecoder().decode(p))).join("");
};

const content = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"héllo"}}]}\n\n';
const finish = 'data: {"id":"c","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n';
const usage = 'data: {"id":"c","choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n';
const done = "data: [DONE]\n\n";

test("LF framing: the usage-only event goes, everything else stays, at every split", () => {
  expectSameAtEverySplit(run, enc(content + finish + usage + done), content + finish + done);
});

test("CRLF framing and spaced JSON", () => {
  const crlf = (s: string) => s.replaceAll("\n", "\r\n");
  const spaced = 'data: {"id": "c", "choices": [ ], "usage": {"prompt_tokens": 5}}\r\n\r\n';
  expectSameAtEverySplit(run, enc(crlf(content) + spaced + crlf(done)), crlf(content) + crlf(done));
});

test("a content event that merely mentions usage, and keep-alive comments, pass", () => {
  const mention = 'data: {"id":"c","choices":[{"index":0,"delta":{"content":"\\"usage\\" and \\"choices\\":[]"}}]}\n\n';
  expectSameAtEverySplit(run, enc(`: keep-alive\n\n${mention}${done}`), `: keep-alive\n\n${mention}${done}`);
});

test("bytes are released as soon as their event is complete", () => {
  const f = new UsageChunkFilter();
  expect(f.push(enc(content.slice(0, 10)))).toEqual([]);
  expect(f.push(enc(content.slice(10)))).toEqual([content]);
});
