// busbar itself: a temp config with one lane per mock upstream and pool per row, started from source
// (`bun src/main.ts --config …`) or, with `--binary`, the compiled dist/busbar-linux-x64.
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bodyMaker } from "../bodies.ts";
import { freePort, runBounded, spawnLogged, waitForPort, type Child } from "../spawn.ts";
import { buildInfo } from "../../src/build-info.ts";
import { chatHeaders, isStream, type CallKind, type CallOptions, type CallTarget, type Manifest, type Running, type StartContext, type StartResult } from "./types.ts";

export const BINARY_PATH = "dist/busbar-linux-x64";
const BOOT_TIMEOUT_MS = 20_000;

/** Lane, model and pool names for one upstream; the delay-0 one has the brief's plain names. */
function suffix(delayMs: number, isPrimary: boolean): string {
  return isPrimary ? "" : `-d${delayMs}`;
}

/** The busbar config for the run's mocks (exported for the unit tests and for readers of summary.md). */
export function busbarConfigYaml(port: number, upstreams: ReadonlyMap<number, string>, primary: string, serverTiming: boolean): string {
  const lines = [`listen: "127.0.0.1:${port}"`, "auth: { mode: none }", "providers:"];
  const models: string[] = [];
  const pools: string[] = [];
  for (const [delay, url] of upstreams) {
    const s = suffix(delay, url === primary);
    lines.push(`  mock-openai${s}: { protocol: openai, base_url: "${url}", auth: none, allow_private_network: true }`);
    lines.push(`  mock-anthropic${s}: { protocol: anthropic, base_url: "${url}", auth: none, allow_private_network: true }`);
    // The soak drives 1 500 callers at once; the default admission cap (256) would turn that into 429s.
    models.push(`  gpt${s}: { provider: mock-openai${s}, upstream_model: mock-gpt, max_concurrent: 8192 }`);
    models.push(`  claude${s}: { provider: mock-anthropic${s}, upstream_model: mock-claude, max_concurrent: 8192 }`);
    pools.push(`  bench-openai${s}: { members: [ { target: gpt${s} } ] }`);
    pools.push(`  bench-anthropic${s}: { members: [ { target: claude${s} } ] }`);
    pools.push(`  bench-cross${s}: { members: [ { target: claude${s} } ] }   # OpenAI caller → Anthropic lane`);
  }
  // Issue 6: selection + breaker bookkeeping must not show in latency; the same lane three times over, as a pool.
  models.push(`  gpt-2: { provider: mock-openai, upstream_model: mock-gpt, max_concurrent: 8192 }`);
  models.push(`  gpt-3: { provider: mock-openai, upstream_model: mock-gpt, max_concurrent: 8192 }`);
  pools.push("  bench-openai-3: { members: [ { target: gpt }, { target: gpt-2 }, { target: gpt-3 } ] }");
  lines.push("models:", ...models, "pools:", ...pools);
  if (serverTiming) lines.push("observability: { emit_server_timing: true }");
  return `${lines.join("\n")}\n`;
}

function busbarCall(base: string, pool: (name: string) => string, kind: CallKind, opts: CallOptions): CallTarget {
  const stream = isStream(kind);
  const size = opts.bytes === undefined ? {} : { bytes: opts.bytes };
  const openai = (p: string) => ({
    call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "openai", model: pool(p), stream, nonce: opts.nonce, ...size }) },
  });
  switch (kind) {
    case "openai":
    case "stream":
      return openai("bench-openai");
    case "cross":
      return openai("bench-cross");
    case "anthropic":
    case "anthropic-stream":
      return {
        call: { url: `${base}/v1/messages`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "anthropic", model: pool("bench-anthropic"), stream, nonce: opts.nonce, ...size }) },
      };
    default: {
      const never: never = kind;
      throw new Error(`unknown call kind ${String(never)}`);
    }
  }
}

type ConfigFor = (port: number, serverTiming: boolean) => string;
type CallFor = (base: string, kind: CallKind, opts: CallOptions) => CallTarget;

async function boot(ctx: StartContext, configFor: ConfigFor, serverTiming: boolean, attempt: number): Promise<{ ok: true; port: number; child: Child } | { ok: false; reason: string; log: string }> {
  const port = freePort();
  const configPath = join(ctx.tmpDir, `busbar-${attempt}.yaml`);
  writeFileSync(configPath, configFor(port, serverTiming));
  const cmd = ctx.binary ? [join(ctx.repoRoot, BINARY_PATH), "--config", configPath] : [process.execPath, "src/main.ts", "--config", configPath];
  const child = spawnLogged("busbar", cmd, { logPath: join(ctx.logDir, "busbar.log"), cwd: ctx.repoRoot, env: { BUSBAR_LOG_LEVEL: "info" }, ...(ctx.cpus === undefined ? {} : { cpus: ctx.cpus }) });
  const ready = await waitForPort(child, port, BOOT_TIMEOUT_MS);
  if (ready.ok) return { ok: true, port, child };
  await child.stop();
  return { ok: false, reason: ready.reason, log: await Bun.file(child.logPath).text().catch(() => "") };
}

/** Boots busbar on a config of the caller's making; shared by mock mode and real mode. */
export async function startBusbar(ctx: StartContext, configFor: ConfigFor, callFor: CallFor): Promise<StartResult> {
  if (ctx.binary && !existsSync(join(ctx.repoRoot, BINARY_PATH))) return { served: false, reason: `--binary given but ${BINARY_PATH} is missing (bun build.ts --host-only)` };
  let serverTiming = true;
  let stNote = "requested (observability.emit_server_timing: true)";
  let booted = await boot(ctx, configFor, true, 1);
  // Until the observability key lands, the strict config loader rejects it: boot without it and say so.
  if (!booted.ok && /observability/.test(booted.log)) {
    ctx.log("busbar rejected `observability: { emit_server_timing: true }`; booting without it (Server-Timing will be n/a)");
    serverTiming = false;
    stNote = "this build rejects the `observability` config key";
    booted = await boot(ctx, configFor, false, 2);
  }
  if (!booted.ok) return { served: false, reason: booted.reason };
  const { port, child } = booted;
  const base = `http://127.0.0.1:${port}`;
  const version = ctx.binary ? (await runBounded([join(ctx.repoRoot, BINARY_PATH), "--version"], 10_000)).out.trim() : `busbar ${buildInfo().version} (source)`;
  const binary: Record<string, string | number> = ctx.binary ? { binary: BINARY_PATH, binary_bytes: statSync(join(ctx.repoRoot, BINARY_PATH)).size } : { run_from: "source (bun src/main.ts)" };
  return {
    served: true,
    running: {
      name: "busbar",
      version,
      pid: child.pid,
      facts: { port, server_timing_config: stNote, server_timing_requested: serverTiming, ...binary },
      call: (kind, opts) => callFor(base, kind, opts),
      stop: () => child.stop(),
    },
  };
}

export const POOL3_NAME = "busbar-pool3";

/**
 * The same busbar process seen through a 3-member pool (`bench-openai-3`) instead of the 1-member one: the side by
 * side then shows what selection and breaker bookkeeping add (issue 6). OpenAI chat only.
 */
export function pool3View(bb: Running): Running {
  const base = `http://127.0.0.1:${String(bb.facts.port)}`;
  return {
    ...bb,
    name: POOL3_NAME,
    call(kind, opts) {
      if (kind !== "openai" && kind !== "stream") return { notServed: "the 3-member pool row is OpenAI chat only" };
      const stream = kind === "stream";
      return { call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "openai", model: "bench-openai-3", stream, nonce: opts.nonce }) } };
    },
    stop: async () => {},
  };
}

export const busbar: Manifest = {
  name: "busbar",
  describe: "busbar under test: `bun src/main.ts --config <tmp>` (or `--binary`: dist/busbar-linux-x64), auth none, one lane per mock",
  start(ctx: StartContext): Promise<StartResult> {
    const bySuffix = new Map<string, string>();
    for (const [delay, url] of ctx.upstreams) bySuffix.set(url, suffix(delay, url === ctx.upstream));
    return startBusbar(
      ctx,
      (port, st) => busbarConfigYaml(port, ctx.upstreams, ctx.upstream, st),
      (base, kind, opts) => busbarCall(base, (p) => `${p}${bySuffix.get(opts.upstream ?? ctx.upstream) ?? ""}`, kind, opts),
    );
  },
};
