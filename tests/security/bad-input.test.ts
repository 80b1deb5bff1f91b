// The bad-input corpus (platform.md §4.6, issue #7 point 5) as one table × the six ingress dialects, against a real
// gateway, a real fault-injecting mock and a scripted rogue upstream. Each row: the input, the exact answer in the
// dialect's own envelope, the upstream calls it may cause, and then a normal request in that dialect, which must still
// be served. The main gateway admits ONE request at a time (max_inbound_concurrent: 1), so a row that leaked its
// inbound place would fail every row after it. Slow-client rows wait on Bun's real timers and run concurrently in a
// gateway with short timeouts. Behaviours chosen here are documented in docs/security-limits.md.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { jsonLogger } from "../../src/observe/log.ts";
import { CALLER_TOKEN, LANE_ENV, LANE_KEYS, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";
import { ask, authFailure, DIALECTS, type Dialect, MEMBER, MODEL_IN_PATH, modelNotFound, nativeError, pathFor, type Seen, seen } from "./dialects.ts";
import { bodyOf, drip, type RawConn, rawConnect, statusOf } from "./raw-http.ts";

const MAX_BODY = 33_554_432;
const BUFFER_CAP = 1 << 20; // limits.max_buffered_response_bytes here
const ERROR_BODY_CAP = 262_144; // limits.upstream_error_body_max_bytes (default)
const PARSE = "We could not parse the JSON body of your request.";
const NOT_UTF8 = "The request body is not valid UTF-8.";
const TOO_DEEP = "The request body nests JSON more than 128 levels deep.";
const TOO_LARGE = `Request body is larger than the ${MAX_BODY}-byte limit.`;
/** Must never appear in a log line: the parse-failure log carries a byte count only (B6). */
const BODY_MARKER = "MARKER-7f3c-do-not-log";

// ---- the rogue upstream: OpenAI protocol, misbehaving by model name ----

const rogueCancels = { n: 0 };
const FIVE_MB_ERROR = `{"error":{"message":"${"x".repeat(5_000_000)}","type":"server_error"}}`;
const rogue = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  idleTimeout: 0,
  async fetch(req) {
    const { model, stream } = await req.json() as { model: string; stream?: boolean };
    const enc = new TextEncoder();
    const endless = (first: string, next: () => string) => new ReadableStream<Uint8Array>({
      start(c) { c.enqueue(enc.encode(first)); },
      async pull(c) {
        await Bun.sleep(1);
        c.enqueue(enc.encode(next()));
      },
      cancel() { rogueCancels.n++; },
    }, { highWaterMark: 0 });
    switch (model) {
      // A 200 that never ends: a JSON body, or an event stream, as asked.
      case "endless":
        if (stream === true) {
          const chunk = (content: string) => `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 1, model, choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
          return new Response(endless(chunk("start "), () => chunk("more ".repeat(200))), { headers: { "content-type": "text/event-stream" } });
        }
        return new Response(endless('{"id":"c","object":"chat.completion","choices":[{"index":0,"message":{"role":"assistant","content":"', () => "a".repeat(65_536)),
          { headers: { "content-type": "application/json" } });
      // B16: a 5 MB error body, as an outage (500) and as a client fault (400).
      case "error500": return new Response(FIVE_MB_ERROR, { status: 500, headers: { "content-type": "application/json" } });
      case "error400": return new Response(FIVE_MB_ERROR, { status: 400, headers: { "content-type": "application/json" } });
      default: return new Response("unknown rogue model", { status: 404 });
    }
  },
});

/** The six mock lanes of sixProtocolYaml plus rogue models `r-<behaviour>` on an OpenAI-protocol provider. */
function yamlWithRogue(mock: string, limits: string): string {
  return sixProtocolYaml(mock, `limits: ${limits}\n`)
    .replace("providers:\n", `providers:\n  rogue: { protocol: openai, base_url: "http://127.0.0.1:${rogue.port}", auth: none, allow_private_network: true }\n`)
    .replace("models:\n", "models:\n" + ["endless", "error500", "error400"].map((m) => `  r-${m}: { provider: rogue, upstream_model: ${m} }\n`).join(""));
}

// ---- the gateways ----

let gw: TestGateway;
const logs: string[] = [];
let warmRss = 0;

beforeAll(async () => {
  gw = await startGateway({
    yaml: (m) => yamlWithRogue(m, `{ max_buffered_response_bytes: ${BUFFER_CAP}, max_inbound_concurrent: 1 }`),
    env: LANE_ENV,
    log: jsonLogger("debug", (l) => { logs.push(l); }),
  });
  for (let i = 0; i < 5; i++) for (const d of DIALECTS) expect(await normal(d)).toBe(200);
  Bun.gc(true);
  warmRss = process.memoryUsage().rss;
});
afterAll(async () => {
  await gw.stop();
  await rogue.stop(true);
});

const AUTH = { authorization: `Bearer ${CALLER_TOKEN}` };
const JSON_CT = { "content-type": "application/json" };

async function send(path: string, body: string | Uint8Array | ReadableStream<Uint8Array> | undefined, headers: Record<string, string> = { ...AUTH, ...JSON_CT }): Promise<Response> {
  return fetch(gw.url + path, { method: "POST", body, headers });
}

/**
 * A normal request in dialect `d`; its status. With one inbound place, a place still being handed back (a stream
 * cancelled a moment ago) is waited for briefly; a leaked place never comes back and fails the row.
 */
async function normal(d: Dialect, target: TestGateway = gw): Promise<number> {
  for (let i = 0; ; i++) {
    const { path, body } = ask(d, `pool-${d}`);
    const res = await fetch(target.url + path, { method: "POST", body, headers: { ...AUTH, ...JSON_CT } });
    await res.arrayBuffer();
    if ((res.status !== 503 && res.status !== 529) || i === 40) return res.status;
    await Bun.sleep(50);
  }
}

/** A raw request line + headers (+ body text), keep-alive. */
function rawRequest(path: string, headers: Record<string, string | number>, body = ""): string {
  const lines = Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join("");
  return `POST ${path} HTTP/1.1\r\nHost: gw\r\n${lines}\r\n${body}`;
}

const mockCalls = () => gw.mock.requests.length;

/** A declared length over the cap is refused from the headers alone: at once, and without an upstream call. */
async function declaredTooLarge(d: Dialect, length: number | string, body: string) {
  const before = mockCalls();
  const r = await rawExchange(rawRequest(pathFor(d), { ...AUTH, ...JSON_CT, "content-length": length }, body));
  r.conn.end();
  return {
    got: { status: r.status, body: JSON.parse(r.body) as unknown, fast: r.ms < 1000, upstream: mockCalls() - before },
    want: { status: nativeError(d, "too_large", TOO_LARGE).status, body: nativeError(d, "too_large", TOO_LARGE).body, fast: true, upstream: 0 },
  };
}
const utf8 = (s: string) => new TextEncoder().encode(s);

/** The body of dialect `d`'s normal request to its own pool, with its opening `{` replaced by `{<prefix>`. */
function bodyWith(d: Dialect, prefix: string, model = `pool-${d}`): { path: string; body: string } {
  const { path, body } = ask(d, model);
  return { path, body: body.replace(/^\{/, `{${prefix}`) };
}

async function waitFor(cond: () => boolean, ms = 5000): Promise<void> {
  const until = performance.now() + ms;
  while (!cond()) {
    if (performance.now() > until) throw new Error("condition not reached");
    await Bun.sleep(10);
  }
}

/** Every lane's permits are back (the attempt is over and delivered or abandoned). */
const permitsFree = () => [...gw.rt.resolver.lanes.values()].every((l) => l.state.permits.inUse === 0);

/** Reads a streamed answer until `bytes` have arrived, then the client leaves. */
async function readThenLeave(res: Response, ac: AbortController, bytes: number): Promise<number> {
  const reader = res.body!.getReader();
  let got = 0;
  while (got < bytes) {
    const r = await reader.read();
    if (r.done) break;
    got += r.value.byteLength;
  }
  ac.abort();
  await reader.cancel().catch(() => {});
  return got;
}

// ---- the table ----

interface Outcome {
  readonly got: unknown;
  readonly want: unknown;
}

interface Row {
  readonly id: string;
  /** Dialects the row applies to (default: all six). */
  readonly dialects?: readonly Dialect[];
  run(d: Dialect): Promise<Outcome>;
}

/** A fetch-based row: input → `Seen` plus the upstream calls it made. */
function exchange(input: (d: Dialect) => { path: string; body?: string | Uint8Array | ReadableStream<Uint8Array>; headers?: Record<string, string> }, want: (d: Dialect) => Seen, upstream: number | undefined = 0): Row["run"] {
  return async (d) => {
    const before = mockCalls();
    const i = input(d);
    const res = await send(i.path, i.body, i.headers);
    const s = await seen(res);
    return {
      got: { ...s, upstream: upstream === undefined ? undefined : mockCalls() - before },
      want: { ...want(d), upstream },
    };
  };
}

const ok = (): Seen => ({ status: 200, body: expect.anything(), amznType: undefined });

/** A raw-socket row: bytes in, the status line and body out (no dialect is possible where Bun answers itself). */
async function rawExchange(text: string): Promise<{ status: number | undefined; body: string; ms: number; conn: RawConn }> {
  const c = await rawConnect(gw.url);
  const t0 = performance.now();
  c.write(text);
  await Promise.race([c.responded, c.closed]);
  return { status: statusOf(c.received()), body: bodyOf(c.received()), ms: performance.now() - t0, conn: c };
}

const ROWS: Row[] = [
  {
    id: "B1 token mode, `Authorization: Bearer ` → native 401, no upstream call",
    run: exchange((d) => ({ ...ask(d, `pool-${d}`), headers: { authorization: "Bearer ", ...JSON_CT } }), authFailure),
  },
  {
    id: "B2 token wrong in its last char → the same native 401",
    run: exchange((d) => ({ ...ask(d, `pool-${d}`), headers: { authorization: `Bearer ${CALLER_TOKEN.slice(0, -1)}x`, ...JSON_CT } }), authFailure),
  },
  {
    id: "B3 `Authorization: Basic x` + a valid x-api-key → accepted",
    run: exchange((d) => ({ ...ask(d, `pool-${d}`), headers: { authorization: "Basic x", "x-api-key": CALLER_TOKEN, ...JSON_CT } }), ok, 1),
  },
  {
    id: "B4 Content-Length of the limit + 1 → native 413 at once, before the body; no upstream call",
    run: (d) => declaredTooLarge(d, MAX_BODY + 1, "{"),
  },
  {
    id: "B4 `Content-Length: 10737418240` and no body → native 413 at once; no upstream call",
    run: (d) => declaredTooLarge(d, "10737418240", ""),
  },
  {
    id: "a 64 MiB body, declared → native 413; chunked → cut at the cap, native 413",
    async run(d) {
      const before = mockCalls();
      const big = new Uint8Array(64 << 20).fill(0x20);
      const declared = await seen(await send(pathFor(d), big));
      let sent = 0;
      const chunk = big.subarray(0, 1 << 20);
      const chunked = await seen(await send(pathFor(d), new ReadableStream<Uint8Array>({
        pull(c) { if (sent++ < 64) c.enqueue(chunk); else c.close(); },
      })));
      return {
        got: { declared, chunked, read: sent <= 40, upstream: mockCalls() - before },
        want: { declared: nativeError(d, "too_large", TOO_LARGE), chunked: nativeError(d, "too_large", TOO_LARGE), read: true, upstream: 0 },
      };
    },
  },
  {
    id: "B5 ~20 KB of `[` → native 400 (depth guard)",
    run: exchange((d) => ({ path: pathFor(d), body: "[".repeat(20_000) }), (d) => nativeError(d, "invalid_request", TOO_DEEP)),
  },
  {
    id: "100 000-level nested JSON, well formed → native 400 before any value is built",
    run: exchange((d) => ({ path: pathFor(d), body: `{"a":${"[".repeat(100_000)}${"]".repeat(100_000)}}` }), (d) => nativeError(d, "invalid_request", TOO_DEEP)),
  },
  {
    id: "B6 malformed JSON → native 400; the log has the byte count only",
    async run(d) {
      const body = `{"model": "pool-${d}", "messages": [${BODY_MARKER}]}`;
      const before = logs.length;
      const r = await exchange(() => ({ path: pathFor(d), body }), (dd) => nativeError(dd, "invalid_request", PARSE))(d);
      const entry = logs.slice(before).map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l["msg"] === "request body refused");
      return {
        got: { ...(r.got as object), log: entry === undefined ? undefined : { kind: entry["kind"], bytes: entry["bytes"] } },
        want: { ...(r.want as object), log: { kind: "invalid_request", bytes: Buffer.byteLength(body) } },
      };
    },
  },
  {
    id: "truncated JSON → native 400",
    run: exchange((d) => ({ path: pathFor(d), body: ask(d, `pool-${d}`).body.slice(0, -7) }), (d) => nativeError(d, "invalid_request", PARSE)),
  },
  {
    id: "wrong content type: JSON as text/plain is accepted (as the vendors do); a form body is not JSON → native 400",
    async run(d) {
      const before = mockCalls();
      const plain = await seen(await send(pathFor(d), ask(d, `pool-${d}`).body, { ...AUTH, "content-type": "text/plain" }));
      const form = await seen(await send(pathFor(d), "model=x&messages=y", { ...AUTH, "content-type": "application/x-www-form-urlencoded" }));
      return {
        got: { plain: plain.status, form, upstream: mockCalls() - before },
        want: { plain: 200, form: nativeError(d, "invalid_request", PARSE), upstream: 1 },
      };
    },
  },
  {
    id: "invalid UTF-8 → native 400, declared or chunked; a genuine U+FFFD is served",
    async run(d) {
      const before = mockCalls();
      const { path, body } = bodyWith(d, '"zz_note":"caf~",');
      const badBytes = utf8(body);
      badBytes[badBytes.indexOf(0x7e)] = 0xe9; // "café" with a Latin-1 é: one stray 0xE9 byte
      const declared = await seen(await send(path, badBytes));
      const chunked = await seen(await send(path, new ReadableStream({ start(c) { c.enqueue(badBytes); c.close(); } })));
      const genuine = await seen(await send(path, bodyWith(d, '"zz_note":"\uFFFD",').body));
      return {
        got: { declared, chunked, genuine: genuine.status, upstream: mockCalls() - before },
        want: { declared: nativeError(d, "invalid_request", NOT_UTF8), chunked: nativeError(d, "invalid_request", NOT_UTF8), genuine: 200, upstream: 1 },
      };
    },
  },
  {
    id: "huge numbers (1e400, a 100-digit integer) do not crash; same-protocol they pass verbatim",
    async run(d) {
      const hundred = "1234567890".repeat(10);
      const { path, body } = bodyWith(d, `"zz_big":1e400,"zz_int":${hundred},`);
      const res = await seen(await send(path, body));
      const cross = d === "anthropic" ? "openai" : "anthropic";
      const x = bodyWith(d, `"zz_big":1e400,"zz_int":${hundred},`, `pool-${cross}`);
      const crossed = await seen(await send(x.path, x.body));
      return { got: { same: res.status, cross: crossed.status }, want: { same: 200, cross: 200 } };
    },
  },
  {
    id: "duplicate keys: the last wins, as JSON.parse has it",
    async run(d) {
      // Body-model dialects route on the last `model`; the others get a garbage first copy of their content key.
      const key = d === "gemini" ? "contents" : "messages";
      const dupe = MODEL_IN_PATH[d] ? `"${key}":"garbage",` : '"model":"no-such-pool",';
      const before = mockCalls();
      const r = await seen(await send(pathFor(d), bodyWith(d, dupe).body));
      return { got: { status: r.status, upstream: mockCalls() - before, model: gw.mock.requests.at(-1)!.model }, want: { status: 200, upstream: 1, model: MEMBER[d] } };
    },
  },
  {
    id: "unknown fields: passed through same-protocol, dropped or carried by the ledger cross-protocol; served",
    async run(d) {
      const extra = '"zz_unknown":{"nested":[1,{"x":null}]},';
      const same = await seen(await send(pathFor(d), bodyWith(d, extra).body));
      const passed = JSON.stringify(gw.mock.requests.at(-1)!.body).includes("zz_unknown");
      const cross = d === "anthropic" ? "openai" : "anthropic";
      const crossed = await seen(await send(bodyWith(d, extra, `pool-${cross}`).path, bodyWith(d, extra, `pool-${cross}`).body));
      return { got: { same: same.status, passed, cross: crossed.status }, want: { same: 200, passed: true, cross: 200 } };
    },
  },
  {
    id: "a header over Bun's 16 KiB cap → 431 with an empty body, from Bun itself; no upstream call",
    async run(d) {
      const before = mockCalls();
      const { body } = ask(d, `pool-${d}`);
      const r = await rawExchange(rawRequest(pathFor(d), { ...AUTH, ...JSON_CT, "x-big": "a".repeat(20_000), "content-length": Buffer.byteLength(body) }, body));
      await r.conn.closed;
      return {
        got: { status: r.status, body: r.body, closes: /\r\nconnection: close\r\n/i.test(r.conn.received()), upstream: mockCalls() - before },
        want: { status: 431, body: "", closes: true, upstream: 0 },
      };
    },
  },
  {
    id: "CRLF in a model name injects no header anywhere: native 404",
    async run(d) {
      const name = "gpt\r\nX-Injected: 1";
      const before = mockCalls();
      const { path, body } = ask(d, name);
      const res = await send(path, body);
      const headers = [...res.headers.keys()];
      return {
        got: { ...(await seen(res)), injected: headers.includes("x-injected"), upstream: mockCalls() - before },
        want: { ...modelNotFound(d, name), injected: false, upstream: 0 },
      };
    },
  },
  {
    id: "path traversal in a pool name: `%2f` is not a separator (a 404 naming it); dot segments are URL syntax; never a file",
    dialects: ["anthropic", "gemini", "bedrock"],
    async run(d) {
      const before = mockCalls();
      const path = d === "anthropic" ? "/..%2f..%2fetc/v1/messages" : d === "gemini" ? "/v1beta/models/..%2f..%2fetc:generateContent" : "/model/..%2f..%2fetc/converse";
      const r = await rawExchange(rawRequest(path, { ...AUTH, ...JSON_CT, "content-length": 2 }, "{}"));
      r.conn.end();
      // `/%2e%2e/…` is `/../…` (WHATWG URL, RFC 3986 §5.2.4): Bun resolves it before any handler, as any client would.
      const dots = await rawExchange(rawRequest("/%2e%2e/%2e%2e/etc/passwd", { ...AUTH, ...JSON_CT, "content-length": 2 }, "{}"));
      dots.conn.end();
      return {
        got: { status: r.status, body: JSON.parse(r.body) as unknown, dots: { status: dots.status, body: JSON.parse(dots.body) as unknown }, upstream: mockCalls() - before },
        want: {
          status: 404, body: modelNotFound(d, "../../etc").body,
          dots: { status: 404, body: nativeError("openai", "not_found", "Unknown request URL: POST /etc/passwd.").body },
          upstream: 0,
        },
      };
    },
  },
  {
    id: "`/%2e%2e/v1/messages` is `/v1/messages` after URL normalisation: answered exactly as that path",
    dialects: ["anthropic"],
    async run() {
      const body = JSON.stringify({ model: "no-such-pool", max_tokens: 5, messages: [{ role: "user", content: "x" }] });
      const r = await rawExchange(rawRequest("/%2e%2e/v1/messages", { ...AUTH, ...JSON_CT, "content-length": body.length }, body));
      r.conn.end();
      return { got: { status: r.status, body: JSON.parse(r.body) as unknown }, want: { status: 404, body: modelNotFound("anthropic", "no-such-pool").body } };
    },
  },
  {
    id: "B16 a 5 MB upstream error body: 256 KiB read; an outage is a bounded native 503/529, a 400 relays at most the cap",
    async run(d) {
      const outage = await send(ask(d, "r-error500").path, ask(d, "r-error500").body);
      const outageText = await outage.text();
      const fault = await send(ask(d, "r-error400").path, ask(d, "r-error400").body);
      const faultBytes = (await fault.arrayBuffer()).byteLength;
      return {
        got: { outage: outage.status, outageBytes: outageText.length < 1024, retryAfter: outage.headers.get("retry-after") !== null, fault: fault.status, faultBounded: faultBytes <= ERROR_BODY_CAP },
        want: { outage: nativeError(d, "overloaded", "").status, outageBytes: true, retryAfter: true, fault: 400, faultBounded: true },
      };
    },
  },
  {
    id: "B18 Cookie, X-Forwarded-For, X-Admin-Token, Forwarded from the client are absent at the mock",
    async run(d) {
      const { path, body } = ask(d, `pool-${d}`);
      const res = await send(path, body, { ...AUTH, ...JSON_CT, cookie: "session=s3cret", "x-forwarded-for": "10.0.0.1", "x-admin-token": "adm1n", forwarded: "for=10.0.0.1" });
      await res.arrayBuffer();
      const h = gw.mock.requests.at(-1)!.headers;
      const leaked = ["cookie", "x-forwarded-for", "x-admin-token", "forwarded"].filter((k) => k in h);
      return { got: { status: res.status, leaked, caller: JSON.stringify(h).includes(CALLER_TOKEN) }, want: { status: 200, leaked: [], caller: false } };
    },
  },
  {
    id: "a client that leaves mid-stream: the upstream call is cut, the lane permit and the inbound place come back",
    async run(d) {
      await mockControl(gw.mock.url).queue(MEMBER[d], { kind: "ok", events: 100, event_delay_ms: 50 });
      const ac = new AbortController();
      const { path, body } = ask(d, `pool-${d}`, { stream: true });
      const res = await fetch(gw.url + path, { method: "POST", body, headers: { ...AUTH, ...JSON_CT }, signal: ac.signal });
      const got = await readThenLeave(res, ac, 1);
      await gw.mock.idle(); // resolves once no mock request is held: the gateway cut its upstream call
      await waitFor(permitsFree);
      return { got: { status: res.status, read: got > 0, permits: permitsFree() }, want: { status: 200, read: true, permits: true } };
    },
  },
  {
    id: "an upstream 200 that never ends, non-streaming: same-protocol it commits at the cap and flows until the client leaves; cross-protocol a native 500",
    async run(d) {
      const cancels = rogueCancels.n;
      const ac = new AbortController();
      const { path, body } = ask(d, "r-endless");
      const res = await fetch(gw.url + path, { method: "POST", body, headers: { ...AUTH, ...JSON_CT }, signal: ac.signal });
      if (d === "openai") {
        const got = await readThenLeave(res, ac, 2 * BUFFER_CAP);
        await waitFor(() => rogueCancels.n > cancels && permitsFree());
        return { got: { status: res.status, flowed: got >= 2 * BUFFER_CAP }, want: { status: 200, flowed: true } };
      }
      const s = await seen(res);
      await waitFor(() => rogueCancels.n > cancels && permitsFree());
      return { got: s, want: nativeError(d, "server_error", "The upstream answer is larger than limits.max_buffered_response_bytes and cannot be translated.") };
    },
  },
  {
    id: "an upstream event stream that never ends: it is a stream, relayed or translated until the client leaves; the upstream is then cut",
    async run(d) {
      const cancels = rogueCancels.n;
      const ac = new AbortController();
      const { path, body } = ask(d, "r-endless", { stream: true });
      const res = await fetch(gw.url + path, { method: "POST", body, headers: { ...AUTH, ...JSON_CT }, signal: ac.signal });
      const got = await readThenLeave(res, ac, 256 * 1024);
      await waitFor(() => rogueCancels.n > cancels && permitsFree());
      return { got: { status: res.status, flowed: got >= 256 * 1024 }, want: { status: 200, flowed: true } };
    },
  },
  {
    id: "an invalid upstream event stream (cut mid-frame, no terminator) before commit: failover, then the native overloaded answer",
    async run(d) {
      await mockControl(gw.mock.url).queue(MEMBER[d], { kind: "truncate_json" });
      const { path, body } = ask(d, `pool-${d}`, { stream: true });
      const res = await send(path, body);
      return { got: await seen(res), want: nativeError(d, "overloaded", `Every upstream of 'pool-${d}' is unavailable or failed; retry later.`) };
    },
  },
];

describe("bad-input corpus × dialect (one request at a time)", () => {
  for (const row of ROWS) {
    test(row.id, async () => {
      const results = [];
      for (const d of row.dialects ?? DIALECTS) {
        const { got, want } = await row.run(d);
        // Whatever the input did, the gateway still serves this dialect normally.
        results.push({ d, got, want, after: await normal(d) });
      }
      expect(results.map((r) => ({ d: r.d, outcome: r.got, after: r.after })))
        .toEqual(results.map((r) => ({ d: r.d, outcome: r.want, after: 200 })));
    }, 60_000);
  }

  test("no log line carries a body: the marker in the malformed body never appears", () => {
    expect(logs.some((l) => l.includes(BODY_MARKER))).toBe(false);
    expect(logs.some((l) => l.includes("request body refused"))).toBe(true);
  });
});

describe("B19 passthrough, no caller credential, operator keys set", () => {
  let pt: TestGateway;
  beforeAll(async () => {
    pt = await startGateway({ yaml: (m) => sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: passthrough }"), env: LANE_ENV });
  });
  afterAll(() => pt.stop());

  test("the mock sees an empty credential in each protocol's native header, never the operator key", async () => {
    const seenAtMock = [];
    for (const d of DIALECTS) {
      const { path, body } = ask(d, `pool-${d}`);
      const res = await fetch(pt.url + path, { method: "POST", body, headers: JSON_CT });
      await res.arrayBuffer();
      const h = pt.mock.requests.at(-1)!.headers;
      const credential = d === "anthropic" ? h["x-api-key"] : d === "gemini" ? h["x-goog-api-key"] : h["authorization"];
      seenAtMock.push({ d, status: res.status, credential: (credential ?? "").replace(/^Bearer\s*/, ""), operatorKey: Object.values(LANE_KEYS).some((k) => JSON.stringify(h).includes(k)) });
    }
    expect(seenAtMock).toEqual(DIALECTS.map((d) => ({ d, status: expect.any(Number), credential: "", operatorKey: false })));
  });
});

describe("slow clients (idle 2 s, body read 3 s; Bun's 10 s pre-request timer), concurrently", () => {
  let slow: TestGateway;
  beforeAll(async () => {
    slow = await startGateway({ yaml: (m) => sixProtocolYaml(m, "limits: { idle_timeout_secs: 2, request_body_read_timeout_secs: 3 }\n"), env: LANE_ENV });
  });
  afterAll(() => slow.stop());

  test("B7 bodies dripping, B8 silence and slow headers are all closed without a response or an upstream call", async () => {
    const closedWithin = async (start: (c: RawConn) => void): Promise<{ status: number | undefined; closedAt: number }> => {
      const c = await rawConnect(slow.url);
      start(c);
      const closedAt = await Promise.race([c.closed, Bun.sleep(20_000).then(() => Infinity)]);
      return { status: statusOf(c.received()), closedAt };
    };
    const body = (d: Dialect) => ask(d, `pool-${d}`).body;
    const head = (d: Dialect, h: Record<string, string | number>) => rawRequest(pathFor(d), { ...AUTH, ...JSON_CT, ...h });
    const runs = await Promise.all([
      // B7: one byte every 200 ms: never quiet for long, yet cut once request_body_read_timeout_secs has passed.
      ...DIALECTS.map((d) => closedWithin((c) => { c.write(head(d, { "content-length": body(d).length + 100 })); void drip(c, body(d) + " ".repeat(100), 200); })),
      closedWithin((c) => {
        c.write(head("openai", { "transfer-encoding": "chunked" }));
        void drip(c, [...body("openai")].map((ch) => `1\r\n${ch}\r\n`).join(""), 40); // one-byte chunks
      }),
      // B8: connect and send nothing; and headers one byte at a time.
      closedWithin(() => {}),
      closedWithin((c) => { void drip(c, head("openai", { "content-length": 2 }), 200); }),
    ]);
    const bodyRuns = runs.slice(0, DIALECTS.length + 1);
    const quietRuns = runs.slice(DIALECTS.length + 1);
    expect({
      // Bun's timer sweeps every 4 s: a 3 s timeout fires at the first sweep after it is armed (0-4 s), Bun's own
      // 10 s pre-request timeout at the third (8-12 s). See docs/security-limits.md.
      bodies: bodyRuns.map((r) => ({ status: r.status, cut: r.closedAt < 5000 })),
      quiet: quietRuns.map((r) => ({ status: r.status, cut: r.closedAt > 7500 && r.closedAt < 13_000 })),
      upstream: slow.mock.requests.length,
    }).toEqual({
      bodies: bodyRuns.map(() => ({ status: undefined, cut: true })),
      quiet: quietRuns.map(() => ({ status: undefined, cut: true })),
      upstream: 0,
    });
    for (const d of DIALECTS) expect(await normal(d, slow)).toBe(200);
  }, 40_000);
});

test("after the whole corpus the gateway answers normally and its RSS is back near its plateau", async () => {
  for (const d of DIALECTS) expect(await normal(d)).toBe(200);
  Bun.gc(true);
  await Bun.sleep(100);
  Bun.gc(true);
  const grown = (process.memoryUsage().rss - warmRss) / (1 << 20);
  // The 64 MiB bodies and the 5 MB error bodies are part of the corpus; a leak of them per row would be far more.
  expect(grown).toBeLessThan(64);
});
