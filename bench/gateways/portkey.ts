// Portkey's open-source gateway (npm @portkey-ai/gateway, Node), installed by the harness into
// bench/.cache/portkey — never into busbar's package.json. Routed to the mock with its own headers:
// `x-portkey-provider` names the provider's wire format and `x-portkey-custom-host` the base URL
// (its README; 127.0.0.1 is on its default TRUSTED_CUSTOM_HOSTS list).
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bodyMaker } from "../bodies.ts";
import { freePort, runBounded, spawnLogged, waitForPort, which } from "../spawn.ts";
import { MOCK_MODELS } from "./direct.ts";
import { chatHeaders, isStream, type CallKind, type CallOptions, type CallTarget, type Manifest, type StartContext, type StartResult } from "./types.ts";

/** Pinned so runs compare like with like (the version in platform.md §7.3's field). */
export const PORTKEY_VERSION = "1.15.2";
const PACKAGE = "@portkey-ai/gateway";

function entry(cacheDir: string): string {
  return join(cacheDir, "portkey", "node_modules", "@portkey-ai", "gateway", "build", "start-server.js");
}

async function install(cacheDir: string, log: (l: string) => void): Promise<{ ok: true } | { ok: false; reason: string }> {
  const dir = join(cacheDir, "portkey");
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), '{ "private": true }\n');
  log(`portkey: npm install ${PACKAGE}@${PORTKEY_VERSION} → bench/.cache/portkey`);
  const r = await runBounded(["npm", "install", "--no-audit", "--no-fund", "--prefix", dir, `${PACKAGE}@${PORTKEY_VERSION}`], 300_000);
  if (r.code !== 0 || !existsSync(entry(cacheDir))) return { ok: false, reason: `npm install ${PACKAGE}@${PORTKEY_VERSION} failed: ${r.out.trim().split("\n").slice(-3).join(" ")}` };
  return { ok: true };
}

function portkeyCall(base: string, upstream: string, kind: CallKind, opts: CallOptions): CallTarget {
  const stream = isStream(kind);
  const size = opts.bytes === undefined ? {} : { bytes: opts.bytes };
  const route = (provider: "openai" | "anthropic") => ({
    "x-portkey-provider": provider,
    "x-portkey-custom-host": `${upstream}/v1`,
    // Portkey forwards this as the provider key (Bearer for OpenAI, x-api-key for Anthropic); the mock ignores it.
    authorization: "Bearer sk-bench-not-a-key",
  });
  switch (kind) {
    case "openai":
    case "stream":
      return { call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind, route("openai")), body: bodyMaker({ dialect: "openai", model: MOCK_MODELS.openai, stream, nonce: opts.nonce, ...size }) } };
    case "cross":
      // Portkey's core feature: an OpenAI-shaped call to an Anthropic provider, translated.
      return { call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind, route("anthropic")), body: bodyMaker({ dialect: "openai", model: MOCK_MODELS.anthropic, stream, nonce: opts.nonce, ...size }) } };
    case "anthropic":
    case "anthropic-stream":
      return {
        call: {
          url: `${base}/v1/messages`,
          headers: chatHeaders(kind, { ...route("anthropic"), "x-api-key": "sk-bench-not-a-key" }),
          body: bodyMaker({ dialect: "anthropic", model: MOCK_MODELS.anthropic, stream, nonce: opts.nonce, ...size }),
        },
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown call kind ${String(never)}`);
    }
  }
}

export const portkey: Manifest = {
  name: "portkey",
  describe: `Portkey gateway ${PORTKEY_VERSION} (npm ${PACKAGE}) on the machine's Node, --headless, NODE_ENV=production, bound to 127.0.0.1 by a preload`,
  async start(ctx: StartContext): Promise<StartResult> {
    const node = which("node");
    if (node === undefined) return { served: false, reason: "node is not on PATH" };
    if (!existsSync(entry(ctx.cacheDir))) {
      if (!ctx.allowInstall) return { served: false, skipped: true, reason: "skipped: not installed (smoke mode does not install; `bun bench/run.ts mock` does)" };
      if (which("npm") === undefined) return { served: false, reason: "npm is not on PATH" };
      const got = await install(ctx.cacheDir, ctx.log);
      if (!got.ok) return { served: false, reason: got.reason };
    }
    const nodeVersion = (await runBounded([node, "--version"], 10_000)).out.trim();
    const port = freePort();
    const preload = join(ctx.repoRoot, "bench", "gateways", "node-loopback.mjs");
    const child = spawnLogged("portkey", [node, "--import", preload, entry(ctx.cacheDir), `--port=${port}`, "--headless"], {
      logPath: join(ctx.logDir, "portkey.log"),
      cwd: join(ctx.cacheDir, "portkey"),
      env: { NODE_ENV: "production" },
      ...(ctx.cpus === undefined ? {} : { cpus: ctx.cpus }),
    });
    const ready = await waitForPort(child, port, 30_000);
    if (!ready.ok) {
      await child.stop();
      return { served: false, reason: ready.reason };
    }
    const base = `http://127.0.0.1:${port}`;
    return {
      served: true,
      running: {
        name: "portkey",
        version: `${PACKAGE}@${PORTKEY_VERSION} on node ${nodeVersion}`,
        pid: child.pid,
        facts: { port },
        call: (kind, opts) => portkeyCall(base, ctx.upstream, kind, opts),
        stop: () => child.stop(),
      },
    };
  },
};
