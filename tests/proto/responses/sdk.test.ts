// The official openai SDK parses what the Responses writers produce (protocols.md §10.1 (1)): a local server on
// port 0 answers `POST /v1/responses` with the writer's output, and the SDK's own stream helper accumulates it.
import { afterAll, beforeAll, expect, test } from "bun:test";
import OpenAI from "openai";
import { Ledger } from "../../../src/ir/ledger.ts";
import type { StreamEvent } from "../../../src/ir/stream.ts";
import { responsesCodec as codec } from "../../../src/proto/responses/codec.ts";
import { streamWriter } from "../../../src/proto/responses/stream.ts";
import { json, responseContext } from "./golden.ts";

/** What the next request gets: SSE text or a JSON body. */
let reply: { sse: string } | { json: unknown } = { json: {} };
let server: ReturnType<typeof Bun.serve>;
let client: OpenAI;

beforeAll(() => {
  server = Bun.serve({
    port: 0,
    fetch: () => "sse" in reply
      ? new Response(reply.sse, { headers: { "content-type": "text/event-stream" } })
      : Response.json(reply.json),
  });
  client = new OpenAI({ apiKey: "test", baseURL: `http://127.0.0.1:${server.port}/v1`, maxRetries: 0 });
});
afterAll(() => server.stop(true));

function written(events: StreamEvent[]): string {
  const w = streamWriter(responseContext(), new Ledger());
  return events.map((e) => w.write(e)).join("");
}

test("text parts and a function call streamed by the writer: finalResponse() and the event stream", async () => {
  reply = { sse: written(json("stream/write-text-tool.ir.json")) };
  const stream = client.responses.stream({ model: "pool", input: "hi" });
  const deltas: string[] = [];
  stream.on("response.output_text.delta", (e) => deltas.push(e.delta));
  const r = await stream.finalResponse();
  const got: Record<string, unknown> = {
    status: r.status,
    text: r.output_text,
    deltas,
    calls: r.output.flatMap((o) => o.type === "function_call" ? [{ call_id: o.call_id, name: o.name, arguments: o.arguments }] : []),
    usage: r.usage,
    model: r.model,
  };
  expect(got).toEqual({
    status: "completed",
    text: "A naïve 😀 \"plan\". More.",
    deltas: ["A na", "ïve 😀 \"plan\".", " More."],
    calls: [{ call_id: "call_bb1dG9vbHVfMDE", name: "get_weather", arguments: "{\"city\":\"Paris\",\"unit\":\"c\"}" }],
    usage: { input_tokens: 310, input_tokens_details: { cached_tokens: 256 }, output_tokens: 42, output_tokens_details: { reasoning_tokens: 0 }, total_tokens: 352 },
    model: "claude-sonnet-4-5",
  });
});

test("reasoning then an incomplete answer: reasoning text, wrapped signature, incomplete status", async () => {
  reply = { sse: written(json("stream/write-thinking.ir.json")) };
  const r = await client.responses.stream({ model: "pool", input: "hi" }).finalResponse();
  const reasoning = r.output.find((o) => o.type === "reasoning");
  expect({
    status: r.status,
    incomplete: r.incomplete_details,
    text: r.output_text,
    reasoning: reasoning?.type === "reasoning" ? { content: reasoning.content, encrypted: reasoning.encrypted_content } : undefined,
  }).toEqual({
    status: "incomplete",
    incomplete: { reason: "max_output_tokens" },
    text: "Once upon",
    reasoning: { content: [{ type: "reasoning_text", text: "Let me think." }], encrypted: Buffer.from("bbs1:anthropic:EqQBCkYIBRgC").toString("base64") },
  });
});

test("a mid-stream failure reaches the SDK as a failed response carrying the error", async () => {
  const w = streamWriter(responseContext(), new Ledger());
  reply = { sse: w.write({ t: "message_start" }) + w.write({ t: "block_start", index: 0, block: "text" }) + w.write({ t: "block_delta", index: 0, delta: { text: "par" } }) + w.fail("overloaded", "Upstream overloaded.") };
  const events: string[] = [];
  const stream = client.responses.stream({ model: "pool", input: "hi" });
  stream.on("event", (e) => events.push(e.type));
  const r = await stream.finalResponse();
  expect({ status: r.status, error: r.error, last: events.at(-1) }).toEqual({
    status: "failed", error: { code: "server_error", message: "Upstream overloaded." }, last: "response.failed",
  });
});

test("a non-streaming body from writeResponse: output_text and function calls", async () => {
  const ir = codec.readResponse(json("response/tool-calls.native.json"), new Ledger());
  reply = { json: codec.writeResponse(ir, responseContext(), new Ledger()) };
  const r = await client.responses.create({ model: "pool", input: "hi" });
  expect({ text: r.output_text, calls: r.output.filter((o) => o.type === "function_call").map((o) => o.type === "function_call" && o.arguments) }).toEqual({
    text: "Checking both.",
    calls: ["{\"city\":\"Paris\"}", "{\"city\": \"Rome\", \"unit\": \"c\"}"],
  });
});
