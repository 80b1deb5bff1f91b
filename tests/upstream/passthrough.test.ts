// The same-protocol contract (protocols.md §4): request bytes change only in `model`; responses are relayed
// byte for byte; streams flow as they arrive. The upstream here is a scripted server on port 0.
import { afterAll, beforeAll, expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import { buildRuntime } from "../../src/runtime.ts";
import { listen, type Listening } from "../../src/serve.ts";

let release: () => void = () => {};
let seenBody = "";
let seenPath = "";
const FIRST = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"role":"assistant","content":"hi"}}]}\n\n';
const REST = 'data: {"id":"c1","object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n';
const FIXED = '{"id":"x",  "weird" : [1.50, 2e10], "model":"upstream-m"}';

const upstream = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  async fetch(req) {
    seenBody = await req.text();
    seenPath = new URL(req.url).pathname;
    if (!seenBody.includes('"stream":true')) return new Response(FIXED, { headers: { "content-type": "application/json", "set-cookie": "a=b" } });
    // Send one content event, then hold the stream open until the test has read it through the gateway. The event
    // carries text: the gateway commits a stream at its first content-bearing event (reliability.md §8.3).
    const gate = new Promise<void>((r) => { release = r; });
    const enc = new TextEncoder();
    return new Response(new ReadableStream({
      async start(c) {
        c.enqueue(enc.encode(FIRST));
        await gate;
        c.enqueue(enc.encode(REST));
        c.close();
      },
    }), { headers: { "content-type": "text/event-stream" } });
  },
});

let gw: Listening;
beforeAll(() => {
  const loaded = loadConfig({
    configText: `providers:\n  up: { protocol: openai, base_url: "http://127.0.0.1:${upstream.port}", auth: none, allow_private_network: true }\nmodels:\n  m: { provider: up, upstream_model: "up/model-é" }\n`,
    configFile: "config.yaml", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {},
  });
  if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
  gw = listen(buildRuntime(loaded.config), "127.0.0.1", 0);
});
afterAll(async () => { await gw.stop(); await upstream.stop(true); });

test("request bytes change only in the model value; the response is relayed byte for byte", async () => {
  const body = '{\n  "messages": [{"role":"user","content":"é 🚀"}],\n  "model": "m",  "temperature": 0.70, "unknown_field": {"keep": true}\n}';
  const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } });
  expect(await res.text()).toBe(FIXED);
  expect(seenBody).toBe(body.replace('"model": "m"', '"model": "up/model-é"'));
  expect(seenPath).toBe("/v1/chat/completions");
  expect(res.headers.get("set-cookie")).toBeNull();
});

test("a stream's first event reaches the caller while the upstream is still holding the rest", async () => {
  const res = await fetch(`${gw.url}/v1/chat/completions`, {
    method: "POST", body: '{"model":"m","stream":true,"messages":[]}', headers: { "content-type": "application/json" },
  });
  const reader = res.body!.getReader();
  const first = await reader.read(); // would never resolve if the gateway buffered the whole stream
  expect(new TextDecoder().decode(first.value)).toBe(FIRST);
  release();
  let rest = "";
  for (let r = await reader.read(); !r.done; r = await reader.read()) rest += new TextDecoder().decode(r.value);
  expect(rest).toBe(REST);
});
