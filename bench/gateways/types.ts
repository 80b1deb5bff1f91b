// What every path under test provides: a manifest (install, start) and, once running, how to call it.
import type { Call } from "../loadgen.ts";

/**
 * The four throughput rows (issue 3): same-protocol OpenAI chat, same-protocol Anthropic, an OpenAI
 * caller on an Anthropic lane (cross-protocol), and OpenAI chat streaming.
 */
export type Scenario = "openai" | "anthropic" | "cross" | "stream";
export const SCENARIOS: readonly Scenario[] = ["openai", "anthropic", "cross", "stream"];

/** Anthropic-streaming exists only for the seed tables' TTFT when the harness drives Anthropic. */
export type CallKind = Scenario | "anthropic-stream";

export interface CallOptions {
  /** Unique per harness run. */
  readonly nonce: string;
  /** Body size in bytes (default 1 KiB). */
  readonly bytes?: number;
  /** The delay-200 (or `DELAYS`' second) upstream instead of the delay-0 one; only direct and busbar have it. */
  readonly upstream?: string;
}

export type CallTarget = { readonly call: Call } | { readonly notServed: string };

export interface Running {
  readonly name: string;
  readonly version: string;
  /** The process whose CPU and RSS are the gateway's (for `direct`, the upstream mock's). */
  readonly pid: number;
  /** Upstream URLs this path can reach: key = the mock URL the caller names in CallOptions.upstream. */
  call(kind: CallKind, opts: CallOptions): CallTarget;
  /** Facts for the report (config, flags, binary size). */
  readonly facts: Readonly<Record<string, string | number | boolean>>;
  stop(): Promise<void>;
}

export interface StartContext {
  readonly repoRoot: string;
  /** bench/.cache: gitignored home for installed references. */
  readonly cacheDir: string;
  /** The run's results dir; logs go to `<resultsDir>/logs/`. */
  readonly logDir: string;
  /** A temp dir for configs. */
  readonly tmpDir: string;
  /** The delay-0 mock, and every mock the run started (by delay). */
  readonly upstream: string;
  readonly upstreams: ReadonlyMap<number, string>;
  /** `taskset -c` list for gateways, when pinning is on. */
  readonly cpus?: string;
  /** May install (apt-get, npm); smoke mode only uses what is already installed. */
  readonly allowInstall: boolean;
  /** `--binary`: run dist/busbar-linux-x64 instead of `bun src/main.ts`. */
  readonly binary: boolean;
  readonly log: (line: string) => void;
}

export type StartResult = { readonly served: true; readonly running: Running } | { readonly served: false; readonly reason: string; readonly skipped?: boolean };

export interface Manifest {
  readonly name: string;
  /** One line for the report: what the reference is and how it is run. */
  readonly describe: string;
  start(ctx: StartContext): Promise<StartResult>;
}

export function notServed(reason: string): CallTarget {
  return { notServed: reason };
}

/** Headers every chat call sends; Anthropic's version header is harmless on OpenAI paths. */
export function chatHeaders(kind: CallKind, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  const anthropic = kind === "anthropic" || kind === "anthropic-stream";
  return {
    "content-type": "application/json",
    ...(anthropic ? { "anthropic-version": "2023-06-01" } : {}),
    ...extra,
  };
}

export function isStream(kind: CallKind): boolean {
  return kind === "stream" || kind === "anthropic-stream";
}
