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

describe("@tool and @think directives", () => {
  const ARGS = { city: "Paris", days: 3, note: "naïve 😀" };
  const ARGS_TEXT = '{"city":"Paris","days":3,"note":"naïve 😀"}';
  /** Tool-call replies count ceil(code points of names + argument texts / 4); reasoning adds ceil(13 / 4) = 4. */
  const toolTokens = (...names: string[]) => Math.ceil(names.reduce((n, name) => n + name.length + [...ARGS_TEXT].length, 0) / 4);

  test("chat: the message carries the tool call, reasoning_content and reasoning tokens", async () => {
    const res = await client.chat.completions.create({ model: "gpt-mock@tool=get_weather@think", messages: [{ role: "user", content: PROMPT }] });
    const choice = res.choices[0];
    const call = choice?.message.tool_calls?.[0];
    expect({
      finish: choice?.finish_reason,
      content: choice?.message.content,
      reasoning: choice?.message && "reasoning_content" in choice.message ? choice.message.reasoning_content : undefined,
      call: call?.type === "function" ? { id: call.id, name: call.function.name, args: JSON.parse(call.function.arguments) } : call,
      usage: [res.usage?.completion_tokens, res.usage?.completion_tokens_details?.reasoning_tokens],
    }).toEqual({
      finish: "tool_calls",
      content: null,
      reasoning: "Let me think.",
      call: { id: expect.stringMatching(/^call_[0-9A-Za-z]{24}$/), name: "get_weather", args: ARGS },
      usage: [toolTokens("get_weather") + 4, 4],
    });
    // The argument text is byte-for-byte the documented one (key order fixed).
    expect(call?.type === "function" ? call.function.arguments : "").toBe(ARGS_TEXT);
  });

  test("chat stream helper reassembles two parallel calls whose deltas interleave by index", async () => {
    const stream = client.chat.completions.stream({ model: "gpt-mock@tool=get_weather,get_time", messages: [{ role: "user", content: "hi" }] });
    const order: number[] = [];
    stream.on("chunk", (chunk) => {
      for (const d of chunk.choices[0]?.delta.tool_calls ?? []) order.push(d.index);
    });
    const final = await stream.finalChatCompletion();
    const calls = (final.choices[0]?.message.tool_calls ?? []).map((c) => (c.type === "function" ? [c.id, c.function.name, JSON.parse(c.function.arguments)] : c));
    expect({ calls, finish: final.choices[0]?.finish_reason, order }).toEqual({
      calls: [
        [expect.stringMatching(/^call_/), "get_weather", ARGS],
        [expect.stringMatching(/^call_/), "get_time", ARGS],
      ],
      finish: "tool_calls",
      // Each call opens (id, name, "") together with its first fragment, then the fragments alternate.
      order: [0, 0, 1, 1, 0, 1, 0, 1, 0, 1],
    });
    const ids = calls.map((c) => (Array.isArray(c) ? c[0] : undefined));
    expect(new Set(ids).size).toBe(2);
  });

  test("chat stream: reasoning_content deltas come before the content deltas", async () => {
    const stream = await client.chat.completions.create({ model: "gpt-mock@think", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] });
    const kinds: string[] = [];
    let reasoning = "";
    let reasoningTokens: number | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta;
      if (delta && "reasoning_content" in delta && typeof delta.reasoning_content === "string") {
        reasoning += delta.reasoning_content;
        kinds.push("reasoning");
      }
      if (delta?.content) kinds.push("content");
      if (chunk.usage) reasoningTokens = chunk.usage.completion_tokens_details?.reasoning_tokens;
    }
    expect({ reasoning, kinds: [...new Set(kinds)], reasoningTokens }).toEqual({ reasoning: "Let me think.", kinds: ["reasoning", "content"], reasoningTokens: 4 });
  });

  test("responses: function_call items after a signed reasoning item, status completed", async () => {
    const res = await client.responses.create({ model: "gpt-mock-r@tool=get_weather,get_time@think", input: PROMPT });
    expect({
      status: res.status,
      output: res.output.map((item) =>
        item.type === "function_call" ? [item.type, item.id, item.call_id, item.name, JSON.parse(item.arguments)]
        : item.type === "reasoning" ? [item.type, item.id, item.encrypted_content, item.content?.[0]?.text, item.summary[0]?.text]
        : [item.type]),
      usage: [res.usage?.output_tokens, res.usage?.output_tokens_details.reasoning_tokens],
    }).toEqual({
      status: "completed",
      output: [
        ["reasoning", expect.stringMatching(/^rs_/), "sig-responses-1", "Let me think.", "Let me think."],
        ["function_call", expect.stringMatching(/^fc_/), expect.stringMatching(/^call_/), "get_weather", ARGS],
        ["function_call", expect.stringMatching(/^fc_/), expect.stringMatching(/^call_/), "get_time", ARGS],
      ],
      usage: [toolTokens("get_weather", "get_time") + 4, 4],
    });
  });

  test("responses.stream(...).finalResponse() assembles the reasoning and the streamed arguments", async () => {
    const runner = client.responses.stream({ model: "gpt-mock-r@tool=get_weather@think", input: "stream me" });
    const counts: Record<string, number> = {};
    runner.on("event", (ev) => {
      counts[ev.type] = (counts[ev.type] ?? 0) + 1;
    });
    const final = await runner.finalResponse();
    const [reasoning, call] = final.output;
    expect({
      reasoning: reasoning?.type === "reasoning" ? [reasoning.content?.[0]?.text, reasoning.encrypted_content] : reasoning,
      call: call?.type === "function_call" ? [call.name, JSON.parse(call.arguments)] : call,
      n: final.output.length,
      deltas: [counts["response.reasoning_text.delta"], counts["response.function_call_arguments.delta"]],
    }).toEqual({ reasoning: ["Let me think.", "sig-responses-1"], call: ["get_weather", ARGS], n: 2, deltas: [3, 4] });
  });
});
