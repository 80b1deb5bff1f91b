// The run's knobs: per-mode defaults (platform.md §7.1 table), each overridable by an environment variable.
import type { Dialect } from "./bodies.ts";

export type Mode = "mock" | "smoke" | "real";

export interface Settings {
  readonly mode: Mode;
  /** Seed tables: requests per path (split over its two alternating segments), concurrency, warm-up per path. */
  readonly reqs: number;
  readonly conc: number;
  readonly warmup: number;
  /** Upstream delays (ms) for the seed tables; the first is where references and the ladder run. */
  readonly delays: readonly number[];
  /** The seed tables' ingress dialect (the seed drives Anthropic). */
  readonly proto: Dialect;
  /** Bound on any one latency segment, seconds. */
  readonly segmentMaxSecs: number;
  /** Side-by-side at concurrency 1, delay 0: requests per path. */
  readonly lat1Reqs: number;
  /** Throughput ladder: seconds per step and the concurrency steps. */
  readonly stepSecs: number;
  readonly ladder: readonly number[];
  /** RSS windows, seconds: idle after boot, wait after load. */
  readonly idleSecs: number;
  readonly postSecs: number;
  /** Large-payload soak. */
  readonly soakSecs: number;
  readonly soakConc: number;
  readonly soakBytes: number;
  readonly soakPostSecs: number;
  readonly soakGateways: readonly string[];
  /** Reference gateways to run beside busbar. */
  readonly references: readonly string[];
  /** May install nginx/Portkey (never in smoke). */
  readonly allowInstall: boolean;
  readonly binary: boolean;
  /** Gateway cores for taskset (default half). */
  readonly gwCores?: number;
}

const DEFAULTS: Record<Mode, Omit<Settings, "mode" | "binary">> = {
  mock: {
    reqs: 20_000, conc: 50, warmup: 2_000, delays: [0, 200], proto: "anthropic", segmentMaxSecs: 240,
    lat1Reqs: 10_000, stepSecs: 5, ladder: [1, 16, 64, 256],
    idleSecs: 10, postSecs: 30, soakSecs: 60, soakConc: 1_500, soakBytes: 150_000, soakPostSecs: 60,
    soakGateways: ["busbar", "bun-floor"], references: ["bun-floor", "nginx", "portkey"], allowInstall: true,
  },
  // Every stage, tiny: CI runs this so the harness never rots; it asserts nothing about timings.
  smoke: {
    reqs: 32, conc: 16, warmup: 16, delays: [0, 200], proto: "anthropic", segmentMaxSecs: 10,
    lat1Reqs: 100, stepSecs: 0.15, ladder: [1, 16, 64, 256],
    idleSecs: 0.5, postSecs: 1, soakSecs: 1.5, soakConc: 64, soakBytes: 150_000, soakPostSecs: 2,
    soakGateways: ["busbar"], references: ["bun-floor", "nginx", "portkey"], allowInstall: false,
  },
  // A real provider spends tokens: modest load, latency tables only.
  real: {
    reqs: 300, conc: 4, warmup: 10, delays: [0], proto: "anthropic", segmentMaxSecs: 600,
    lat1Reqs: 0, stepSecs: 0, ladder: [],
    idleSecs: 0, postSecs: 0, soakSecs: 0, soakConc: 0, soakBytes: 0, soakPostSecs: 0,
    soakGateways: [], references: [], allowInstall: false,
  },
};

type Env = Readonly<Record<string, string | undefined>>;

function num(env: Env, key: string, fallback: number, min = 0): number {
  const raw = env[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${key}=${raw}: expected a number >= ${min}`);
  return n;
}

function list(env: Env, key: string, fallback: readonly string[]): readonly string[] {
  const raw = env[key];
  return raw === undefined ? fallback : raw.split(/[\s,]+/).filter((s) => s !== "");
}

function nums(env: Env, key: string, fallback: readonly number[]): readonly number[] {
  const raw = env[key];
  if (raw === undefined) return fallback;
  const out = list(env, key, []).map(Number);
  if (out.length === 0 || out.some((n) => !Number.isInteger(n) || n < 0)) throw new Error(`${key}=${raw}: expected whole numbers`);
  return out;
}

export function settingsFrom(mode: Mode, env: Env, binary: boolean): Settings {
  const d = DEFAULTS[mode];
  const proto = env.PROTO ?? (mode === "real" ? (env.PROVIDER ?? "anthropic") : d.proto);
  if (proto !== "anthropic" && proto !== "openai") throw new Error(`PROTO/PROVIDER=${proto}: expected anthropic or openai`);
  const gw = env.GW_CORES === undefined ? undefined : num(env, "GW_CORES", 1, 1);
  return {
    mode,
    binary,
    reqs: num(env, "REQS", d.reqs, 2),
    conc: num(env, "CONC", d.conc, 1),
    warmup: num(env, "WARMUP", d.warmup),
    delays: nums(env, "DELAYS", d.delays),
    proto,
    segmentMaxSecs: num(env, "SEGMENT_MAX_SECS", d.segmentMaxSecs, 1),
    lat1Reqs: num(env, "LAT1_REQS", d.lat1Reqs),
    stepSecs: num(env, "STEP_SECS", d.stepSecs),
    ladder: nums(env, "LADDER", d.ladder),
    idleSecs: num(env, "IDLE_SECS", d.idleSecs),
    postSecs: num(env, "POST_SECS", d.postSecs),
    soakSecs: num(env, "SOAK_SECS", d.soakSecs),
    soakConc: num(env, "SOAK_CONC", d.soakConc, 1),
    soakBytes: num(env, "SOAK_BYTES", d.soakBytes),
    soakPostSecs: num(env, "SOAK_POST_SECS", d.soakPostSecs),
    soakGateways: list(env, "SOAK_GATEWAYS", d.soakGateways),
    references: list(env, "GATEWAYS", d.references),
    allowInstall: d.allowInstall && env.NO_INSTALL !== "1",
    ...(gw === undefined ? {} : { gwCores: gw }),
  };
}
