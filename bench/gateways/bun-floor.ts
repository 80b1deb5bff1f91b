// The Bun floor: the least a Bun gateway can do. Bun.serve + fetch; parse the JSON body, rewrite
// `model`, stringify, forward, and pipe the answer back (streams untouched). Any Bun gateway stands on
// this, so busbar's CPU and latency budgets are stated as multiples of it (PERF-NOTES.md).
//
// Run as a script it is the server: `bun bench/gateways/bun-floor.ts <port> <upstream-url>`.
import { join } from "node:path";
import { bodyMaker } from "../bodies.ts";
import { freePort, spawnLogged, waitForPort } from "../spawn.ts";
import { chatHeaders, isStream, notServed, type CallKind, type CallOptions, type CallTarget, type Manifest, type StartContext, type StartResult } from "./types.ts";

/** What the floor maps caller model names to (the busbar pool names, so bodies match byte for byte). */
const MODEL_MAP: Readonly<Record<string, string>> = { "bench-openai": "mock-gpt", "bench-anthropic": "mock-claude" };

export function serveFloor(port: number, upstream: string): ReturnType<typeof Bun.serve> {
  return Bun.serve({
    hostname: "127.0.0.1",
    port,
    idleTimeout: 0,
    maxRequestBodySize: 64 * 1024 * 1024,
    async fetch(req) {
      const path = new URL(req.url).pathname;
      const body: unknown = JSON.parse(await req.text());
      if (typeof body === "object" && body !== null && "model" in body && typeof body.model === "string") {
        Object.assign(body, { model: MODEL_MAP[body.model] ?? body.model });
      }
      const headers: Record<string, string> = { "content-type": "application/json" };
      const version = req.headers.get("anthropic-version");
      if (version !== null) headers["anthropic-version"] = version;
      const up = await fetch(`${upstream}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
      return new Response(up.body, { status: up.status, headers: { "content-type": up.headers.get("content-type") ?? "application/json" } });
    },
  });
}

function floorCall(base: string, kind: CallKind, opts: CallOptions): CallTarget {
  const stream = isStream(kind);
  const size = opts.bytes === undefined ? {} : { bytes: opts.bytes };
  switch (kind) {
    case "openai":
    case "stream":
      return { call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "openai", model: "bench-openai", stream, nonce: opts.nonce, ...size }) } };
    case "anthropic":
    case "anthropic-stream":
      return { call: { url: `${base}/v1/messages`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "anthropic", model: "bench-anthropic", stream, nonce: opts.nonce, ...size }) } };
    case "cross":
      return notServed("the floor does not translate protocols");
    default: {
      const never: never = kind;
      throw new Error(`unknown call kind ${String(never)}`);
    }
  }
}

export const bunFloor: Manifest = {
  name: "bun-floor",
  describe: "minimal pass-through on Bun.serve + fetch: JSON.parse, rewrite `model`, JSON.stringify, forward (bench/gateways/bun-floor.ts)",
  async start(ctx: StartContext): Promise<StartResult> {
    const port = freePort();
    const child = spawnLogged("bun-floor", [process.execPath, join(ctx.repoRoot, "bench/gateways/bun-floor.ts"), String(port), ctx.upstream], {
      logPath: join(ctx.logDir, "bun-floor.log"),
      ...(ctx.cpus === undefined ? {} : { cpus: ctx.cpus }),
    });
    const ready = await waitForPort(child, port, 15_000);
    if (!ready.ok) {
      await child.stop();
      return { served: false, reason: ready.reason };
    }
    const base = `http://127.0.0.1:${port}`;
    return {
      served: true,
      running: { name: "bun-floor", version: `bun ${Bun.version}`, pid: child.pid, facts: { port }, call: (kind, opts) => floorCall(base, kind, opts), stop: () => child.stop() },
    };
  },
};

if (import.meta.main) {
  const port = Number(process.argv[2]);
  const upstream = process.argv[3] ?? "";
  if (!Number.isInteger(port) || !upstream.startsWith("http://127.0.0.1:")) {
    console.error("usage: bun bench/gateways/bun-floor.ts <port> http://127.0.0.1:<upstream-port>");
    process.exit(2);
  }
  const server = serveFloor(port, upstream);
  console.error(`bun-floor listening on http://127.0.0.1:${server.port} → ${upstream}`);
  const stop = () => { void server.stop(true).then(() => process.exit(0)); };
  process.once("SIGTERM", stop);
  process.once("SIGINT", stop);
}
