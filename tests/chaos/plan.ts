// How long each §13.3 phase runs and with how many clients, from the environment (see chaos.test.ts's header).
// The default is the CI version, about a minute of wall time in all on a 2-vCPU machine.

export interface Plan {
  readonly profile: string;
  readonly clients: number;
  /** Fault-free load first: the latency baseline and the memory warm-up. */
  readonly baselineSecs: number;
  readonly anchorSecs: number;
  readonly rotation: { readonly secs: number; readonly everySecs: number; readonly downSecs: number };
  readonly outageSecs: number;
  readonly recoverySecs: number;
  readonly seed: number;
}

const PROFILES: Record<string, Omit<Plan, "profile" | "seed">> = {
  // Rotation: a member goes down for 3 s every 8 s (A, B, C). C's turn starts 13 s after A came back, more than
  // max_cooldown_secs + interval_secs = 12 s, so a healthy member always exists (§13.3). Recovery runs past
  // that 12 s too, since no member is healthy before it (all were down in the outage).
  ci: { clients: 64, baselineSecs: 4, anchorSecs: 12, rotation: { secs: 19, everySecs: 8, downSecs: 3 }, outageSecs: 5, recoverySecs: 18 },
  // The §13.3 nightly column: 10 min, 10 min (a member fully down every 30 s), 20 s, 30 s.
  nightly: { clients: 64, baselineSecs: 30, anchorSecs: 600, rotation: { secs: 600, everySecs: 30, downSecs: 30 }, outageSecs: 20, recoverySecs: 30 },
  // The §13.3 soak: one hour of phase 1 (RSS grows less than 10 % after the first 5 minutes), then the rest as nightly.
  soak: { clients: 64, baselineSecs: 30, anchorSecs: 3600, rotation: { secs: 600, everySecs: 30, downSecs: 30 }, outageSecs: 20, recoverySecs: 30 },
};

function num(env: Record<string, string | undefined>, key: string, fallback: number): number {
  const raw = env[key];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) throw new Error(`${key} must be a positive number (got ${raw})`);
  return n;
}

export function planFrom(env: Record<string, string | undefined>): Plan {
  const profile = env.CHAOS_PROFILE ?? "ci";
  const base = PROFILES[profile];
  if (base === undefined) throw new Error(`CHAOS_PROFILE must be one of ${Object.keys(PROFILES).join(", ")} (got ${profile})`);
  const k = num(env, "CHAOS_SCALE", 1);
  const s = (key: string, v: number) => num(env, key, v * k);
  return {
    profile: k === 1 ? profile : `${profile} x${k}`,
    clients: Math.round(num(env, "CHAOS_CLIENTS", base.clients)),
    baselineSecs: s("CHAOS_BASELINE_SECS", base.baselineSecs),
    anchorSecs: s("CHAOS_ANCHOR_SECS", base.anchorSecs),
    rotation: {
      secs: s("CHAOS_ROTATION_SECS", base.rotation.secs),
      everySecs: s("CHAOS_ROTATION_EVERY_SECS", base.rotation.everySecs),
      downSecs: s("CHAOS_ROTATION_DOWN_SECS", base.rotation.downSecs),
    },
    outageSecs: s("CHAOS_OUTAGE_SECS", base.outageSecs),
    recoverySecs: s("CHAOS_RECOVERY_SECS", base.recoverySecs),
    seed: Math.round(num(env, "CHAOS_SEED", 1337)),
  };
}

/** Wall time of the load itself, in seconds. */
export function loadSecs(p: Plan): number {
  return p.baselineSecs + p.anchorSecs + p.rotation.secs + p.outageSecs + p.recoverySecs;
}
