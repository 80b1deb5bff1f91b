// The official AWS SDK reads what the Bedrock writers produce (protocols.md §9.4, §10.1): ConverseStream over a
// real local socket (HTTP/1.1 through NodeHttpHandler: Bun does not serve HTTP/2), typed exceptions from
// exception frames, and Converse parsing writeResponse.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BedrockRuntimeClient, ConverseCommand, ConverseStreamCommand, InternalServerException, ThrottlingException,
} from "@aws-sdk/client-bedrock-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { sequentialIds } from "../../../src/ir/ids.ts";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import { bedrockCodec } from "../../../src/proto/bedrock/codec.ts";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { STREAMS_DIR } from "./fixtures.ts";

let server: ReturnType<typeof Bun.serve>;
let body: Uint8Array | string = "";
let contentType = "application/vnd.amazon.eventstream";
let seen = "";
beforeAll(() => {
  server = Bun.serve({
    port: 0,
    fetch: (req) => {
      seen = new URL(req.url).pathname;
      return new Response(body, { headers: { "content-type": contentType } });
    },
  });
});
afterAll(() => server.stop(true));

const client = () => new BedrockRuntimeClient({
  endpoint: `http://127.0.0.1:${server.port}`,
  region: "us-east-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY" },
  requestHandler: new NodeHttpHandler(),
  maxAttempts: 1,
});
const ctx = (): ResponseContext => ({ ids: sequentialIds(), now: () => 1_700_000_000_000, model: "m", includeUsage: false, reasoningContent: false });
const input = { modelId: "anthropic.claude-3-5-sonnet-20240620-v1:0", messages: [{ role: "user" as const, content: [{ text: "hi" }] }] };

function writeAll(evs: StreamEvent[], failWith?: Parameters<ReturnType<typeof bedrockCodec.streamWriter>["fail"]>): Uint8Array {
  const w = bedrockCodec.streamWriter(ctx(), new Ledger());
  const parts = evs.map((e) => w.write(e));
  if (failWith) parts.push(w.fail(...failWith));
  return Buffer.concat(parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p)));
}

async function collect(): Promise<unknown[]> {
  const res = await client().send(new ConverseStreamCommand(input));
  const out: unknown[] = [];
  for await (const ev of res.stream ?? []) out.push(ev);
  return out;
}

test("ConverseStream: the SDK decodes every frame — reasoning, text, tool input fragments, stop, usage", async () => {
  body = writeAll(JSON.parse(readFileSync(join(STREAMS_DIR, "writer-tool.ir.json"), "utf8")));
  contentType = "application/vnd.amazon.eventstream";
  const got = await collect();
  expect(seen).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse-stream");
  const text = got.flatMap((e) => {
    const d = (e as { contentBlockDelta?: { delta?: { text?: string } } }).contentBlockDelta?.delta?.text;
    return d === undefined ? [] : [d];
  }).join("");
  const args = got.flatMap((e) => {
    const d = (e as { contentBlockDelta?: { delta?: { toolUse?: { input?: string } } } }).contentBlockDelta?.delta?.toolUse?.input;
    return d === undefined ? [] : [d];
  }).join("");
  expect({ text, input: JSON.parse(args) }).toEqual({ text: "naïve 😀 ok", input: { city: "Paris" } });
  expect(got).toEqual([
    { messageStart: { role: "assistant" } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { text: "Plan: call f." } } } },
    { contentBlockDelta: { contentBlockIndex: 0, delta: { reasoningContent: { signature: "YmJzMTphbnRocm9waWM6YW4tc2lnLTE=" } } } },
    { contentBlockStop: { contentBlockIndex: 0 } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { text: "naïve 😀" } } },
    { contentBlockDelta: { contentBlockIndex: 1, delta: { text: " ok" } } },
    { contentBlockStop: { contentBlockIndex: 1 } },
    { contentBlockStart: { contentBlockIndex: 2, start: { toolUse: { toolUseId: "tooluse_bb1Y2FsbF8x", name: "get_weather" } } } },
    { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: '{"city"' } } } },
    { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: ': "Par' } } } },
    { contentBlockDelta: { contentBlockIndex: 2, delta: { toolUse: { input: 'is"}' } } } },
    { contentBlockStop: { contentBlockIndex: 2 } },
    { messageStop: { stopReason: "tool_use" } },
    { metadata: { usage: { inputTokens: 120, outputTokens: 42, totalTokens: 182, cacheReadInputTokens: 20 }, metrics: { latencyMs: 0 } } },
  ]);
});

test("ConverseStream: redacted reasoning arrives as bytes the SDK hands back unchanged", async () => {
  body = writeAll([
    { t: "message_start" },
    { t: "block_start", index: 0, block: "redacted_thinking" },
    { t: "block_delta", index: 0, delta: { redacted: "r-an", origin: "anthropic" } },
    { t: "block_stop", index: 0 },
    { t: "message_delta", stopReason: "end_turn", usage: { input: 1, output: 1 } },
    { t: "message_stop" },
  ]);
  const got = await collect();
  const bytes = (got[1] as { contentBlockDelta: { delta: { reasoningContent: { redactedContent: Uint8Array } } } }).contentBlockDelta.delta.reasoningContent.redactedContent;
  expect(Buffer.from(bytes).toString("utf8")).toBe("bbs1:anthropic:r-an");
});

for (const [kind, type] of [["rate_limit", ThrottlingException], ["server_error", InternalServerException]] as const) {
  test(`ConverseStream: fail(${kind}) surfaces as the SDK's typed ${type.name}`, async () => {
    body = writeAll([{ t: "message_start" }, { t: "block_start", index: 0, block: "text" }, { t: "block_delta", index: 0, delta: { text: "par" } }], [kind, "Upstream gave up."]);
    const seenEvents: unknown[] = [];
    const err = await (async () => {
      const res = await client().send(new ConverseStreamCommand(input));
      for await (const ev of res.stream ?? []) seenEvents.push(ev);
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(type);
    expect({ message: (err as Error).message, events: seenEvents.length }).toEqual({ message: "Upstream gave up.", events: 2 });
  });
}

test("Converse: the SDK parses writeResponse (wrapped reasoning signature, tool input object, usage)", async () => {
  const native = JSON.parse(readFileSync(join(STREAMS_DIR, "../responses/thinking.native.json"), "utf8"));
  const ir = bedrockCodec.readResponse(native, new Ledger());
  ir.content.push({ kind: "tool_use", id: "tooluse_bb1eA", name: "f", input: { a: [1, 2] } });
  body = JSON.stringify(bedrockCodec.writeResponse(ir, ctx(), new Ledger()));
  contentType = "application/json";
  const res = await client().send(new ConverseCommand(input));
  expect(seen).toBe("/model/anthropic.claude-3-5-sonnet-20240620-v1%3A0/converse");
  const content = res.output?.message?.content ?? [];
  expect({
    reasoning: content[0]?.reasoningContent?.reasoningText,
    redacted: Buffer.from(content[1]?.reasoningContent?.redactedContent ?? new Uint8Array()).toString("utf8"),
    text: content[2]?.text,
    tool: content[3]?.toolUse,
    stopReason: res.stopReason,
    usage: res.usage,
  }).toEqual({
    reasoning: { text: "The user wants 6*7.", signature: "YmJzMTpiZWRyb2NrOkVxUUJDa1lJQnhnQ0trQmJyc2lnPT0=" },
    redacted: "bbs1:bedrock:EmwKAhgBEgy3va3pzix/LafPsn4aDFIT",
    text: "42.",
    tool: { toolUseId: "tooluse_bb1eA", name: "f", input: { a: [1, 2] } },
    stopReason: "end_turn",
    usage: { inputTokens: 50, outputTokens: 120, totalTokens: 170 },
  });
});
