// holdUntilCommit after the commit point (reliability.md §8.3): how an upstream stream ends decides whether the lane
// records a mid-stream failure. A Gemini stream's terminator is EOF itself, so on a translated hop the caller's
// closing events ([DONE], message_stop) come out of the pipe's end(); that is a proper end, not a cut.
import { describe, expect, test } from "bun:test";
import { sequentialIds } from "../../src/ir/ids.ts";
import { Ledger } from "../../src/ir/ledger.ts";
import type { ProtocolName } from "../../src/ir/protocol.ts";
import { protocol } from "../../src/proto/registry.ts";
import { StreamTranslator } from "../../src/proto/translate.ts";
import { AttemptAbort } from "../../src/upstream/abort.ts";
import { crossPipe, holdUntilCommit, samePipe, type StreamPipe } from "../../src/upstream/stream.ts";

const enc = new TextEncoder();
const ctx = { ids: sequentialIds(), now: () => 1_750_000_000_000, model: "m", includeUsage: false, reasoningContent: false };

const gem = (text: string, finish?: string) =>
  `data: ${JSON.stringify({ candidates: [{ content: { role: "model", parts: [{ text }] }, index: 0, ...(finish !== undefined && { finishReason: finish }) }] })}\r\n\r\n`;

/** An upstream body of these SSE frames, each its own chunk, then a clean EOF. */
function upstream(frames: string[]): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(c) {
      for (const f of frames) c.enqueue(enc.encode(f));
      c.close();
    },
  });
}

function pipeFor(caller: ProtocolName, member: ProtocolName): StreamPipe {
  const up = protocol(member).codec!;
  if (caller === member) return samePipe(up, ctx);
  return crossPipe(new StreamTranslator(up, protocol(caller).codec!, caller, ctx, new Ledger()));
}

async function run(caller: ProtocolName, member: ProtocolName, frames: string[]) {
  const seen = { commits: 0, midstream: 0, released: 0 };
  const result = await holdUntilCommit({
    upstream: upstream(frames),
    pipe: pipeFor(caller, member),
    abort: new AttemptAbort(),
    timers: { dispatchedAt: performance.now(), deadlineAt: performance.now() + 60_000, attemptTimeoutMs: undefined, ttftMs: 60_000, gapMs: 60_000 },
    window: undefined,
    status: 200,
    headers: {},
    geminiJsonArray: false,
    onCommit: () => seen.commits++,
    onDeadline: () => {},
    onMidstreamFailure: () => seen.midstream++,
    release: () => seen.released++,
  });
  if (result.kind !== "committed") throw new Error(`expected a commit, got ${result.kind}`);
  const text = await result.res.text();
  return { ...seen, text };
}

describe("a Gemini upstream ending at EOF", () => {
  const whole = [gem("Hello "), gem("there "), gem("friend.", "STOP")];
  const cut = [gem("Hello "), gem("there ")];

  for (const caller of ["openai", "anthropic", "gemini"] as const) {
    test(`${caller} caller: a finished stream is a success, not a mid-stream failure`, async () => {
      const r = await run(caller, "gemini", whole);
      expect({ commits: r.commits, midstream: r.midstream, released: r.released }).toEqual({ commits: 1, midstream: 0, released: 1 });
      expect(r.text).not.toContain("error");
    });

    test(`${caller} caller: EOF before the finish chunk is a cut: one mid-stream failure and the caller's terminal error`, async () => {
      const r = await run(caller, "gemini", cut);
      expect({ commits: r.commits, midstream: r.midstream, released: r.released }).toEqual({ commits: 1, midstream: 1, released: 1 });
      expect(r.text).toContain("error");
    });
  }

  test("the translated caller still gets its own closing events", async () => {
    expect((await run("openai", "gemini", whole)).text.trimEnd().endsWith("data: [DONE]")).toBe(true);
    expect((await run("anthropic", "gemini", whole)).text).toContain("event: message_stop");
  });
});
