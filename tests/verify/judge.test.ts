// The verdict reader against real wire bytes: the mock upstream speaks every protocol, so a fault played by the
// mock straight to the client shows that each way a reply can break is told apart (answer, clean error, hang,
// truncated, unreadable), whatever the gateway does with it.
import { afterAll, expect, test } from "bun:test";
import { PROTOCOL_NAMES, type ProtocolName } from "../../src/ir/protocol.ts";
import { startMockUpstream } from "../../src/mock/index.ts";
import { exchange, judge, type Verdict } from "../../src/verify/client.ts";
import { poolRequest } from "../../src/verify/wire.ts";

const mock = startMockUpstream({ port: 0, faults: true, memberTag: true });
afterAll(() => mock.stop());

const HANG_MS = 300;

async function verdict(protocol: ProtocolName, script: string, stream: boolean): Promise<string> {
  const request = poolRequest(protocol, `m1@fault=${script}`, stream);
  const o = judge(protocol, stream, await exchange({ baseUrl: mock.url, request, token: undefined, hangAfterMs: HANG_MS }), HANG_MS);
  return o.verdict === "answer" ? `answer:${o.member}` : o.verdict;
}

const CASES: readonly [string, boolean, Verdict | "answer:m1"][] = [
  ["ok", false, "answer:m1"],
  ["ok", true, "answer:m1"],
  ["server_error", false, "error"],
  ["context_length", true, "error"],
  ["error_event_after:2", true, "error"],
  ["truncate_json", false, "truncated"],
  ["reset_after_events:2", true, "truncated"],
  ["missing_terminator", true, "truncated"],
  ["hang_before_headers", false, "hang"],
  ["stream_stall:2", true, "hang"],
];

test("every protocol: each kind of reply gets its verdict", async () => {
  const key = (script: string, stream: boolean) => `${script}${stream ? " (stream)" : ""}`;
  // All at once: the hangs then cost one bound, not one each.
  const got = Object.fromEntries(await Promise.all(PROTOCOL_NAMES.map(async (p) => [
    p, Object.fromEntries(await Promise.all(CASES.map(async ([script, stream]) => [key(script, stream), await verdict(p, script, stream)]))),
  ])));
  const want = Object.fromEntries(PROTOCOL_NAMES.map((p) => [p, Object.fromEntries(CASES.map(([script, stream, v]) => [key(script, stream), v]))]));
  expect(got).toEqual(want);
  await mock.idle(); // every hang ended when the client let go
});

test("an unparsable frame in an otherwise whole stream is unreadable (SSE), a bad Bedrock frame cuts the stream", async () => {
  const got = Object.fromEntries(await Promise.all(PROTOCOL_NAMES.map(async (p) => [p, await verdict(p, "malformed_chunk:2", true)])));
  expect(got).toEqual({
    openai: "unreadable", responses: "unreadable", anthropic: "unreadable", gemini: "unreadable", cohere: "unreadable",
    // A bad CRC leaves the rest of the event stream unreadable, so its terminator never arrives.
    bedrock: "truncated",
  });
});

test("a connection refused before any response is unreadable, not an answer", async () => {
  const dead = startMockUpstream({ port: 0 });
  const url = dead.url;
  await dead.stop();
  const ex = await exchange({ baseUrl: url, request: poolRequest("openai", "p", false), token: undefined, hangAfterMs: HANG_MS });
  expect(judge("openai", false, ex, HANG_MS)).toEqual({ verdict: "unreadable", detail: "connection closed before a response", status: undefined, member: undefined });
});
