// The official openai SDK pointed straight at the mock: Chat Completions, Responses and embeddings.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { startMockUpstream } from "../../src/mock/index.ts";

const mock = startMockUpstream({ streamChunks: 4 });
const client = new OpenAI({ apiKey: "sk-test", baseURL: `${mock.url}/v1`, maxRetries: 0 });
afterAll(() => mock.stop());
beforeEach(() => mock.reset());

const PROMPT = "Tell me something about bus bars in switchgear.";

describe("chat completions", () => {
  test("non-stream reply echoes the model and reports usage", async () => {
    const res = await client.chat.completions.create({
      model: "gpt-mock",
      messages: [{ role: "system", content: "Be brief." }, { role: "user", content: PROMPT }],
    });
    const reply = `Hello from the busbar demo upstream (openai). You said: ${PROMPT}`;
    expect({ model: res.model, object: res.object, message: res.choices[0]?.message.content, finish: res.choices[0]?.finish_reason, usage: res.usage && { p: res.usage.prompt_tokens, c: res.usage.completion_tokens } })
      .toEqual({ model: "gpt-mock", object: "chat.completion", message: reply, finish: "stop", usage: { p: Math.ceil(("Be brief.".length + PROMPT.length) / 4), c: Math.ceil(reply.length / 4) } });
    expect(res.id).toMatch(/^chatcmpl-[0-9A-Za-z]{24}$/);
  });

  test("stream splits the reply into at most streamChunks deltas and sends usage only on request", async () => {
    const plain = await client.chat.completions.create({ model: "gpt-mock", stream: true, messages: [{ role: "user", content: PROMPT }] });
    const deltas: string[] = [];
    let usageChunks = 0;
    for await (const chunk of plain) {
      if (chunk.usage) usageChunks++;
      const d = chunk.choices[0]?.delta.content;
      if (d) deltas.push(d);
    }
    expect(deltas.length).toBe(4);
    expect(deltas.join("")).toBe(`Hello from the busbar demo upstream (openai). You said: ${PROMPT}`);
    expect(usageChunks).toBe(0);

    const withUsage = await client.chat.completions.create({
      model: "gpt-mock", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: PROMPT }],
    });
    const last: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const chunk of withUsage) last.push(chunk);
    const tail = last.at(-1);
    expect({ choices: tail?.choices, completion: tail?.usage?.completion_tokens })
      .toEqual({ choices: [], completion: Math.ceil(deltas.join("").length / 4) });
  });

  test("the SDK's stream helper assembles the final completion", async () => {
    const final = await client.chat.completions.stream({ model: "gpt-mock", messages: [{ role: "user", content: "hi" }] }).finalChatCompletion();
    expect(final.choices[0]?.message.content).toBe("Hello from the busbar demo upstream (openai). You said: hi");
  });
});

describe("responses", () => {
  test("non-stream response carries an output message and the SDK's output_text", async () => {
    const res = await client.responses.create({ model: "gpt-mock-r", input: PROMPT, instructions: "Be brief." });
    expect({ model: res.model, status: res.status, text: res.output_text, usage: res.usage?.input_tokens })
      .toEqual({ model: "gpt-mock-r", status: "completed", text: `Hello from the busbar demo upstream (responses). You said: ${PROMPT}`, usage: Math.ceil(("Be brief.".length + PROMPT.length) / 4) });
  });

  test("stream events are numbered without gaps and open the content part before any delta", async () => {
    const stream = await client.responses.create({ model: "gpt-mock-r", stream: true, input: [{ role: "user", content: "hello there" }] });
    const types: string[] = [];
    const seqs: number[] = [];
    for await (const ev of stream) {
      types.push(ev.type);
      seqs.push(ev.sequence_number);
    }
    expect(seqs).toEqual(types.map((_, i) => i));
    expect(types.slice(0, 4)).toEqual(["response.created", "response.in_progress", "response.output_item.added", "response.content_part.added"]);
    expect(types.slice(-4)).toEqual(["response.output_text.done", "response.content_part.done", "response.output_item.done", "response.completed"]);
    expect(types.filter((t) => t === "response.output_text.delta").length).toBe(4);
  });

  test("the SDK's responses.stream helper yields the final response", async () => {
    const runner = client.responses.stream({ model: "gpt-mock-r", input: "stream me" });
    let deltas = "";
    runner.on("response.output_text.delta", (ev) => {
      deltas += ev.delta;
    });
    const final = await runner.finalResponse();
    const text = "Hello from the busbar demo upstream (responses). You said: stream me";
    expect({ deltas, text: final.output_text, model: final.model }).toEqual({ deltas: text, text, model: "gpt-mock-r" });
  });
});

describe("embeddings", () => {
  test("vectors are deterministic unit vectors, decoded from the SDK's default base64", async () => {
    const a = await client.embeddings.create({ model: "emb-mock", input: ["alpha", "beta"] });
    const b = await client.embeddings.create({ model: "emb-mock", input: "alpha", encoding_format: "float" });
    const first = a.data[0]?.embedding ?? [];
    const norm = Math.sqrt(first.reduce((s, x) => s + x * x, 0));
    expect({ n: a.data.length, dims: first.length, model: a.model, same: b.data[0]?.embedding.map((x) => x.toFixed(6)), differs: a.data[1]?.embedding[0] !== first[0] })
      .toEqual({ n: 2, dims: 8, model: "emb-mock", same: first.map((x) => x.toFixed(6)), differs: true });
    expect(norm).toBeCloseTo(1, 5);
    expect(mock.requests.map((r) => r.protocol)).toEqual(["embeddings", "embeddings"]);
  });
});
