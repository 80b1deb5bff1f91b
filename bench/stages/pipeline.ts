// The order of a run: mocks → busbar (idle RSS, reachability gate) → seed tables → references →
// side by side at c=1 → throughput ladder → after-load RSS → soak → budget → summary.md.
import { evaluateBudget, type AddedLatency } from "../budget.ts";
import { busbar, pool3View } from "../gateways/busbar.ts";
import { bunFloor } from "../gateways/bun-floor.ts";
import { directPath } from "../gateways/direct.ts";
import { nginx } from "../gateways/nginx.ts";
import { portkey } from "../gateways/portkey.ts";
import type { CallKind, Manifest, Running, StartContext } from "../gateways/types.ts";
import { probe, type Measure } from "../loadgen.ts";
import type { Pinning, RunInfo } from "../machine.ts";
import { startMocks } from "../mocks.ts";
import { RssSampler } from "../proc.ts";
import { seqBlock, toUs, type Recorder } from "../record.ts";
import { realDirect, realProvider, startRealBusbar } from "../real.ts";
import { renderSummary, type GatewayStatus, type MemoryRow, type SeedResult, type SideBySide } from "../report.ts";
import { runNonce } from "../bodies.ts";
import type { Settings } from "../settings.ts";
import { percentiles } from "../stats.ts";
import { alternate, callFor, pathPercentiles, type PathCall } from "./latency.ts";
import { idleRss, rssNow, soak, type SoakResult } from "./memory.ts";
import { probeRows, runLadder, summarizeRows } from "./throughput.ts";

export interface StageEnv {
  readonly repoRoot: string;
  readonly resultsDir: string;
  readonly shownDir: string;
  readonly logDir: string;
  readonly tmpDir: string;
  readonly settings: Settings;
  readonly pinning: Pinning;
  readonly info: RunInfo;
  readonly recorder: Recorder;
  readonly log: (line: string) => void;
  readonly started: number;
}

export interface Aborted {
  readonly aborted: string;
}

const REFERENCES: Readonly<Record<string, Manifest>> = { "bun-floor": bunFloor, nginx, portkey };

function seedKinds(s: Settings): Record<Measure, CallKind> {
  return s.proto === "anthropic" ? { full: "anthropic", ttft: "anthropic-stream" } : { full: "openai", ttft: "stream" };
}

/** The seed's two tables per delay: direct, busbar, busbar, direct at CONC. */
async function seedTables(env: StageEnv, direct: Running, bb: Running, upstreams: ReadonlyMap<number, string>, nonce: string, stNote: string | undefined): Promise<SeedResult[]> {
  const { settings: s, log } = env;
  const out: SeedResult[] = [];
  for (const delay of s.delays) {
    const upstream = upstreams.get(delay);
    for (const measure of ["full", "ttft"] as const) {
      const kind = seedKinds(s)[measure];
      const d = callFor(direct, kind, nonce, upstream);
      const b = callFor(bb, kind, nonce, upstream);
      if ("notServed" in d || "notServed" in b) throw new Error(`seed table path not served: ${"notServed" in d ? d.notServed : "notServed" in b ? b.notServed : ""}`);
      log(`latency: delay ${delay} ms, ${measure}, c=${s.conc}, ${s.reqs} per path`);
      const got = await alternate([{ name: "direct", call: d, collect: false }, { name: "busbar", call: b, collect: true }], { conc: s.conc, perPath: s.reqs, warmup: s.warmup, maxSecs: s.segmentMaxSecs, measure }, log);
      const ds = got.get("direct");
      const bs = got.get("busbar");
      const st = bs === undefined || bs.serverTimingNs.length === 0
        ? { na: stNote ?? (bs !== undefined && bs.serverTimingMissing > 0 ? "busbar sent no `Server-Timing: busbar;dur=…` header" : "no samples") }
        : percentiles(bs.serverTimingNs);
      const r: SeedResult = { delayMs: delay, measure, conc: s.conc, direct: pathPercentiles(ds), via: pathPercentiles(bs), errors: { direct: ds?.errors ?? 0, via: bs?.errors ?? 0 }, serverTiming: st };
      out.push(r);
      env.recorder.write("latency", {
        table: "seed", delay_ms: delay, measure, conc: s.conc, dialect: s.proto, warmup: s.warmup,
        direct: toUs(r.direct), busbar: toUs(r.via), errors: r.errors, first_error: bs?.firstError ?? ds?.firstError,
        server_timing: "na" in st ? { na: st.na } : toUs(st),
      });
    }
  }
  return out;
}

/** Added latency of every path at concurrency 1, delay 0, OpenAI chat; a path that answers non-200 is `not served`. */
async function sideBySide(env: StageEnv, direct: Running, paths: readonly Running[], nonce: string): Promise<SideBySide[]> {
  const { settings: s, log } = env;
  const out: SideBySide[] = [];
  for (const measure of ["full", "ttft"] as const) {
    const kind: CallKind = measure === "full" ? "openai" : "stream";
    const d = callFor(direct, kind, nonce);
    if ("notServed" in d) throw new Error(`direct path not served: ${d.notServed}`);
    const calls: PathCall[] = [{ name: "direct", call: d, collect: false }];
    const skipped = new Map<string, string>();
    for (const p of paths) {
      const c = callFor(p, kind, nonce);
      if ("notServed" in c) { skipped.set(p.name, c.notServed); continue; }
      const pr = await probe(c, seqBlock(1));
      if (pr.status !== 200) { skipped.set(p.name, pr.reason); continue; }
      calls.push({ name: p.name, call: c, collect: false });
    }
    log(`side by side: ${measure}, c=1, ${s.lat1Reqs} per path: ${calls.map((c) => c.name).join(", ")}`);
    const got = await alternate(calls, { conc: 1, perPath: s.lat1Reqs, warmup: Math.min(s.warmup, 500), maxSecs: s.segmentMaxSecs, measure }, log);
    const dp = pathPercentiles(got.get("direct"));
    for (const p of paths) {
      const why = skipped.get(p.name);
      const samples = got.get(p.name);
      const row: SideBySide = why !== undefined || samples === undefined
        ? { gateway: p.name, measure, direct: dp, notServed: why ?? "no samples", errors: 0 }
        : { gateway: p.name, measure, direct: dp, via: pathPercentiles(samples), errors: samples.errors };
      out.push(row);
      env.recorder.write("latency", {
        table: "c1", gateway: p.name, measure, conc: 1, delay_ms: s.delays[0] ?? 0, direct: toUs(dp),
        ...(row.via === undefined ? { not_served: row.notServed } : { via: toUs(row.via), errors: row.errors }),
      });
    }
  }
  return out;
}

export async function runMockStages(env: StageEnv): Promise<{ summary: string } | Aborted> {
  const { settings: s, log, recorder } = env;
  const nonce = runNonce();
  const mocks = await startMocks(env.repoRoot, s.delays, env.logDir, env.pinning.loadgen);
  const primaryDelay = s.delays[0] ?? 0;
  const primary = mocks.get(primaryDelay);
  if (primary === undefined) throw new Error("no mock upstream started");
  const upstreams = new Map([...mocks].map(([d, m]) => [d, m.url] as const));
  log(`mock upstreams: ${[...mocks.values()].map((m) => `${m.url} (delay ${m.delayMs} ms)`).join(", ")}`);
  const ctx: StartContext = {
    repoRoot: env.repoRoot, cacheDir: `${env.repoRoot}/bench/.cache`, logDir: env.logDir, tmpDir: env.tmpDir,
    upstream: primary.url, upstreams, allowInstall: s.allowInstall, binary: s.binary, log,
    ...(env.pinning.gateway === undefined ? {} : { cpus: env.pinning.gateway }),
  };
  const statuses: GatewayStatus[] = [];
  const samplers = new Map<string, RssSampler>();
  const idle = new Map<string, number | null>();
  const trafficFrom = new Map<string, number>();

  const bbStart = await busbar.start(ctx);
  if (!bbStart.served) return { aborted: `busbar did not start: ${bbStart.reason}` };
  const bb = bbStart.running;
  const bbSampler = new RssSampler(bb.pid);
  samplers.set("busbar", bbSampler);
  idle.set("busbar", await idleRss(bbSampler, s.idleSecs));
  trafficFrom.set("busbar", bbSampler.now());
  // The reachability gate: one request through busbar; anything but 200 aborts with no numbers.
  const gateCall = callFor(bb, seedKinds(s).full, nonce);
  const gate = "notServed" in gateCall ? { status: 0, reason: gateCall.notServed, serverTiming: null } : await probe(gateCall, seqBlock(1));
  if (gate.status !== 200) return { aborted: `reachability gate: busbar answered ${gate.reason} (log: ${env.shownDir}/logs/busbar.log)` };
  const stRequested = bb.facts.server_timing_requested === true;
  const stNote = stRequested ? (gate.serverTiming === null ? "busbar sent no Server-Timing header although the config asks for it" : undefined) : String(bb.facts.server_timing_config);
  log(`busbar ${bb.version} up (pid ${bb.pid}); reachability 200; Server-Timing: ${gate.serverTiming ?? "absent"}`);
  statuses.push({ name: "busbar", describe: busbar.describe, served: true, version: bb.version });
  recorder.write("gateway", { name: "busbar", served: true, version: bb.version, facts: bb.facts, idle_kib: idle.get("busbar") });

  const direct = directPath(primary.url, primary.child.pid, "busbar mock-upstream (same source)");
  const seed = await seedTables(env, direct, bb, upstreams, nonce, stNote);

  const refs: Running[] = [];
  for (const name of s.references) {
    const m = REFERENCES[name];
    if (m === undefined) { statuses.push({ name, describe: "unknown reference", served: false, reason: `unknown reference (known: ${Object.keys(REFERENCES).join(", ")})` }); continue; }
    log(`reference ${name}: starting`);
    const r = await m.start(ctx);
    if (!r.served) {
      log(`reference ${name}: served:false — ${r.reason}`);
      statuses.push({ name, describe: m.describe, served: false, reason: r.reason });
      recorder.write("gateway", { name, served: false, reason: r.reason, skipped: r.skipped === true });
      continue;
    }
    const sampler = new RssSampler(r.running.pid);
    samplers.set(name, sampler);
    idle.set(name, await idleRss(sampler, s.idleSecs));
    trafficFrom.set(name, sampler.now());
    const c = callFor(r.running, "openai", nonce);
    const pr = "notServed" in c ? { status: 0, reason: c.notServed } : await probe(c, seqBlock(1));
    if (pr.status !== 200) {
      const reason = `reachability: ${pr.reason}`;
      log(`reference ${name}: served:false — ${reason}`);
      statuses.push({ name, describe: m.describe, served: false, reason, version: r.running.version });
      recorder.write("gateway", { name, served: false, reason, version: r.running.version });
      sampler.stop();
      samplers.delete(name);
      await r.running.stop();
      continue;
    }
    log(`reference ${name}: ${r.running.version} up (pid ${r.running.pid})`);
    statuses.push({ name, describe: m.describe, served: true, version: r.running.version });
    recorder.write("gateway", { name, served: true, version: r.running.version, facts: r.running.facts, idle_kib: idle.get(name) });
    refs.push(r.running);
  }
  const paths = [bb, ...refs];

  // busbar through a 3-member pool: latency only (it is the same process as `busbar`).
  const side = s.lat1Reqs > 0 ? await sideBySide(env, direct, [bb, pool3View(bb), ...refs], nonce) : [];

  let rows: ReturnType<typeof summarizeRows> = [];
  if (s.ladder.length > 0 && s.stepSecs > 0) {
    const ladderPaths = [direct, ...paths];
    const probed = await probeRows(ladderPaths, nonce);
    for (const r of probed) if (r.notServed !== undefined) log(`throughput: ${r.gateway} ${r.scenario}: not served: ${r.notServed}`);
    samplers.set("direct", new RssSampler(direct.pid));
    log(`throughput: ${s.ladder.join("/")} × ${s.stepSecs} s per step`);
    const steps = await runLadder(ladderPaths, probed, samplers, { stepSecs: s.stepSecs, ladder: s.ladder, nonce, log, onStep: (st) => recorder.write("throughput", { ...st }) });
    rows = summarizeRows(probed, steps);
    for (const r of rows) recorder.write("throughput_row", { gateway: r.gateway, scenario: r.scenario, not_served: r.notServed, ceiling_rps: r.ceiling_rps, ceiling_conc: r.ceiling_conc, cpu_us_per_req: r.cpu_us_per_req });
  }
  const loadEnd = new Map([...samplers].map(([n, sm]) => [n, sm.now()] as const));

  log(`memory: waiting ${s.postSecs} s after load`);
  await Bun.sleep(s.postSecs * 1000);
  const memory: MemoryRow[] = [];
  for (const p of paths) {
    const sm = samplers.get(p.name);
    if (sm === undefined) continue;
    const during = sm.window(trafficFrom.get(p.name) ?? 0, (loadEnd.get(p.name) ?? sm.now()) + 1);
    const row: MemoryRow = { gateway: p.name, idle_kib: idle.get(p.name) ?? null, peak_kib: during.length > 0 ? Math.max(...during) : null, post_kib: rssNow(sm) };
    memory.push(row);
    recorder.write("memory", { ...row, post_secs: s.postSecs });
  }

  const soaks: (SoakResult | { gateway: string; notServed: string })[] = [];
  if (s.soakSecs > 0) {
    for (const name of s.soakGateways) {
      const p = paths.find((x) => x.name === name);
      const sm = samplers.get(name);
      if (p === undefined || sm === undefined) continue;
      log(`soak: ${name}, ${s.soakBytes} B bodies, c=${s.soakConc}, ${s.soakSecs} s, then up to ${s.soakPostSecs} s to return`);
      const r = await soak(p, sm, idle.get(name) ?? null, { secs: s.soakSecs, conc: s.soakConc, bytes: s.soakBytes, postSecs: s.soakPostSecs, nonce });
      soaks.push(r);
      recorder.write("soak", { ...r });
    }
  }
  for (const sm of samplers.values()) sm.stop();

  const added: AddedLatency[] = side.map((x) => ({ gateway: x.gateway, measure: x.measure, direct: x.direct, ...(x.via === undefined ? {} : { via: x.via }), ...(x.notServed === undefined ? {} : { notServed: x.notServed }) }));
  const bbSoak = soaks.find((x): x is SoakResult => x.gateway === "busbar" && !("notServed" in x));
  const budget = evaluateBudget({
    cpu: rows,
    added,
    memory: {
      busbarIdleKib: idle.get("busbar") ?? null,
      ...(bbSoak === undefined ? {} : { soak: { returnedAfterS: bbSoak.returned_after_s, windowS: bbSoak.post_window_s, endKib: bbSoak.end_kib, idleKib: bbSoak.idle_kib } }),
    },
  });
  for (const b of budget) recorder.write("budget", { ...b });

  const summary = renderSummary({
    run: env.info, settings: s, upstreamName: "mock", gateways: statuses, seed, sideBySide: side, rows, memory, soaks, budget,
    wallSecs: (performance.now() - env.started) / 1000, resultsDir: env.shownDir,
  });
  return { summary };
}

/** Real mode: the seed tables only, against the provider; the key comes from the environment. */
export async function runRealStages(env: StageEnv): Promise<{ summary: string } | Aborted> {
  const { settings: s, log } = env;
  const provider = realProvider(process.env);
  const key = process.env[provider.keyEnv];
  if (key === undefined || key === "") return { aborted: `real mode needs ${provider.keyEnv} in the environment` };
  const nonce = runNonce();
  const ctx: StartContext = {
    repoRoot: env.repoRoot, cacheDir: `${env.repoRoot}/bench/.cache`, logDir: env.logDir, tmpDir: env.tmpDir,
    upstream: provider.directBase, upstreams: new Map([[0, provider.directBase]]), allowInstall: false, binary: s.binary, log,
    ...(env.pinning.gateway === undefined ? {} : { cpus: env.pinning.gateway }),
  };
  const started = await startRealBusbar(ctx, provider);
  if (!started.served) return { aborted: `busbar did not start: ${started.reason}` };
  const bb = started.running;
  const gateCall = callFor(bb, provider.dialect === "anthropic" ? "anthropic" : "openai", nonce);
  const gate = "notServed" in gateCall ? { status: 0, reason: gateCall.notServed, serverTiming: null } : await probe(gateCall, seqBlock(1), 60_000);
  if (gate.status !== 200) return { aborted: `reachability gate: busbar answered ${gate.reason}` };
  const stNote = bb.facts.server_timing_requested === true ? undefined : String(bb.facts.server_timing_config);
  const direct = realDirect(provider, key);
  const real = { ...s, proto: provider.dialect, delays: [0] };
  const seed = await seedTables({ ...env, settings: real }, direct, bb, new Map([[0, provider.directBase]]), nonce, stNote);
  const summary = renderSummary({
    run: env.info, settings: real, upstreamName: `${provider.label} (${provider.model})`,
    gateways: [{ name: "busbar", describe: busbar.describe, served: true, version: bb.version }, { name: "direct", describe: provider.directBase, served: true, version: provider.model }],
    seed, sideBySide: [], rows: [], memory: [], soaks: [], budget: [],
    wallSecs: (performance.now() - env.started) / 1000, resultsDir: env.shownDir,
  });
  return { summary };
}
