// platform.md §4.3 on real sockets: Bun's connection timer as the gateway moves it per request (body read timeout,
// lifted for the upstream wait and quiet streams, back on for the idle keep-alive), and max_inbound_concurrent.
// Bun sweeps its timers every 4 s, so a timeout of N s fires 4·⌈N/4⌉−4 to 4·⌈N/4⌉ s after it is armed
// (docs/security-limits.md); the timing bounds below are that wide. The waits run concurrently, under ~15 s.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";
import { ask, DIALECTS, MEMBER, nativeError, seen } from "./dialects.ts";
import { bodyOf, drip, rawConnect, statusOf } from "./raw-http.ts";

const HEADERS = { authorization: `Bearer ${CALLER_TOKEN}`, "content-type": "application/json" };

function post(gw: TestGateway, path: string, body: string, signal?: AbortSignal): Promise<Response> {
  return fetch(gw.url + path, { method: "POST", body, headers: HEADERS, signal });
}

/** A keep-alive HTTP/1.1 request with a body, as raw text. */
function rawPost(path: string, body: string, length = Buffer.byteLength(body)): string {
  return `POST ${path} HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${CALLER_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n${body}`;
}

// A scripted OpenAI upstream: `slow` thinks for 7 s before answering; `quiet` streams one chunk, is silent for 5 s,
// then finishes. Both are longer than the 2 s idle timer (which fires within 4 s), so it must be off meanwhile.
const CHUNK = (delta: object, finish: string | null = null) =>
  `data: ${JSON.stringify({ id: "c1", object: "chat.completion.chunk", created: 1, model: "m", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
const scripted = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const body = await req.json() as { model: string };
    if (body.model === "slow") {
      await Bun.sleep(7000);
      return Response.json({ id: "c1", object: "chat.completion", created: 1, model: "slow", choices: [{ index: 0, message: { role: "assistant", content: "late" }, finish_reason: "stop" }] });
    }
    const enc = new TextEncoder();
    return new Response(new ReadableStream({
      async start(c) {
        c.enqueue(enc.encode(CHUNK({ role: "assistant", content: "first" })));
        await Bun.sleep(5000);
        c.enqueue(enc.encode(CHUNK({}, "stop") + "data: [DONE]\n\n"));
        c.close();
      },
    }), { headers: { "content-type": "text/event-stream" } });
  },
});
afterAll(() => scripted.stop(true));

describe("the connection timer through a request", () => {
  // `lifted`: idle and body read timeouts both 2 s, so only the lift keeps a slow answer alive. `bodyBound`: a body
  // read timeout of 10 s (fires 8-12 s after the headers) apart from the 2 s idle timer (0-4 s), to show which one
  // bounds the body.
  let lifted: TestGateway;
  let bodyBound: TestGateway;
  const start = (limits: string) => startGateway({
      yaml: (m) => [
        `auth: { mode: token, client_tokens: ["${CALLER_TOKEN}"] }`,
        "providers:",
        `  up: { protocol: openai, base_url: "${m}", auth: none, allow_private_network: true }`,
        `  scripted: { protocol: openai, base_url: "http://127.0.0.1:${scripted.port}", auth: none, allow_private_network: true }`,
        "models:",
        "  plain: { provider: up, upstream_model: upstream-openai }",
        "  slow: { provider: scripted, upstream_model: slow }",
        "  quiet: { provider: scripted, upstream_model: quiet }",
        `limits: ${limits}`,
      ].join("\n"),
    });
  beforeAll(async () => {
    lifted = await start("{ idle_timeout_secs: 2, request_body_read_timeout_secs: 2 }");
    bodyBound = await start("{ idle_timeout_secs: 2, request_body_read_timeout_secs: 10 }");
  });
  afterAll(async () => { await lifted.stop(); await bodyBound.stop(); });

  test("lifted for a slow upstream and a quiet stream, put back for the idle keep-alive; the body has its own bound", async () => {
    const exchange = async (model: string, stream: boolean) => {
      const c = await rawConnect(lifted.url);
      const { path, body } = ask("openai", model, { stream });
      c.write(rawPost(path, body));
      const respondedAt = await Promise.race([c.responded, Bun.sleep(12_000).then(() => NaN)]);
      const closedAt = await Promise.race([c.closed, Bun.sleep(8000).then(() => Infinity)]);
      const text = bodyOf(c.received());
      return { status: statusOf(c.received()), complete: stream ? text.includes("[DONE]") : text.includes("late"), respondedAt, idleClose: closedAt - respondedAt };
    };
    // Body bytes do not reset Bun's timer: a body still arriving after request_body_read_timeout_secs is cut, even
    // though it never pauses for long. 10 s (cut at 8-12), not the 2 s idle timer (0-4): the edge re-arms it for the body.
    const dripping = async () => {
      const c = await rawConnect(bodyBound.url);
      const { path, body } = ask("openai", "plain");
      c.write(rawPost(path, "", body.length + 400));
      void drip(c, body + " ".repeat(400), 40); // ~20 s of body
      const closedAt = await c.closed;
      return { status: statusOf(c.received()), cut: closedAt > 7500 && closedAt < 13_000 };
    };
    const [s, q, d] = await Promise.all([exchange("slow", false), exchange("quiet", true), dripping()]);

    expect({ s: { ...s, respondedAt: s.respondedAt > 6900 }, q: { ...q, respondedAt: q.respondedAt > 4900 }, d }).toEqual({
      s: { status: 200, complete: true, respondedAt: true, idleClose: expect.any(Number) },
      q: { status: 200, complete: true, respondedAt: true, idleClose: expect.any(Number) },
      d: { status: undefined, cut: true },
    });
    // Back on after the response: an idle keep-alive connection is closed by the 2 s timer (within 4 s).
    expect([s.idleClose, q.idleClose].map((ms) => ms < 5000)).toEqual([true, true]);
    expect(bodyBound.mock.requests.length).toBe(0); // the dripped body never made it upstream
  }, 30_000);
});

describe("max_inbound_concurrent: 2", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: (m) => sixProtocolYaml(m, "limits: { max_inbound_concurrent: 2 }\n"), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  const OVERLOADED = "The gateway is handling too many requests at once; retry shortly.";

  test("the excess gets its dialect's overloaded error and Retry-After: 1 before its body is read; a stream holds its place to its end", async () => {
    const ctl = mockControl(gw.mock.url);
    // One stream on a native route (Anthropic), one through the Hono app (Gemini): both must hold their place.
    await ctl.queue(MEMBER.anthropic, { kind: "ok", events: 3, event_delay_ms: 300 });
    await ctl.queue(MEMBER.gemini, { kind: "ok", events: 12, event_delay_ms: 300 }); // Gemini has fewer frames: longer
    const streams = await Promise.all((["anthropic", "gemini"] as const).map((d) => {
      const { path, body } = ask(d, `pool-${d}`, { stream: true });
      return post(gw, path, body);
    }));
    expect(streams.map((r) => r.status)).toEqual([200, 200]); // both committed: headers are out, bodies still flowing

    const shed = [];
    for (const d of DIALECTS) {
      const { path, body } = ask(d, `pool-${d}`);
      const res = await post(gw, path, body);
      shed.push({ ...(await seen(res)), retryAfter: res.headers.get("retry-after") });
    }
    expect(shed).toEqual(DIALECTS.map((d) => ({ ...nativeError(d, "overloaded", OVERLOADED), retryAfter: "1" })));

    // Refused before the body: a request that declares a body and never sends it is answered at once.
    const c = await rawConnect(gw.url);
    c.write(rawPost("/v1/chat/completions", "", 100));
    await c.responded;
    expect(statusOf(c.received())).toBe(503);
    c.end();
    expect(gw.mock.requests.length).toBe(2);

    // The streams end: their places come back.
    const texts = await Promise.all(streams.map((r) => r.text()));
    expect([texts[0]!.includes("message_stop"), texts[1]!.includes('"finishReason":"STOP"')]).toEqual([true, true]);
    const after = await Promise.all(DIALECTS.slice(0, 2).map((d) => { const { path, body } = ask(d, `pool-${d}`); return post(gw, path, body); }));
    expect(after.map((r) => r.status)).toEqual([200, 200]);
  });

  test("a client that leaves mid-stream gives its place back", async () => {
    const ctl = mockControl(gw.mock.url);
    await ctl.queue(MEMBER.openai, { kind: "ok", events: 50, event_delay_ms: 100 }, { kind: "ok", events: 50, event_delay_ms: 100 });
    const aborts = [new AbortController(), new AbortController()];
    const streams = await Promise.all(aborts.map((a) => {
      const { path, body } = ask("openai", "pool-openai", { stream: true });
      return post(gw, path, body, a.signal);
    }));
    await Promise.all(streams.map(async (r) => { await r.body!.getReader().read(); }));
    for (const a of aborts) a.abort();
    await gw.mock.idle(); // the upstream calls were cut too
    const lane = gw.rt.resolver.lanes.get("m-openai")!;
    await waitFor(() => lane.state.permits.inUse === 0);
    const again = await Promise.all(DIALECTS.slice(0, 2).map((d) => { const { path, body } = ask(d, `pool-${d}`); return post(gw, path, body); }));
    expect(again.map((r) => r.status)).toEqual([200, 200]);
  });
});

async function waitFor(cond: () => boolean, ms = 2000): Promise<void> {
  const until = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > until) throw new Error("condition not reached");
    await Bun.sleep(10);
  }
}
