// The control API through its typed client: default, queue order, seeded mix, the request log, reset,
// validation; and the `@fault=` script in the model name and the `x-mock-fault` header.
import { afterAll, beforeEach, describe, expect, test } from "bun:test";
import { MockControlError, mockControl, parseMockArgs, startMockUpstream, type Behaviour } from "../../src/mock/index.ts";
import { parseStep } from "../../src/mock/script.ts";
import { strikeIndex } from "../../src/mock/timeline.ts";
import { contentFrame, metaFrame } from "../../src/mock/protocol.ts";

const mock = startMockUpstream({ faults: true, memberTag: true });
const plain = startMockUpstream({ faults: false });
const ctl = mockControl(mock.url);
afterAll(() => Promise.all([mock.stop(), plain.stop()]));
beforeEach(() => ctl.reset());

function chat(model: string, headers: Record<string, string> = {}, base = mock.url): Promise<Response> {
  return fetch(`${base}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
}

/** Statuses of `count` sequential requests (a reset shows as 0). */
async function statuses(model: string, count: number, headers: Record<string, string> = {}): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i++) out.push(await chat(model, headers).then(async (r) => (await r.arrayBuffer(), r.status), () => 0));
  return out;
}

describe("per-member behaviours", () => {
  test("the default applies to every request; one-shot queued behaviours go first, in order", async () => {
    await ctl.setDefault("a", { kind: "server_error" });
    const view = await ctl.queue("a", { kind: "rate_limited" }, { kind: "ok" }, { kind: "unauthorized" });
    expect(view).toMatchObject({ member: "a", default: { kind: "server_error" }, queue: [{ kind: "rate_limited" }, { kind: "ok" }, { kind: "unauthorized" }] });
    expect(await statuses("a", 5)).toEqual([429, 200, 401, 500, 500]);
    const log = await ctl.log("a");
    expect(log.requests.map((r) => [r.behaviour?.kind, r.source])).toEqual([
      ["rate_limited", "queue"], ["ok", "queue"], ["unauthorized", "queue"], ["server_error", "default"], ["server_error", "default"],
    ]);
    expect((await ctl.state("a")).counts).toEqual({ rate_limited: 1, ok: 1, unauthorized: 1, server_error: 2 });
  });

  test("members are independent, and the member is the model without its directives", async () => {
    await ctl.setDefault("a", { kind: "server_error" });
    expect(await statuses("b", 1)).toEqual([200]);
    expect(await statuses("a@think", 1)).toEqual([500]);
    const body: unknown = await (await chat("b@tool=x")).json();
    expect(body).toMatchObject({ choices: [{ finish_reason: "tool_calls" }] });
    expect((await ctl.members()).map((m) => [m.member, m.requests])).toEqual([["a", 1], ["b", 2]]);
  });

  test("Gemini and Bedrock members come from the URL, decoded once", async () => {
    const arn = "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.nova";
    await ctl.setDefault(arn, { kind: "overloaded" });
    await ctl.setDefault("gem-1", { kind: "unavailable" });
    const br = await fetch(`${mock.url}/model/${encodeURIComponent(`${arn}@think`)}/converse`, { method: "POST", body: "{}" });
    const gm = await fetch(`${mock.url}/v1beta/models/gem-1:generateContent`, { method: "POST", body: "{}" });
    expect([br.status, gm.status]).toEqual([529, 503]);
    expect((await ctl.log(arn)).requests.map((r) => [r.protocol, r.model])).toEqual([["bedrock", `${arn}@think`]]);
  });

  test("a seeded mix draws the same sequence for the same seed; zero weights are never drawn", async () => {
    const entries = [
      { weight: 2, behaviour: { kind: "ok" } },
      { weight: 1, behaviour: { kind: "server_error" } },
      { weight: 1, behaviour: { kind: "rate_limited" } },
      { weight: 0, behaviour: { kind: "unauthorized" } },
    ] satisfies { weight: number; behaviour: Behaviour }[];
    await ctl.mix("x", 42, entries);
    await ctl.mix("y", 42, entries);
    const x = await statuses("x", 40);
    const y = await statuses("y", 40);
    await ctl.mix("x", 42, entries);
    const again = await statuses("x", 40);
    await ctl.mix("z", 7, entries);
    const other = await statuses("z", 40);
    expect({ sameSeed: y, reset: again, otherSeed: JSON.stringify(other) === JSON.stringify(x) }).toEqual({ sameSeed: x, reset: x, otherSeed: false });
    expect(new Set(x)).toEqual(new Set([200, 500, 429]));
    expect(x.filter((s) => s === 200).length).toBeGreaterThan(10);
    expect((await ctl.state("x")).mix).toMatchObject({ seed: 42, drawn: 40 });
  });

  test("the queue goes before the mix, the mix before the default", async () => {
    await ctl.setDefault("q", { kind: "server_error" });
    await ctl.mix("q", 1, [{ weight: 1, behaviour: { kind: "overloaded" } }]);
    await ctl.queue("q", { kind: "forbidden" });
    const first = await statuses("q", 2);
    await ctl.clearMix("q");
    const after = await statuses("q", 1);
    await ctl.clearDefault("q");
    expect([...first, ...after, ...(await statuses("q", 1))]).toEqual([403, 529, 500, 200]);
  });

  test("the log keeps method, path, body, selected headers, credential presence and time", async () => {
    const t0 = Date.now();
    await chat("logged@think", { authorization: "Bearer secret", "anthropic-version": "2023-06-01" });
    const [r] = (await ctl.log("logged")).requests;
    expect(r).toEqual({
      seq: expect.any(Number),
      at: expect.any(Number),
      protocol: "openai",
      method: "POST",
      path: "/v1/chat/completions",
      query: "",
      model: "logged@think",
      stream: false,
      headers: { "content-type": "application/json", "anthropic-version": "2023-06-01", accept: "*/*", "user-agent": expect.any(String) },
      credentials: { authorization: true, "x-api-key": false, "x-goog-api-key": false },
      body: { model: "logged@think", messages: [{ role: "user", content: "hi" }] },
      behaviour: null,
      source: null,
    });
    expect(r !== undefined && r.at >= t0).toBe(true);
    expect(JSON.stringify(r)).not.toContain("secret");
  });

  test("reset(member) forgets one member; reset() forgets everything, the request log included", async () => {
    await ctl.setDefault("r1", { kind: "server_error" });
    await ctl.setDefault("r2", { kind: "server_error" });
    await statuses("r1", 1);
    await ctl.reset("r1");
    expect(await ctl.state("r1")).toEqual({ member: "r1", default: null, queue: [], mix: null, requests: 0, counts: {} });
    expect(await statuses("r1", 1)).toEqual([200]);
    expect(mock.requests.length).toBe(2);
    await ctl.reset();
    expect({ members: await ctl.members(), requests: mock.requests.length }).toEqual({ members: [], requests: 0 });
    expect(await statuses("r2", 1)).toEqual([200]);
  });

  test("bad input is a 400 naming the problem; unknown routes 404; wrong methods 405", async () => {
    const problems = await Promise.all([
      ctl.setDefault("v", { kind: "nope" } as unknown as Behaviour).catch((e: unknown) => e),
      ctl.setDefault("v", { kind: "reset_after_events", n: -1 }).catch((e: unknown) => e),
      ctl.mix("v", 1, [{ weight: 0, behaviour: { kind: "ok" } }]).catch((e: unknown) => e),
    ]);
    expect(problems.map((e) => (e instanceof MockControlError ? [e.status, e.message] : e))).toEqual([
      [400, expect.stringContaining("kind")],
      [400, expect.stringContaining("n:")],
      [400, "entries: at least one weight must be above 0"],
    ]);
    const raw = await Promise.all([
      fetch(`${mock.url}/__mock/members/v/nope`),
      fetch(`${mock.url}/__mock/members/v/default`, { method: "POST", body: "{}" }),
      fetch(`${mock.url}/__mock/members/v/queue`, { method: "POST", body: "{not json" }),
    ]);
    expect(raw.map((r) => r.status)).toEqual([404, 405, 400]);
  });

  test("without faults there is no control API, and no behaviour applies", async () => {
    const res = await fetch(`${plain.url}/__mock/members`);
    expect(res.status).toBe(404);
    expect((await chat("m@fault=server_error", {}, plain.url)).status).toBe(200);
  });
});

describe("scripts in the model name and the x-mock-fault header", () => {
  test("@fault= plays its steps in order and repeats the last", async () => {
    expect(await statuses("s1@fault=server_error;rate_limited:3;ok", 5)).toEqual([500, 429, 200, 200, 200]);
    const log = await ctl.log("s1");
    expect(log.requests[1]?.behaviour).toEqual({ kind: "rate_limited", retry_after: 3 });
  });

  test("@fault-cycle= repeats every step", async () => {
    expect(await statuses("s2@fault-cycle=ok;unavailable", 5)).toEqual([200, 503, 200, 503, 200]);
  });

  test("the header wins over the model; the control API wins over both", async () => {
    expect(await statuses("s3@fault=server_error", 1, { "x-mock-fault": "forbidden" })).toEqual([403]);
    await ctl.queue("s3", { kind: "ok" });
    expect(await statuses("s3@fault=server_error", 2)).toEqual([200, 500]);
  });

  test("a bad script is a 400 that says what is wrong", async () => {
    const res = await chat("s4@fault=reset_after:3");
    expect([res.status, await res.json()]).toEqual([400, { error: expect.objectContaining({ message: 'mock upstream: bad fault script: unknown behaviour "reset_after"' }) }]);
  });

  test("the legacy directives still apply when no behaviour does", async () => {
    const res = await chat("s5@status=503@retry-after=4");
    expect([res.status, res.headers.get("retry-after")]).toEqual([503, "4"]);
  });

  test("steps parse positional and key=value arguments into behaviours", () => {
    expect([
      parseStep("reset_after_events:3"),
      parseStep("error_event_after:2,overloaded_error"),
      parseStep("ok:events=5,stream=true,event_delay_ms=10"),
      parseStep("billing:1113,402"),
      parseStep("rate_limited:retry_after_date_secs=90"),
      parseStep("error:418,teapot,brewing"),
      parseStep("unavailable:soon"),
    ]).toEqual([
      { ok: true, value: { kind: "reset_after_events", n: 3 } },
      { ok: true, value: { kind: "error_event_after", n: 2, type: "overloaded_error" } },
      { ok: true, value: { kind: "ok", events: 5, stream: true, event_delay_ms: 10 } },
      { ok: true, value: { kind: "billing", code: "1113", status: 402 } },
      { ok: true, value: { kind: "rate_limited", retry_after_date_secs: 90 } },
      { ok: true, value: { kind: "error", status: 418, code: "teapot", type: "brewing" } },
      { ok: true, value: { kind: "unavailable", retry_after: "soon" } },
    ]);
    expect([parseStep("stream_stall:x").ok, parseStep("ok:1,2").ok, parseStep("ok:colour=red").ok, parseStep("hang_after_headers").ok]).toEqual([false, false, false, true]);
  });
});

test("the strike lands right after the n-th content frame, or after the last when there are fewer", () => {
  const frames = [metaFrame("open"), contentFrame("a"), metaFrame("mid"), contentFrame("b"), metaFrame("end")];
  expect([0, 1, 2, 9].map((n) => strikeIndex(frames, n))).toEqual([1, 2, 4, 4]);
  expect(strikeIndex(frames, "first")).toBe(0);
});

test("the CLI takes --member-tag and --hang-cap-ms", () => {
  expect(parseMockArgs(["--faults", "--member-tag", "--hang-cap-ms", "250"]))
    .toEqual({ ok: true, args: { help: false, options: { port: 9001, faults: true, memberTag: true, hangCapMs: 250 } } });
  expect(parseMockArgs(["--member-tag=yes"]).ok).toBe(false);
});
