// The recorded-shape ConverseStream fixtures (tests/golden/bedrock/streams/*.bin), as frame lists. The .bin files
// are these frames encoded with Smithy's EventStreamCodec directly (not busbar's encoder), in the shapes AWS sends:
// text blocks start implicitly, tool arguments arrive as string fragments (an empty one first), payloads carry
// AWS's `p` padding. Regenerate with `bun tests/proto/bedrock/fixtures.ts`; stream.test.ts checks the files still
// equal this list.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { EventStreamCodec, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

export const STREAMS_DIR = join(import.meta.dir, "../../golden/bedrock/streams");

type FrameSpec = { event: string; payload: unknown } | { exception: string; payload: unknown } | { error: string; message: string };

const delta = (i: number, d: unknown, p = "abcdefgh") => ({ event: "contentBlockDelta", payload: { contentBlockIndex: i, delta: d, p } });
const stop = (i: number) => ({ event: "contentBlockStop", payload: { contentBlockIndex: i, p: "abcdefghijklmnopqr" } });
const start = { event: "messageStart", payload: { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW", role: "assistant" } };

export const STREAM_FIXTURES: Record<string, FrameSpec[]> = {
  "text-tool": [
    start,
    delta(0, { text: "Let me check " }),
    delta(0, { text: "the naïve 😀 weather." }, "ab"),
    stop(0),
    { event: "contentBlockStart", payload: { contentBlockIndex: 1, p: "abc", start: { toolUse: { name: "get_weather", toolUseId: "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q" } } } },
    delta(1, { toolUse: { input: "" } }),
    delta(1, { toolUse: { input: '{"city": ' } }),
    delta(1, { toolUse: { input: '"Par' } }),
    delta(1, { toolUse: { input: 'is", "units": ["c"]}' } }),
    stop(1),
    { event: "messageStop", payload: { p: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKL", stopReason: "tool_use" } },
    { event: "metadata", payload: { metrics: { latencyMs: 1234 }, p: "abcdefghijklmnopqrstu", usage: { inputTokens: 420, outputTokens: 88, totalTokens: 508 } } },
  ],
  thinking: [
    start,
    delta(0, { reasoningContent: { text: "Let me think: 6×7" } }),
    delta(0, { reasoningContent: { text: " = 42." } }),
    delta(0, { reasoningContent: { signature: "EqQBCkYIBxgCKkBbrsig==" } }),
    stop(0),
    delta(1, { reasoningContent: { redactedContent: "EmwKAhgBEgy3va3pzix/LafPsn4aDFIT" } }),
    stop(1),
    delta(2, { text: "It is 42." }),
    stop(2),
    { event: "messageStop", payload: { p: "abcdefghij", stopReason: "end_turn" } },
    {
      event: "metadata",
      payload: { metrics: { latencyMs: 2200 }, p: "abcde", usage: { cacheReadInputTokens: 2000, cacheWriteInputTokens: 100, inputTokens: 50, outputTokens: 120, totalTokens: 2270 } },
    },
  ],
  error: [
    start,
    delta(0, { text: "Partial answer" }),
    { exception: "throttlingException", payload: { message: "Too many tokens, please wait before trying again." } },
  ],
};

const codec = new EventStreamCodec(toUtf8, fromUtf8);
const str = (value: string) => ({ type: "string" as const, value });

function encode(f: FrameSpec): Uint8Array {
  let headers: MessageHeaders;
  let body: string;
  if ("event" in f) {
    headers = { ":event-type": str(f.event), ":content-type": str("application/json"), ":message-type": str("event") };
    body = JSON.stringify(f.payload);
  } else if ("exception" in f) {
    headers = { ":exception-type": str(f.exception), ":content-type": str("application/json"), ":message-type": str("exception") };
    body = JSON.stringify(f.payload);
  } else {
    headers = { ":error-code": str(f.error), ":error-message": str(f.message), ":message-type": str("error") };
    body = "";
  }
  return codec.encode({ headers, body: fromUtf8(body) });
}

/** A frame list as one byte stream. */
export function encodeFrames(frames: FrameSpec[]): Uint8Array {
  return new Uint8Array(Buffer.concat(frames.map(encode)));
}

if (import.meta.main) {
  for (const [name, frames] of Object.entries(STREAM_FIXTURES)) writeFileSync(join(STREAMS_DIR, `${name}.bin`), encodeFrames(frames));
}
