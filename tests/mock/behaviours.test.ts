// Every behaviour on every protocol, streaming and not, over real sockets: what the client receives,
// summarised per protocol by wire-reader.ts so one table covers all six.
import { afterAll, describe, expect, test } from "bun:test";
import { PROTOCOL_NAMES, type ProtocolName } from "../../src/ir/protocol.ts";
import { mockControl, startMockUpstream, type Behaviour } from "../../src/mock/index.ts";
import { completion, drain, request, streamEvents, type Ev } from "./wire-reader.ts";

const mock = startMockUpstream({ faults: true, memberTag: true, streamChunks: 3 });
/** Stalls and hangs here end at a 100 ms cap, so a test can see the reset that ends them. */
const capped = startMockUpstream({ faults: true, memberTag: true, streamChunks: 3, hangCapMs: 100 });
afterAll(() => Promise.all([mock.stop(), capped.stop()]));

const NORMAL_STOP: Record<ProtocolName, string> = {
  openai: "stop", responses: "completed", anthropic: "end_turn", gemini: "STOP", bedrock: "end_turn", cohere: "COMPLETE",
};
const FILTER_STOP: Record<ProtocolName, string> = {
  openai: "content_filter", responses: "content_filter", anthropic: "refusal", gemini: "SAFETY", bedrock: "content_filtered", cohere: "ERROR_TOXIC",
};
/** The in-band error each protocol sends for the default type (`overloaded`). */
const OVERLOADED_EVENT: Record<ProtocolName, string> = {
  openai: "server_error", responses: "server_error", anthropic: "overloaded_error", gemini: "UNAVAILABLE", bedrock: "serviceUnavailableException", cohere: "ERROR",
};

let n = 0;
/** A fresh member per call, so tests never share state. */
const member = (p: ProtocolName) => `${p}-m${++n}`;

async function send(base: string, p: ProtocolName, model: string, stream: boolean, init: RequestInit = {}): Promise<Response> {
  const r = request(p, model, stream);
  return fetch(`${base}${r.path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(r.body), ...init });
}

/** What a stream delivered: content deltas, stop, terminal, errors and unparsable frames, in order. */
function summary(evs: readonly Ev[]) {
  return {
    texts: evs.filter((e) => e.e === "text").length,
    stop: evs.flatMap((e) => (e.e === "stop" ? [e.reason] : [])).at(-1) ?? null,
    end: evs.some((e) => e.e === "end"),
    errors: evs.flatMap((e) => (e.e === "error" ? [e.type] : [])),
    malformed: evs.filter((e) => e.e === "malformed").length,
  };
}

const firstText = (evs: readonly Ev[]) => evs.flatMap((e) => (e.e === "text" ? [e.text] : []))[0] ?? "";

async function streamed(p: ProtocolName, b: Behaviour, base = mock.url) {
  const m = member(p);
  await mockControl(base).queue(m, b);
  const res = await send(base, p, m, true);
  const d = await drain(res);
  const evs = streamEvents(p, d.bytes);
  return { m, status: res.status, cut: d.cut, evs, chunks: d.chunks, ...summary(evs) };
}

async function whole(p: ProtocolName, b: Behaviour, base = mock.url) {
  const m = member(p);
  await mockControl(base).queue(m, b);
  const res = await send(base, p, m, false);
  const d = await drain(res);
  const text = new TextDecoder().decode(d.bytes);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { m, status: res.status, cut: d.cut, json, text, retryAfter: res.headers.get("retry-after") };
}

describe.each(PROTOCOL_NAMES)("%s streams", (p) => {
  test("ok: exactly `events` deltas, the member marker first, the normal stop and terminal", async () => {
    const r = await streamed(p, { kind: "ok", events: 5 });
    expect({ status: r.status, cut: r.cut, texts: r.texts, stop: r.stop, end: r.end, errors: r.errors, malformed: r.malformed })
      .toEqual({ status: 200, cut: false, texts: 5, stop: NORMAL_STOP[p], end: true, errors: [], malformed: 0 });
    expect(firstText(r.evs)).toStartWith(`member=${r.m} `);
  });

  test("content_filter: a 200 that stops with the protocol's content-filter reason", async () => {
    const r = await streamed(p, { kind: "content_filter", events: 2 });
    expect({ status: r.status, texts: r.texts, stop: r.stop, end: r.end }).toEqual({ status: 200, texts: 2, stop: FILTER_STOP[p], end: true });
  });

  test("reset_after_events: n deltas, then the connection dies without a terminal", async () => {
    const r = await streamed(p, { kind: "reset_after_events", n: 2, events: 4 });
    expect({ status: r.status, cut: r.cut, texts: r.texts, stop: r.stop, end: r.end }).toEqual({ status: 200, cut: true, texts: 2, stop: null, end: false });
  });

  test("reset_after_events n=0: a 200 whose connection dies before any content", async () => {
    const r = await streamed(p, { kind: "reset_after_events", n: 0 });
    expect({ status: r.status, cut: r.cut, texts: r.texts, end: r.end }).toEqual({ status: 200, cut: true, texts: 0, end: false });
  });

  test("error_event_first: the in-band error is the first event, and the stream ends cleanly", async () => {
    const r = await streamed(p, { kind: "error_event_first" });
    expect({ status: r.status, cut: r.cut, first: r.evs[0], texts: r.texts, end: r.end })
      .toEqual({ status: 200, cut: false, first: { e: "error", type: OVERLOADED_EVENT[p] }, texts: 0, end: false });
  });

  test("error_event_after: n deltas, then the in-band error, and nothing after it", async () => {
    const r = await streamed(p, { kind: "error_event_after", n: 2, type: "rate_limit", events: 4 });
    expect({ texts: r.texts, last: r.evs.at(-1)?.e, errors: r.errors.length, end: r.end, cut: r.cut })
      .toEqual({ texts: 2, last: "error", errors: 1, end: false, cut: false });
  });

  test("truncate_json: the first content frame is cut in half, then the stream ends cleanly", async () => {
    const r = await streamed(p, { kind: "truncate_json" });
    expect({ status: r.status, cut: r.cut, texts: r.texts, malformed: r.malformed, end: r.end }).toEqual({ status: 200, cut: false, texts: 0, malformed: 1, end: false });
  });

  test("malformed_chunk: one unparsable frame after n deltas; the rest of the stream follows", async () => {
    const r = await streamed(p, { kind: "malformed_chunk", n: 1, events: 3 });
    const order = r.evs.filter((e) => e.e === "text" || e.e === "malformed").map((e) => e.e);
    expect({ order, end: r.end, cut: r.cut }).toEqual({ order: ["text", "malformed", "text", "text"], end: true, cut: false });
  });

  test("missing_terminator: every delta, then a clean end without the terminal event", async () => {
    const r = await streamed(p, { kind: "missing_terminator", events: 3 });
    expect({ cut: r.cut, texts: r.texts, stop: r.stop, end: r.end }).toEqual({ cut: false, texts: 3, stop: null, end: false });
  });

  test("slow_first_token: the headers and preamble arrive in a body chunk of their own, before any content", async () => {
    const r = await streamed(p, { kind: "slow_first_token", delay_ms: 30, events: 2 });
    const firstChunk = streamEvents(p, r.chunks[0] ?? new Uint8Array());
    expect({ firstChunkTexts: firstChunk.filter((e) => e.e === "text").length, texts: r.texts, end: r.end }).toEqual({ firstChunkTexts: 0, texts: 2, end: true });
  });

  test("stream_stall: n deltas, then silence until the hang cap resets the connection", async () => {
    const r = await streamed(p, { kind: "stream_stall", n: 1 }, capped.url);
    expect({ status: r.status, cut: r.cut, texts: r.texts, end: r.end }).toEqual({ status: 200, cut: true, texts: 1, end: false });
  });

  test("hang_after_headers: a 200 with no content until the cap resets it", async () => {
    const r = await streamed(p, { kind: "hang_after_headers" }, capped.url);
    expect({ status: r.status, cut: r.cut, texts: r.texts, errors: r.errors }).toEqual({ status: 200, cut: true, texts: 0, errors: [] });
  });
});

describe.each(PROTOCOL_NAMES)("%s non-streaming", (p) => {
  test("ok: the member marker opens the text; normal stop", async () => {
    const r = await whole(p, { kind: "ok" });
    const c = completion(p, r.json);
    expect({ status: r.status, stop: c.stop, text: c.text }).toEqual({ status: 200, stop: NORMAL_STOP[p], text: expect.stringMatching(new RegExp(`^member=${r.m} Hello from the busbar demo upstream`)) });
  });

  test("content_filter: the protocol's content-filter stop", async () => {
    const r = await whole(p, { kind: "content_filter" });
    expect([r.status, completion(p, r.json).stop]).toEqual([200, FILTER_STOP[p]]);
  });

  test("truncate_json: a 200 whose body ends cleanly mid-JSON", async () => {
    const r = await whole(p, { kind: "truncate_json" });
    expect({ status: r.status, cut: r.cut, json: r.json, prefix: r.text.startsWith("{") }).toEqual({ status: 200, cut: false, json: undefined, prefix: true });
  });

  test("reset_after_events: half the body, then a reset", async () => {
    const r = await whole(p, { kind: "reset_after_events", n: 1 });
    expect({ status: r.status, cut: r.cut, json: r.json, some: r.text.length > 0 }).toEqual({ status: 200, cut: true, json: undefined, some: true });
  });

  test("malformed_chunk: a 200 whose body is not JSON", async () => {
    const r = await whole(p, { kind: "malformed_chunk" });
    expect({ status: r.status, json: r.json }).toEqual({ status: 200, json: undefined });
  });

  test("error_event_first: without a stream, the HTTP error it stands for", async () => {
    const r = await whole(p, { kind: "error_event_first" });
    expect(r.status).toBe(p === "anthropic" ? 529 : 503);
  });

  test("stream_stall: half the body, then silence until the cap resets it", async () => {
    const r = await whole(p, { kind: "stream_stall" }, capped.url);
    expect({ status: r.status, cut: r.cut, json: r.json }).toEqual({ status: 200, cut: true, json: undefined });
  });

  test("missing_terminator and slow_first_token answer in full", async () => {
    const a = await whole(p, { kind: "missing_terminator" });
    const b = await whole(p, { kind: "slow_first_token", delay_ms: 5 });
    expect([completion(p, a.json).stop, completion(p, b.json).stop]).toEqual([NORMAL_STOP[p], NORMAL_STOP[p]]);
  });
});

describe.each(PROTOCOL_NAMES)("%s connection faults", (p) => {
  test("reset_before_headers: no status at all", async () => {
    const m = member(p);
    await mockControl(mock.url).queue(m, { kind: "reset_before_headers" }, { kind: "reset_before_headers" });
    const outcomes = await Promise.all([true, false].map((stream) => send(mock.url, p, m, stream).then((r) => r.status, (e: unknown) => (e instanceof Error ? e.name : "?"))));
    expect(outcomes).toEqual(["TypeError", "TypeError"]);
  });

  test("hang_before_headers: held until the client leaves; then nothing is left waiting", async () => {
    const m = member(p);
    await mockControl(mock.url).queue(m, { kind: "hang_before_headers" });
    const abort = new AbortController();
    const res = send(mock.url, p, m, true, { signal: abort.signal }).then(() => "answered", (e: unknown) => (e instanceof Error ? e.name : "?"));
    await mock.waiting();
    abort.abort();
    expect(await res).toBe("AbortError");
    await mock.idle();
  });

  test("hang_after_headers: the client sees a 200, then nothing; cancelling frees the mock", async () => {
    const m = member(p);
    await mockControl(mock.url).queue(m, { kind: "hang_after_headers" });
    const res = await send(mock.url, p, m, false);
    expect(res.status).toBe(200);
    await mock.waiting();
    await res.body?.cancel();
    await mock.idle();
  });

  test("hang_before_headers ends at the cap with a reset", async () => {
    const m = member(p);
    await mockControl(capped.url).queue(m, { kind: "hang_before_headers" });
    expect(await send(capped.url, p, m, false).then((r) => r.status, (e: unknown) => (e instanceof Error ? e.name : "?"))).toBe("TypeError");
  });
});

test("a stall's timers end when the client cancels mid-stream", async () => {
  const m = member("anthropic");
  await mockControl(mock.url).queue(m, { kind: "stream_stall", n: 1 });
  const res = await send(mock.url, "anthropic", m, true);
  const reader = res.body?.getReader();
  let text = "";
  while (!text.includes("content_block_delta")) text += new TextDecoder().decode((await reader?.read())?.value);
  await mock.waiting();
  await reader?.cancel();
  await mock.idle();
});

test("pacing: event_delay_ms holds each event, and a reset lands after the gap that follows the n-th delta", async () => {
  const m = member("openai");
  await mockControl(mock.url).queue(m, { kind: "reset_after_events", n: 1, event_delay_ms: 40 });
  const res = await send(mock.url, "openai", m, true);
  const reader = res.body?.getReader();
  const seen: string[] = [];
  try {
    for (;;) {
      const { done, value } = await (reader?.read() ?? Promise.resolve({ done: true, value: undefined }));
      if (done) break;
      const evs = streamEvents("openai", value ?? new Uint8Array());
      seen.push(evs.some((e) => e.e === "text") ? "text" : "preamble");
    }
  } catch {
    seen.push("reset");
  }
  expect(seen).toEqual(["preamble", "text", "reset"]);
});

test("Gemini's JSON-array stream: an in-band error is an array element, and the array still closes", async () => {
  const m = "gem-array";
  await mockControl(mock.url).queue(m, { kind: "error_event_after", n: 1 }, { kind: "malformed_chunk", n: 1 });
  const go = async () => new TextDecoder().decode((await drain(await fetch(`${mock.url}/v1beta/models/${m}:streamGenerateContent`, { method: "POST", body: JSON.stringify({ contents: [{ parts: [{ text: "hi" }] }] }) }))).bytes);
  const withError: unknown = JSON.parse(await go());
  expect(Array.isArray(withError) ? withError.map((c) => ("error" in c ? c.error.status : "chunk")) : withError).toEqual(["chunk", "UNAVAILABLE"]);
  const broken = await go();
  expect({ starts: broken.startsWith("[{"), parses: (() => { try { JSON.parse(broken); return true; } catch { return false; } })() }).toEqual({ starts: true, parses: false });
});
