// platform.md §5.6 and §8 OBS-06: every log line is one JSON object with ts, level and msg; with
// `observability.access_log` each request gets one line; the request id a caller sees (x-request-id) is the
// one the upstream received as x-request-id and the one in the log. BUSBAR_LOG_FORMAT=text prints the same fields.
import { afterEach, describe, expect, test } from "bun:test";
import { mockControl } from "../../src/mock/index.ts";
import { jsonLogger } from "../../src/observe/log.ts";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

let gw: TestGateway | undefined;
afterEach(async () => {
  await gw?.stop();
  gw = undefined;
});

async function gateway(extra: string) {
  const lines: string[] = [];
  gw = await startGateway({
    yaml: (m) => `${sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: none }")}${extra}`,
    env: LANE_ENV,
    log: jsonLogger("debug", (l) => { lines.push(l); }),
  });
  return { g: gw, lines };
}

// The Anthropic lane: its answers carry `request-id`, not `x-request-id`, so the gateway's id is what the caller sees.
const chat = (url: string, headers: Record<string, string> = {}, model = "pool-anthropic") => fetch(`${url}/v1/chat/completions`, {
  method: "POST", headers: { "content-type": "application/json", ...headers },
  body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
});

describe("request ids", () => {
  test("minted once: returned and sent upstream as x-request-id, logged", async () => {
    const { g, lines } = await gateway("observability: { access_log: true }\n");
    const res = await chat(g.url);
    await res.text();
    const id = res.headers.get("x-request-id");
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(g.mock.requests.at(-1)?.headers["x-request-id"]).toBe(id!);
    const access = lines.map((l) => JSON.parse(l)).filter((o) => o.msg === "request");
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ level: "info", request_id: id, pool: "pool-anthropic", outcome: "ok", status: 200, attempts: 1, lane: "m-anthropic" });
  });

  test("a caller's sane x-request-id is kept end to end; a hostile one is replaced", async () => {
    const { g } = await gateway("");
    const kept = await chat(g.url, { "x-request-id": "trace-abc.123" });
    await kept.text();
    expect(kept.headers.get("x-request-id")).toBe("trace-abc.123");
    expect(g.mock.requests.at(-1)?.headers["x-request-id"]).toBe("trace-abc.123");
    const replaced = await chat(g.url, { "x-request-id": "a b <script>" });
    await replaced.text();
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  test("a same-protocol OpenAI answer keeps the vendor's own x-request-id", async () => {
    const { g } = await gateway("");
    const res = await chat(g.url, { "x-request-id": "mine-1" }, "pool-openai");
    await res.text();
    expect(g.mock.requests.at(-1)?.headers["x-request-id"]).toBe("mine-1");
    expect(res.headers.get("x-request-id")).not.toBe("mine-1");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});

describe("a stream's record", () => {
  test("is reported when its last byte is delivered, with the usage its final event carried", async () => {
    const { g, lines } = await gateway("observability: { access_log: true }\n");
    // Paced by the upstream, so the first bytes arrive while the rest is still being produced.
    await mockControl(g.mock.url).setDefault("upstream-anthropic", { kind: "ok", events: 4, event_delay_ms: 40 });
    const res = await fetch(`${g.url}/v1/chat/completions`, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "pool-anthropic", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open: the request is not over yet
    expect(lines.some((l) => JSON.parse(l).msg === "request")).toBe(false);
    while (!(await reader.read()).done);
    let access: Record<string, unknown> | undefined;
    while (access === undefined) {
      access = lines.map((l) => JSON.parse(l)).find((o) => o.msg === "request");
      if (access === undefined) await new Promise((r) => setImmediate(r));
    }
    expect(access).toMatchObject({ stream: true, outcome: "ok", lane: "m-anthropic", ingress_protocol: "openai" });
    expect(access["output_tokens"]).toBeGreaterThan(0);
    expect(access["input_tokens"]).toBeGreaterThan(0);
  });
});

describe("log lines", () => {
  test("every line is one JSON object with ts, level and msg; no access line unless asked", async () => {
    const { g, lines } = await gateway("");
    for (let i = 0; i < 3; i++) await (await chat(g.url)).text();
    await (await fetch(`${g.url}/v1/chat/completions`, { method: "POST", body: "{not json" })).text();
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) {
      expect(l.endsWith("\n")).toBe(true);
      const o = JSON.parse(l);
      expect(typeof o.ts).toBe("string");
      expect(Number.isNaN(Date.parse(o.ts))).toBe(false);
      expect(["debug", "info", "warn", "error"]).toContain(o.level);
      expect(typeof o.msg).toBe("string");
    }
    expect(lines.some((l) => JSON.parse(l).msg === "request")).toBe(false);
  });

  test("text format: the same fields as k=v, quoted when they need it", () => {
    const out: string[] = [];
    const log = jsonLogger("info", (l) => { out.push(l); }, "text");
    log.info("busbar listening", { url: "http://127.0.0.1:8080", tls: false, note: "two words" });
    log.debug("hidden");
    expect(out).toHaveLength(1);
    expect(out[0]).toMatch(/^\d{4}-\d\d-\d\dT[\d:.]+Z INFO  busbar listening url=http:\/\/127\.0\.0\.1:8080 tls=false note="two words"\n$/);
  });
});
