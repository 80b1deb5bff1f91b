// `busbar demo`: the banner's own curl lines, run verbatim, answer 200 in each protocol's shape.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { demoCurls } from "../../src/demo/banner.ts";
import { startDemo, type Demo } from "../../src/demo/index.ts";
import { silentLogger } from "../../src/observe/log.ts";

let demo: Demo;
beforeAll(() => { demo = startDemo(0, silentLogger); });
afterAll(() => demo.stop());

async function runCurl(command: string): Promise<{ status: number; body: string }> {
  const proc = Bun.spawn(["sh", "-c", `${command} -w '\\n%{http_code}'`], { stdout: "pipe", stderr: "pipe" });
  const out = await new Response(proc.stdout).text();
  await proc.exited;
  const nl = out.lastIndexOf("\n");
  return { status: Number(out.slice(nl + 1)), body: out.slice(0, nl) };
}

/** A protocol-correct reply: where each protocol puts the text. */
function replyText(label: string, body: string): string {
  if (label.includes("streaming")) return body.includes("data: [DONE]") ? "streamed" : "";
  const j = JSON.parse(body);
  switch (label) {
    case "OpenAI Chat": return j.choices[0].message.content;
    case "OpenAI Responses": return j.output[0].content[0].text;
    case "Anthropic Messages": return j.content[0].text;
    case "Gemini": return j.candidates[0].content.parts[0].text;
    case "Bedrock Converse": return j.output.message.content[0].text;
    case "Cohere v2": return j.message.content[0].text;
    default: throw new Error(`no expectation for ${label}`);
  }
}

test("the banner names the gateway and every curl line works as printed", async () => {
  expect(demo.banner).toContain(demo.gateway.url);
  const curls = demoCurls(demo.gateway.url);
  for (const c of curls) expect(demo.banner).toContain(c.command);
  const results = [];
  for (const c of curls) {
    const r = await runCurl(c.command);
    results.push({ label: c.label, status: r.status, ok: /Hello from the busbar demo upstream|streamed/.test(replyText(c.label, r.body)) });
  }
  expect(results).toEqual(curls.map((c) => ({ label: c.label, status: 200, ok: true })));
  // One mock protocol per line, so every protocol really was exercised.
  expect(new Set(demo.mock.requests.map((r) => r.protocol)).size).toBe(6);
});

test("demo-flaky: its first member fails ~30 % of requests, and every request still answers 200 through failover", async () => {
  const statuses: number[] = [];
  for (let i = 0; i < 30; i++) {
    const res = await fetch(`${demo.gateway.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "demo-flaky", messages: [{ role: "user", content: `hello ${i}` }] }),
    });
    statuses.push(res.status);
    await res.arrayBuffer();
  }
  expect(statuses.every((s) => s === 200)).toBe(true);
  const stats = (await (await fetch(`${demo.gateway.url}/stats`)).json()) as { pool_state: Record<string, { failovers: Record<string, number> }> };
  expect(stats.pool_state["demo-flaky"]!.failovers.transient_upstream).toBeGreaterThan(0);
});

test("the demo pool spans all six protocols and answers an Anthropic caller from any of them", async () => {
  const answered = new Set<string>();
  for (let i = 0; i < 6; i++) {
    const res = await fetch(`${demo.gateway.url}/v1/messages`, {
      method: "POST", headers: { "content-type": "application/json", "anthropic-version": "2023-06-01" },
      body: JSON.stringify({ model: "demo", max_tokens: 64, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { content: { text: string }[] };
    answered.add(/\((\w+)\)/.exec(body.content[0]!.text)?.[1] ?? "");
  }
  expect(answered).toEqual(new Set(["openai", "responses", "anthropic", "gemini", "bedrock", "cohere"]));
});
