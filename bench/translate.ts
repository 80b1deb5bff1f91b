// Translation micro-benchmark (issue 4): CPU per ~32 KB request translated caller → IR → lane, per response
// translated lane → IR → caller, and stream translation throughput in events/s, for each ordered pair among
// the protocols that have codecs. Timings live here, never in unit tests. Usage: bun bench/translate.ts [--quick]
import { sequentialIds } from "../src/ir/ids.ts";
import { Ledger } from "../src/ir/ledger.ts";
import type { ProtocolName } from "../src/ir/protocol.ts";
import type { IrResponse } from "../src/ir/response.ts";
import type { StreamEvent } from "../src/ir/stream.ts";
import type { Codec, EgressOptions, JsonObject, ResponseContext } from "../src/proto/codec.ts";
import { PROTOCOLS } from "../src/proto/registry.ts";
import { StreamTranslator } from "../src/proto/translate.ts";

const QUICK = process.argv.includes("--quick");
const LANE: EgressOptions = { model: "lane-model", stream: false, defaultMaxTokens: 4096, reasoning: false, promptCaching: false };
const CTX: ResponseContext = { ids: sequentialIds(), now: () => 1_750_000_000_000, model: "m", includeUsage: true, reasoningContent: false };

/** A ~32 KB multi-turn conversation with tool calls, written in each protocol's own request shape. */
function request(p: ProtocolName): JsonObject {
  const turns = 30;
  const text = (i: number) => `turn ${i}: ${"lorem ipsum dolor sit amet ".repeat(11)}`;
  const args = (i: number) => JSON.stringify({ q: "x".repeat(80), i });
  switch (p) {
    case "openai": {
      const messages: unknown[] = [{ role: "system", content: "You are terse." }];
      for (let i = 0; i < turns; i++) {
        messages.push({ role: "user", content: text(i) });
        messages.push({ role: "assistant", content: null, tool_calls: [{ id: `call_${i}`, type: "function", function: { name: "lookup", arguments: args(i) } }] });
        messages.push({ role: "tool", tool_call_id: `call_${i}`, content: text(i) });
      }
      return { model: "m", messages, temperature: 0.7, tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }] };
    }
    case "responses": {
      const input: unknown[] = [];
      for (let i = 0; i < turns; i++) {
        input.push({ role: "user", content: [{ type: "input_text", text: text(i) }] });
        input.push({ type: "function_call", call_id: `call_${i}`, name: "lookup", arguments: args(i) });
        input.push({ type: "function_call_output", call_id: `call_${i}`, output: text(i) });
      }
      return { model: "m", instructions: "You are terse.", input, temperature: 0.7, tools: [{ type: "function", name: "lookup", parameters: { type: "object" } }] };
    }
    case "anthropic": {
      const messages: unknown[] = [];
      for (let i = 0; i < turns; i++) {
        messages.push({ role: "user", content: i === 0 ? text(i) : [{ type: "tool_result", tool_use_id: `toolu_${i - 1}`, content: text(i - 1) }, { type: "text", text: text(i) }] });
        messages.push({ role: "assistant", content: [{ type: "tool_use", id: `toolu_${i}`, name: "lookup", input: JSON.parse(args(i)) }] });
      }
      messages.push({ role: "user", content: [{ type: "tool_result", tool_use_id: `toolu_${turns - 1}`, content: "done" }] });
      return { model: "m", max_tokens: 1024, system: "You are terse.", messages, temperature: 0.7, tools: [{ name: "lookup", input_schema: { type: "object" } }] };
    }
    case "gemini": {
      const contents: unknown[] = [];
      for (let i = 0; i < turns; i++) {
        contents.push({ role: "user", parts: i === 0 ? [{ text: text(i) }] : [{ functionResponse: { name: "lookup", response: { output: text(i - 1) } } }, { text: text(i) }] });
        contents.push({ role: "model", parts: [{ functionCall: { name: "lookup", args: JSON.parse(args(i)) } }] });
      }
      contents.push({ role: "user", parts: [{ functionResponse: { name: "lookup", response: { output: "done" } } }] });
      return { systemInstruction: { parts: [{ text: "You are terse." }] }, contents, generationConfig: { temperature: 0.7 }, tools: [{ functionDeclarations: [{ name: "lookup", parameters: { type: "object" } }] }] };
    }
    case "bedrock": {
      const messages: unknown[] = [];
      for (let i = 0; i < turns; i++) {
        messages.push({ role: "user", content: i === 0 ? [{ text: text(i) }] : [{ toolResult: { toolUseId: `tooluse_${i - 1}`, content: [{ text: text(i - 1) }] } }, { text: text(i) }] });
        messages.push({ role: "assistant", content: [{ toolUse: { toolUseId: `tooluse_${i}`, name: "lookup", input: JSON.parse(args(i)) } }] });
      }
      messages.push({ role: "user", content: [{ toolResult: { toolUseId: `tooluse_${turns - 1}`, content: [{ text: "done" }] } }] });
      return { system: [{ text: "You are terse." }], messages, inferenceConfig: { temperature: 0.7 }, toolConfig: { tools: [{ toolSpec: { name: "lookup", inputSchema: { json: { type: "object" } } } }] } };
    }
    case "cohere": {
      const messages: unknown[] = [{ role: "system", content: "You are terse." }];
      for (let i = 0; i < turns; i++) {
        messages.push({ role: "user", content: text(i) });
        messages.push({ role: "assistant", tool_calls: [{ id: `lookup_${i}`, type: "function", function: { name: "lookup", arguments: args(i) } }] });
        messages.push({ role: "tool", tool_call_id: `lookup_${i}`, content: text(i) });
      }
      return { model: "m", messages, temperature: 0.7, tools: [{ type: "function", function: { name: "lookup", parameters: { type: "object" } } }] };
    }
    default:
      throw new Error(`no request builder for ${p}`);
  }
}

const REPLY: IrResponse = {
  content: [
    { kind: "text", text: "Here is what I found. ".repeat(20) },
    { kind: "tool_use", id: "t1", name: "lookup", input: { q: "paris", days: 3 } },
  ],
  stopReason: "tool_use",
  usage: { input: 900, output: 120, cacheRead: 100 },
  model: "lane-model",
  logprobs: [],
};

/** 200 text deltas, a tool call in 20 fragments, usage: 226 IR events. */
function streamEvents(): StreamEvent[] {
  const ev: StreamEvent[] = [{ t: "message_start", model: "lane-model", usage: { input: 900, output: 0 } }, { t: "block_start", index: 0, block: "text" }];
  for (let i = 0; i < 200; i++) ev.push({ t: "block_delta", index: 0, delta: { text: `word${i} ` } });
  ev.push({ t: "block_stop", index: 0 }, { t: "block_start", index: 1, block: { toolUse: { id: "t1", name: "lookup" } } });
  const args = JSON.stringify({ q: "y".repeat(190) });
  for (let i = 0; i < 20; i++) ev.push({ t: "block_delta", index: 1, delta: { partialJson: args.slice(i * 10, i * 10 + 10) } });
  ev.push({ t: "block_stop", index: 1 }, { t: "message_delta", stopReason: "tool_use", usage: { input: 900, output: 230 } }, { t: "message_stop" });
  return ev;
}

/** CPU µs per call: best of several batches, so GC and neighbours land in some batches but not the minimum. */
function cpuMicros(f: () => void, batch: number): number {
  for (let i = 0; i < batch; i++) f(); // warm the JIT
  let best = Infinity;
  for (let r = 0; r < (QUICK ? 3 : 10); r++) {
    const t0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) f();
    const d = process.cpuUsage(t0);
    best = Math.min(best, (d.user + d.system) / batch);
  }
  return best;
}

const enc = new TextEncoder();
const withCodec = Object.values(PROTOCOLS).filter((p) => p.codec !== undefined);
const rows: string[] = [];
for (const caller of withCodec) {
  for (const lane of withCodec) {
    if (caller === lane) continue;
    const ci = caller.codec as Codec;
    const le = lane.codec as Codec;
    const body = request(caller.name);
    const raw = JSON.stringify(body);
    const reqUs = cpuMicros(() => {
      const ledger = new Ledger();
      JSON.stringify(le.writeRequest(ci.readRequest(body, { raw, ledger }), LANE, ledger));
    }, QUICK ? 20 : 200);
    const laneReply = le.writeResponse(REPLY, CTX, new Ledger());
    const resUs = cpuMicros(() => {
      const ledger = new Ledger();
      JSON.stringify(ci.writeResponse(le.readResponse(laneReply, ledger), CTX, ledger));
    }, QUICK ? 20 : 500);
    const events = streamEvents();
    const w = le.streamWriter(CTX, new Ledger());
    // Bedrock's writer emits binary frames: keep bytes as bytes.
    const upstream = new Uint8Array(Buffer.concat(events.map((e) => {
      const out = w.write(e);
      return typeof out === "string" ? enc.encode(out) : out;
    })));
    const streamUs = cpuMicros(() => {
      const t = new StreamTranslator(le, ci, caller.name, CTX, new Ledger());
      t.push(upstream);
      t.end();
    }, QUICK ? 10 : 100);
    rows.push(`| ${caller.name} → ${lane.name} | ${(raw.length / 1024).toFixed(1)} KB | ${reqUs.toFixed(1)} | ${resUs.toFixed(1)} | ${((events.length / streamUs) * 1e6 / 1000).toFixed(0)}k |`);
  }
}

console.log(`Translation micro-benchmark — Bun ${Bun.version}, ${process.platform}-${process.arch}, CPU µs per call (best of batches)\n`);
console.log("| caller → lane | request size | request µs | response µs | stream events/s |");
console.log("|---|---:|---:|---:|---:|");
for (const r of rows) console.log(r);

// The Bedrock event-stream codec on its own: CPU per frame to encode and to decode a typical text-delta frame.
const { eventFrame, FrameDecoder } = await import("../src/proto/bedrock/eventstream.ts");
const payload = JSON.stringify({ contentBlockIndex: 0, delta: { text: "a few words of text " }, p: "abcdefghij" });
const frame = eventFrame("contentBlockDelta", payload)!;
const frames = new Uint8Array(Buffer.concat(Array.from({ length: 100 }, () => frame)));
const encUs = cpuMicros(() => { eventFrame("contentBlockDelta", payload); }, QUICK ? 200 : 5000);
const decUs = cpuMicros(() => { new FrameDecoder().push(frames); }, QUICK ? 10 : 200) / 100;
console.log(`\nBedrock event-stream codec (${frame.length}-byte text-delta frame): encode ${encUs.toFixed(2)} µs/frame, decode ${decUs.toFixed(2)} µs/frame`);
