// The gateway's own JavaScript cost per request, in-process: the real handler (admission, body, selection, breaker,
// failover loop, attempt, commit, translation) against a canned upstream answer, no sockets. Steadier than the
// socket harness on a shared VM, so it shows what a code change costs. Usage: bun bench/inproc.ts [openai|cross]
// (ROOT=<checkout> measures another checkout, e.g. a git worktree of an older commit.)
const root = process.env.ROOT ?? new URL("..", import.meta.url).pathname;
const { loadConfig } = await import(`${root}/src/config/load.ts`);
const { embeddedCatalogText } = await import(`${root}/src/config/catalog.ts`);
const { buildRuntime } = await import(`${root}/src/runtime.ts`);
const { nativeRoutes } = await import(`${root}/src/app.ts`);
const kind = process.argv[2] ?? "openai";
const cfg = `auth: { mode: none }
providers:
  mock-openai: { protocol: openai, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true }
  mock-anthropic: { protocol: anthropic, base_url: "http://127.0.0.1:9", auth: none, allow_private_network: true }
models:
  gpt: { provider: mock-openai, upstream_model: mock-gpt }
  claude: { provider: mock-anthropic, upstream_model: mock-claude }
pools:
  bench-openai: { members: [ { target: gpt } ] }
  bench-cross: { members: [ { target: claude } ] }
`;
const loaded = loadConfig({ configText: cfg, configFile: "c", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {} });
if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
const oaBody = JSON.stringify({ id: "chatcmpl-1", object: "chat.completion", created: 1, model: "mock-gpt", choices: [{ index: 0, message: { role: "assistant", content: "Hello from the busbar demo upstream (openai). You said: req xyz" }, finish_reason: "stop" }], usage: { prompt_tokens: 256, completion_tokens: 30, total_tokens: 286 } });
const anBody = JSON.stringify({ id: "msg_01abc", type: "message", role: "assistant", model: "mock-claude", content: [{ type: "text", text: "Hello from the busbar demo upstream (anthropic). You said: req xyz" }], stop_reason: "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 12 } });
const fakeFetch = async (url: URL) => new Response(url.pathname.includes("messages") ? anBody : oaBody, { status: 200, headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(url.pathname.includes("messages") ? anBody : oaBody)), "x-request-id": "up-1", date: "Sun", server: "mock" } });
const rt = buildRuntime(loaded.config, { fetch: fakeFetch as never });
const routes = nativeRoutes(rt);
const post = routes["/v1/chat/completions"]!.POST;
const pad = "lorem ipsum dolor sit amet ".repeat(35);
const model = kind === "cross" ? "bench-cross" : "bench-openai";
async function one(i: number) {
  const req = new Request("http://127.0.0.1:8080/v1/chat/completions", { method: "POST", headers: { "content-type": "application/json" }, body: `{"model":"${model}","stream":false,"messages":[{"role":"user","content":"req ${i} ${pad}"}]}` });
  const res = await post(req);
  await res.text();
}
for (let i = 0; i < 20000; i++) await one(i);
const N = 50000;
const c0 = process.cpuUsage();
for (let i = 0; i < N; i++) await one(i);
const c = process.cpuUsage(c0);
console.log(kind, ((c.user + c.system) / N).toFixed(2), "µs/req (in-process, canned upstream)");
