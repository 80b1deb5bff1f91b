// The dashboard's screenshots (issue #10 item 5; docs/dashboard.md): a real busbar in front of the mock upstream, a
// real Prometheus scraping it every second, a scripted minute and a half of traffic, then every panel of
// deploy/grafana/busbar.json rendered with its own PromQL in Prometheus's graph page by headless Chromium.
// Grafana is not used: it cannot be installed where this was written (docs/dashboard.md says why).
//
//   bun scripts/dashboard-screenshot.ts [--seconds 80] [--range 2m] [--out docs/img/dashboard]
//
// Needs `prometheus` on PATH (Debian: apt-get install prometheus) and Chromium (apt-get install chromium; or set
// CHROME=/path/to/chrome). Loopback only; everything lives in a temp dir; every process it starts is stopped, on
// error or Ctrl-C too; the whole run is capped at HARD_LIMIT_MS. Run by hand, not by `bun test`: the parsing helpers
// below are exported for tests/observe/dashboard.test.ts, and nothing runs on import.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import * as v from "valibot";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import type { Behaviour, MixEntry } from "../src/mock/control.ts";
import { mockControl } from "../src/mock/control.ts";

export const REPO = resolve(import.meta.dir, "..");
export const DASHBOARD_PATH = join(REPO, "deploy/grafana/busbar.json");
export const PROMETHEUS_EXAMPLE_PATH = join(REPO, "deploy/prometheus/prometheus.yml");

// ---- the dashboard, parsed at the edge ----

/** Every query must go to the datasource chosen at import, so the JSON imports cleanly anywhere. */
const DatasourceRef = v.object({ type: v.literal("prometheus"), uid: v.literal("${DS_PROMETHEUS}") });

const TargetSchema = v.object({
  refId: v.string(),
  datasource: DatasourceRef,
  expr: v.pipe(v.string(), v.minLength(1)),
  legendFormat: v.optional(v.string()),
});

const PanelSchema = v.object({
  id: v.number(),
  type: v.picklist(["timeseries", "state-timeline", "stat", "bargauge", "table"]),
  title: v.pipe(v.string(), v.minLength(1)),
  description: v.optional(v.string()),
  datasource: DatasourceRef,
  gridPos: v.object({ h: v.number(), w: v.number(), x: v.number(), y: v.number() }),
  targets: v.pipe(v.array(TargetSchema), v.minLength(1)),
});

const VariableSchema = v.object({
  name: v.string(),
  type: v.string(),
  datasource: v.optional(DatasourceRef),
  definition: v.optional(v.string()),
  includeAll: v.optional(v.boolean()),
  multi: v.optional(v.boolean()),
});

export const DashboardSchema = v.object({
  __inputs: v.array(v.object({ name: v.string(), label: v.string(), description: v.optional(v.string()), type: v.string(), pluginId: v.string(), pluginName: v.string() })),
  uid: v.string(),
  title: v.string(),
  schemaVersion: v.number(),
  panels: v.pipe(v.array(PanelSchema), v.minLength(1)),
  templating: v.object({ list: v.array(VariableSchema) }),
});
export type Dashboard = v.InferOutput<typeof DashboardSchema>;
export type Panel = Dashboard["panels"][number];

export function readDashboard(path = DASHBOARD_PATH): Dashboard {
  return v.parse(DashboardSchema, JSON.parse(readFileSync(path, "utf8")));
}

/** Values for the Grafana variables the panels use; nothing else may appear after a `$`. */
export interface GrafanaVars {
  /** A regex, as Grafana renders a multi-value variable for `=~`. */
  readonly pool: string;
  /** What Grafana would pick for `$__rate_interval`, a PromQL duration. */
  readonly rateInterval: string;
}

/** The expression Prometheus receives; throws on a variable this does not know, so the dashboard cannot drift. */
export function concreteExpr(expr: string, vars: GrafanaVars): string {
  const out = expr
    .replaceAll(/\$__rate_interval\b|\$\{__rate_interval\}/g, vars.rateInterval)
    .replaceAll(/\$pool\b|\$\{pool\}/g, vars.pool);
  const left = /\$\{?[A-Za-z_]\w*/.exec(out);
  if (left !== null) throw new Error(`unknown Grafana variable ${left[0]} in ${expr}`);
  return out;
}

/** File name for a panel's image: `07-time-to-first-token-p50-p99.png`. */
export function panelSlug(p: Panel): string {
  const words = p.title.toLowerCase().replaceAll(/[^a-z0-9]+/g, "-").replaceAll(/^-|-$/g, "");
  return `${String(p.id).padStart(2, "0")}-${words}`;
}

// ---- the run ----

const HARD_LIMIT_MS = 5 * 60_000;
const ADMIN_TOKEN = "dashboard-admin-token-0123456789";
const METRICS_TOKEN = "dashboard-metrics-token-0123456789";
const RATE_INTERVAL = "15s";
/** Wide enough that the longest expression fits the graph page's one-line expression box. */
const SHOT_WIDTH = 1280;

interface Child {
  readonly name: string;
  readonly proc: ReturnType<typeof Bun.spawn>;
  /** Everything the child wrote to the watched stream so far (kept for error messages). */
  text(): string;
}

const children: Child[] = [];

/** Spawns `cmd` and resolves once `stream` has printed text matching every pattern; keeps draining it afterwards. */
async function spawnUntil(name: string, cmd: string[], stream: "stdout" | "stderr", patterns: RegExp[]): Promise<{ child: Child; found: string[] }> {
  const proc = Bun.spawn(cmd, {
    cwd: REPO,
    env: { PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? tmpdir() },
    stdin: "ignore",
    stdout: stream === "stdout" ? "pipe" : "ignore",
    stderr: stream === "stderr" ? "pipe" : "ignore",
  });
  let text = "";
  const child: Child = { name, proc, text: () => text };
  children.push(child);
  const source = (stream === "stdout" ? proc.stdout : proc.stderr) as ReadableStream<Uint8Array>;
  const reader = source.getReader();
  const decoder = new TextDecoder();
  const found = () => patterns.map((p) => p.exec(text)?.[1]);
  for (;;) {
    const got = found();
    if (got.every((g) => g !== undefined)) {
      void (async () => {
        for (;;) {
          const r = await reader.read().catch(() => ({ done: true as const, value: undefined }));
          if (r.done) return;
          text = (text + decoder.decode(r.value, { stream: true })).slice(-200_000);
        }
      })();
      return { child, found: got as string[] };
    }
    const { done, value } = await reader.read();
    if (done) throw new Error(`${name} exited before it was ready:\n${text}`);
    text += decoder.decode(value, { stream: true });
  }
}

let stopping: Promise<void> | undefined;

/** SIGTERM to every child, newest first, then SIGKILL to any still running after 5 s. Safe to call twice. */
function stopAll(): Promise<void> {
  stopping ??= (async () => {
    for (const c of children.splice(0).reverse()) {
      if (c.proc.exitCode !== null || c.proc.signalCode !== null) continue;
      c.proc.kill("SIGTERM");
      const exited = await Promise.race([c.proc.exited.then(() => true), Bun.sleep(5000).then(() => false)]);
      if (!exited) c.proc.kill("SIGKILL");
    }
  })().finally(() => { stopping = undefined; });
  return stopping;
}

function freePort(): number {
  const s = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const port = s.port;
  s.stop(true);
  return port;
}

/** Polls `probe` until it holds; this is a script, so waiting on wall time is the point. */
async function waitFor(what: string, signal: AbortSignal, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    signal.throwIfAborted();
    if (await probe().catch(() => false)) return;
    await Bun.sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

function busbarYaml(mock: string, dir: string): string {
  const upstream = (p: string) => `{ protocol: ${p}, base_url: "${mock}", auth: none, allow_private_network: true }`;
  return `# Written by scripts/dashboard-screenshot.ts: three keyless providers on the mock upstream, three pools.
listen: "127.0.0.1:0"
auth: { mode: token }
providers:
  up-openai: ${upstream("openai")}
  up-anthropic: ${upstream("anthropic")}
  up-gemini: ${upstream("gemini")}
models:
  gpt-a: { provider: up-openai, upstream_model: gpt-a, max_concurrent: 64 }
  claude-b: { provider: up-anthropic, upstream_model: claude-b, max_concurrent: 64 }
  gemini-c: { provider: up-gemini, upstream_model: gemini-c, max_concurrent: 64 }
  solo-d: { provider: up-openai, upstream_model: solo-d, max_concurrent: 64 }
pools:
  chat:
    members: [ { target: gpt-a, weight: 4 }, { target: claude-b, weight: 1 } ]
    breaker: { base_cooldown_secs: 4, max_cooldown_secs: 8, trip: { mode: error_rate, window_s: 10, threshold: 0.5, min_requests: 5 } }
  stream:
    members: [ { target: claude-b }, { target: gemini-c } ]
  batch:
    members: [ { target: solo-d } ]
    breaker: { base_cooldown_secs: 3, max_cooldown_secs: 6, trip: { mode: consecutive, n: 3 } }
governance:
  enabled: true
  store: { kind: memory }
  rate_card:
    gpt-a: { input_cents_per_mtok: 250, output_cents_per_mtok: 1000 }
    claude-b: { input_cents_per_mtok: 300, output_cents_per_mtok: 1500 }
    gemini-c: { input_cents_per_mtok: 125, output_cents_per_mtok: 500 }
    solo-d: { input_cents_per_mtok: 50, output_cents_per_mtok: 200 }
admin: { listen: "127.0.0.1:0", token_file: "${join(dir, "admin-token")}" }
metrics: { token_file: "${join(dir, "metrics-token")}" }
observability: { emit_server_timing: true }
`;
}

/** deploy/prometheus/prometheus.yml, aimed at this run: 1 s scrapes, this busbar, this token file. */
function prometheusYaml(busbarHostPort: string, tokenFile: string): string {
  const base: unknown = parseYaml(readFileSync(PROMETHEUS_EXAMPLE_PATH, "utf8"));
  const Example = v.object({
    global: v.record(v.string(), v.unknown()),
    scrape_configs: v.tuple([v.looseObject({ authorization: v.looseObject({ credentials_file: v.string() }), static_configs: v.array(v.unknown()) })]),
  });
  const c = v.parse(Example, base);
  const job = c.scrape_configs[0];
  return stringifyYaml({
    ...c,
    global: { ...c.global, scrape_interval: "1s", evaluation_interval: "1s" },
    scrape_configs: [{ ...job, scrape_interval: "1s", authorization: { ...job.authorization, credentials_file: tokenFile }, static_configs: [{ targets: [busbarHostPort] }] }],
  });
}

/** A pacing mix: mostly quick, a slow tail, so p50 and p99 part. */
function latencies(ms: readonly [number, number, number]): MixEntry[] {
  return [
    { weight: 6, behaviour: { kind: "ok", first_event_delay_ms: ms[0] } },
    { weight: 3, behaviour: { kind: "ok", first_event_delay_ms: ms[1] } },
    { weight: 1, behaviour: { kind: "ok", first_event_delay_ms: ms[2] } },
  ];
}
const only = (b: Behaviour): MixEntry[] => [{ weight: 1, behaviour: b }];

interface Traffic {
  readonly gateway: string;
  readonly mock: string;
  readonly keyA: string;
  readonly keyB: string;
  readonly seconds: number;
  readonly log: (line: string) => void;
  readonly signal: AbortSignal;
}

/**
 * The scenario, on a 200 ms tick (about 14 requests/s). Phases are fractions of `seconds` so a shorter run keeps
 * its shape: healthy; gpt-a failing every call (chat fails over to claude-b, gpt-a's cell trips and re-probes);
 * one-off context_length refusals at claude-b and cut streams at gemini-c; solo-d unavailable (batch has no other
 * member, so it exhausts); recovery. Client errors throughout: a 400 queued at gemini-c every ~1.2 s, and key B's
 * rpm limit, which it reaches late in the run.
 */
async function drive(t: Traffic): Promise<void> {
  const ctl = mockControl(t.mock);
  await ctl.mix("gpt-a", 1, latencies([20, 60, 250]));
  await ctl.mix("claude-b", 2, latencies([40, 120, 400]));
  await ctl.mix("gemini-c", 3, latencies([30, 90, 300]));
  await ctl.mix("solo-d", 4, latencies([10, 30, 80]));
  const at = (f: number) => Math.round(t.seconds * 1000 * f);
  const events: { ms: number; what: string; run: () => Promise<unknown> }[] = [
    // Each failure takes 1.5 s, like a busy member that then fails; so does each half-open probe, so scrapes see it.
    { ms: at(0.18), what: "gpt-a starts failing (500 after 1.5 s, every call)", run: () => ctl.mix("gpt-a", 5, only({ kind: "server_error", delay_ms: 1500 })) },
    { ms: at(0.5), what: "gpt-a recovers", run: () => ctl.mix("gpt-a", 6, latencies([20, 60, 250])) },
    { ms: at(0.56), what: "solo-d unavailable (503): batch exhausts", run: () => ctl.mix("solo-d", 7, only({ kind: "unavailable" })) },
    { ms: at(0.7), what: "solo-d recovers", run: () => ctl.mix("solo-d", 8, latencies([10, 30, 80])) },
  ];
  const inflight = new Set<Promise<unknown>>();
  const fire = (url: string, headers: Record<string, string>, body: unknown) => {
    if (inflight.size > 200) return;
    const p = fetch(url, {
      method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body), signal: AbortSignal.timeout(15_000),
    }).then((r) => r.arrayBuffer()).catch(() => undefined);
    inflight.add(p);
    void p.finally(() => inflight.delete(p));
  };
  const msg = [{ role: "user", content: "Say something short." }];
  const start = Date.now();
  for (let tick = 0; ; tick++) {
    t.signal.throwIfAborted();
    const now = Date.now() - start;
    if (now >= t.seconds * 1000) break;
    while (events[0] !== undefined && events[0].ms <= now) {
      const e = events.shift();
      if (e === undefined) break;
      t.log(`t=${(now / 1000).toFixed(0)}s ${e.what}`);
      await e.run();
    }
    const f = now / (t.seconds * 1000);
    if (tick % 6 === 0) await ctl.queue("gemini-c", { kind: "invalid_request" });
    if (f > 0.25 && f < 0.45 && tick % 10 === 0) await ctl.queue("claude-b", { kind: "context_length" });
    if (f > 0.3 && f < 0.45 && tick % 8 === 0) await ctl.queue("gemini-c", { kind: "reset_after_events", n: 3 });

    const openai = (key: string) => ({ authorization: `Bearer ${key}` });
    fire(`${t.gateway}/v1/chat/completions`, openai(t.keyA), { model: "chat", messages: msg });
    if (tick % 2 === 0) fire(`${t.gateway}/v1/chat/completions`, openai(t.keyA), { model: "chat", stream: true, messages: msg });
    fire(`${t.gateway}/v1/messages`, { "x-api-key": t.keyB, "anthropic-version": "2023-06-01" }, { model: "stream", max_tokens: 64, stream: true, messages: msg });
    if (tick % 3 === 0) fire(`${t.gateway}/v1/chat/completions`, openai(t.keyB), { model: "chat", messages: msg });
    if (tick % 4 === 0) {
      fire(`${t.gateway}/v1beta/models/batch:generateContent`, { "x-goog-api-key": t.keyA }, { contents: [{ role: "user", parts: [{ text: "Say something short." }] }] });
    }
    await Bun.sleep(Math.max(0, start + (tick + 1) * 200 - Date.now()));
  }
  await Promise.all(inflight);
}

function chromeBinary(): string {
  const named = process.env["CHROME"];
  if (named !== undefined && named !== "") return named;
  for (const b of ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]) {
    const p = Bun.which(b);
    if (p !== null) return p;
  }
  throw new Error("no Chromium found: apt-get install chromium, or set CHROME");
}

const PromResult = v.object({ status: v.literal("success"), data: v.object({ result: v.array(v.object({ metric: v.record(v.string(), v.string()) })) }) });
const PromValues = v.object({ status: v.literal("success"), data: v.array(v.string()) });

async function promQuery(prom: string, expr: string): Promise<number> {
  const r = await fetch(`${prom}/api/v1/query?query=${encodeURIComponent(expr)}`);
  return v.parse(PromResult, await r.json()).data.result.length;
}

/** Series a range query returns over the last `seconds` (an instant query misses series that went quiet). */
async function promSeries(prom: string, expr: string, seconds: number): Promise<number> {
  const end = Date.now() / 1000;
  const r = await fetch(`${prom}/api/v1/query_range?query=${encodeURIComponent(expr)}&start=${end - seconds}&end=${end}&step=1`);
  return v.parse(PromResult, await r.json()).data.result.length;
}

async function screenshot(chrome: string, profileRoot: string, url: string, file: string, height: number): Promise<void> {
  const profile = mkdtempSync(join(profileRoot, "chrome-"));
  const proc = Bun.spawn([
    chrome, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", `--user-data-dir=${profile}`,
    `--window-size=${SHOT_WIDTH},${height}`, "--virtual-time-budget=8000", `--screenshot=${file}`, url,
  ], { stdin: "ignore", stdout: "ignore", stderr: "ignore" });
  children.push({ name: "chromium", proc, text: () => "" });
  const done = await Promise.race([proc.exited.then(() => true), Bun.sleep(60_000).then(() => false)]);
  if (!done) {
    proc.kill("SIGKILL");
    throw new Error(`chromium did not finish ${file} within 60 s`);
  }
  if (proc.exitCode !== 0) throw new Error(`chromium exited ${proc.exitCode} for ${file}`);
}

async function run(opts: { seconds: number; range: string; out: string }, signal: AbortSignal): Promise<void> {
  const log = (line: string) => console.error(`[dashboard] ${line}`);
  const dashboard = readDashboard();
  const chrome = chromeBinary();
  if (Bun.which("prometheus") === null) throw new Error("prometheus is not on PATH (Debian: apt-get install prometheus)");
  const dir = mkdtempSync(join(tmpdir(), "busbar-dashboard-"));
  try {
    writeFileSync(join(dir, "admin-token"), `${ADMIN_TOKEN}\n`, { mode: 0o600 });
    writeFileSync(join(dir, "metrics-token"), `${METRICS_TOKEN}\n`, { mode: 0o600 });

    const mock = await spawnUntil("mock upstream", ["bun", "src/main.ts", "mock-upstream", "--host", "127.0.0.1", "--port", "0", "--faults", "--stream-interval-ms", "12"],
      "stdout", [/mock upstream listening on (\S+)/]);
    const mockUrl = mock.found[0] ?? "";
    log(`mock upstream at ${mockUrl}`);

    writeFileSync(join(dir, "busbar.yaml"), busbarYaml(mockUrl, dir));
    const gw = await spawnUntil("busbar", ["bun", "src/main.ts", "--config", join(dir, "busbar.yaml")], "stderr",
      [/"busbar listening".*?"url":"([^"]+)"/, /"admin listening".*?"url":"([^"]+)"/]);
    const [gateway = "", admin = ""] = gw.found;
    log(`busbar at ${gateway}, admin at ${admin}`);

    const Minted = v.object({ id: v.string(), secret: v.string() });
    const mint = async (body: unknown) => {
      const r = await fetch(`${admin}/api/v1/admin/keys`, {
        method: "POST", headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" }, body: JSON.stringify(body),
      });
      if (r.status !== 201) throw new Error(`minting a key: HTTP ${r.status} ${await r.text()}`);
      return v.parse(Minted, await r.json());
    };
    const keyA = await mint({ name: "team-a", max_budget_cents: 100_000, budget_period: "monthly" });
    // Key B sends about 6.7 requests/s and its rpm window is the calendar minute; some minute holds at least half the
    // run (or a whole minute), so a limit of 6/s over that stretch is reached late in it, and refusals show.
    const keyB = await mint({ name: "team-b", rpm_limit: Math.floor(6 * Math.min(opts.seconds / 2, 60)), budget_period: "monthly" });
    log(`keys: team-a ${keyA.id}, team-b ${keyB.id}`);

    const port = freePort();
    const prom = `http://127.0.0.1:${port}`;
    writeFileSync(join(dir, "prometheus.yml"), prometheusYaml(new URL(gateway).host, join(dir, "metrics-token")));
    const promProc = Bun.spawn(["prometheus", `--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "tsdb")}`,
      `--web.listen-address=127.0.0.1:${port}`, "--storage.tsdb.retention.time=1h"], { cwd: dir, stdin: "ignore", stdout: "ignore", stderr: "ignore" });
    children.push({ name: "prometheus", proc: promProc, text: () => "" });
    await waitFor("Prometheus to be ready", signal, async () => (await fetch(`${prom}/-/ready`)).ok);
    await waitFor("Prometheus's first scrape of busbar", signal, async () => (await promQuery(prom, 'up{job="busbar"} == 1')) === 1);
    log(`prometheus at ${prom}, scraping busbar every 1 s`);

    log(`driving ${opts.seconds} s of traffic`);
    await drive({ gateway, mock: mockUrl, keyA: keyA.secret, keyB: keyB.secret, seconds: opts.seconds, log, signal });
    await Bun.sleep(3000); // three more scrapes, so the last requests are in

    // Grafana's "All" for a multi-value variable without an allValue is every option joined into a regex.
    const pools = v.parse(PromValues, await (await fetch(`${prom}/api/v1/label/pool/values?match[]=busbar_requests_total`)).json()).data;
    const vars: GrafanaVars = { pool: pools.length === 0 ? ".*" : `(${pools.join("|")})`, rateInterval: RATE_INTERVAL };
    log(`pool = ${vars.pool}, $__rate_interval = ${vars.rateInterval}`);

    mkdirSync(opts.out, { recursive: true });
    const empty: string[] = [];
    for (const p of dashboard.panels) {
      signal.throwIfAborted();
      const params = new URLSearchParams();
      let legendRows = 0;
      for (const [i, target] of p.targets.entries()) {
        const expr = concreteExpr(target.expr, vars);
        const series = await promSeries(prom, expr, opts.seconds + 10);
        if (series === 0) empty.push(`${p.title} (${target.refId})`);
        legendRows += Math.max(1, series);
        params.set(`g${i}.expr`, expr);
        params.set(`g${i}.tab`, "0");
        params.set(`g${i}.range_input`, opts.range);
      }
      const file = join(opts.out, `${panelSlug(p)}.png`);
      // At this width each graph block is about 680 px tall plus its legend, one ~19 px row per series.
      await screenshot(chrome, dir, `${prom}/graph?${params}`, file, 130 + p.targets.length * 680 + legendRows * 19);
      log(`${file} (${Math.round(statSync(file).size / 1024)} KB)`);
    }
    if (empty.length > 0) throw new Error(`no data for: ${empty.join(", ")}`);
  } finally {
    await stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    args: Bun.argv.slice(2),
    options: { seconds: { type: "string", default: "80" }, range: { type: "string", default: "2m" }, out: { type: "string", default: join(REPO, "docs/img/dashboard") } },
  });
  const seconds = Number(values.seconds);
  if (!Number.isInteger(seconds) || seconds < 20 || seconds > 180) {
    console.error("--seconds must be a whole number from 20 to 180");
    return 2;
  }
  // A time limit or a signal aborts the run; stopping the children at once also unblocks a wait on their output.
  const abort = new AbortController();
  const stop = (reason: string) => {
    abort.abort(new Error(reason));
    void stopAll();
  };
  const limit = setTimeout(() => stop(`gave up after ${HARD_LIMIT_MS / 1000} s`), HARD_LIMIT_MS);
  const onSignal = (sig: string) => stop(`interrupted by ${sig}`);
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    await run({ seconds, range: values.range, out: resolve(values.out) }, abort.signal);
    return 0;
  } catch (e) {
    const why = abort.signal.aborted ? abort.signal.reason : e;
    console.error(`[dashboard] failed: ${why instanceof Error ? why.message : String(why)}`);
    for (const c of children) if (c.text() !== "") console.error(`--- ${c.name} ---\n${c.text().slice(-4000)}`);
    return 1;
  } finally {
    clearTimeout(limit);
    await stopAll();
  }
}

if (import.meta.main) process.exit(await main());
