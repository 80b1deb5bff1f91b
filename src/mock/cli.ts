// `busbar mock-upstream`: flags → MockOptions, then serve until SIGINT/SIGTERM (platform.md §6.2).
// This is an entry point, so it owns its signal handlers; `main.ts` passes the arguments that follow
// the subcommand and exits with the returned code.
import { startMockUpstream, type MockOptions, type MockUpstream } from "./server.ts";

export const MOCK_USAGE =
  "usage: busbar mock-upstream [--port 9001] [--host 127.0.0.1] [--delay-ms 0] [--stream-chunks 16] " +
  "[--stream-interval-ms 0] [--tls-cert FILE --tls-key FILE] [--faults] [--member-tag] [--hang-cap-ms 600000]";

const DEFAULT_PORT = 9001;

export interface MockCliArgs {
  readonly options: MockOptions;
  readonly tlsCertFile?: string;
  readonly tlsKeyFile?: string;
  readonly help: boolean;
}

export type ParsedMockArgs = { readonly ok: true; readonly args: MockCliArgs } | { readonly ok: false; readonly error: string };

const NUMERIC = {
  "--port": "port",
  "--delay-ms": "delayMs",
  "--stream-chunks": "streamChunks",
  "--stream-interval-ms": "streamIntervalMs",
  "--hang-cap-ms": "hangCapMs",
} as const;

function isNumericFlag(f: string): f is keyof typeof NUMERIC {
  return Object.hasOwn(NUMERIC, f);
}

/** Parses `--flag value` and `--flag=value`; the first problem is returned as a usage error. */
export function parseMockArgs(argv: readonly string[]): ParsedMockArgs {
  const options: MockOptions = { port: DEFAULT_PORT };
  let tlsCertFile: string | undefined;
  let tlsKeyFile: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = arg.indexOf("=");
    const flag = arg.startsWith("--") && eq > 0 ? arg.slice(0, eq) : arg;
    const inline = flag === arg ? undefined : arg.slice(eq + 1);
    const value = (): string | undefined => inline ?? argv[++i];
    if (flag === "--help" || flag === "-h") {
      help = true;
    } else if (flag === "--faults" || flag === "--member-tag") {
      if (inline !== undefined) return { ok: false, error: `${flag} takes no value` };
      if (flag === "--faults") options.faults = true;
      else options.memberTag = true;
    } else if (flag === "--host") {
      const v = value();
      if (v === undefined || v === "") return { ok: false, error: "--host needs a value" };
      options.host = v;
    } else if (flag === "--tls-cert" || flag === "--tls-key") {
      const v = value();
      if (v === undefined || v === "") return { ok: false, error: `${flag} needs a file` };
      if (flag === "--tls-cert") tlsCertFile = v;
      else tlsKeyFile = v;
    } else if (isNumericFlag(flag)) {
      const v = value();
      if (v === undefined || !/^\d+$/.test(v)) return { ok: false, error: `${flag} needs a non-negative integer` };
      const n = Number(v);
      if (flag === "--port" && n > 65535) return { ok: false, error: "--port must be at most 65535" };
      options[NUMERIC[flag]] = n;
    } else {
      return { ok: false, error: `unknown argument: ${arg}` };
    }
  }
  if ((tlsCertFile === undefined) !== (tlsKeyFile === undefined)) {
    return { ok: false, error: "--tls-cert and --tls-key go together" };
  }
  return { ok: true, args: { options, help, ...(tlsCertFile === undefined ? {} : { tlsCertFile }), ...(tlsKeyFile === undefined ? {} : { tlsKeyFile }) } };
}

export interface MockCliIo {
  readonly out?: (line: string) => void;
  readonly err?: (line: string) => void;
  /** Resolves when the server should stop; defaults to the first SIGINT or SIGTERM. */
  readonly until?: Promise<unknown>;
}

function nextSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => {
      process.off("SIGINT", on);
      process.off("SIGTERM", on);
      resolve(sig);
    };
    process.on("SIGINT", on);
    process.on("SIGTERM", on);
  });
}

/** Runs the mock until a signal (or `io.until`); returns the exit code: 0, 1 when it cannot start, 2 for a usage error. */
export async function runMockUpstreamCli(argv: readonly string[], io: MockCliIo = {}): Promise<number> {
  const out = io.out ?? ((line: string) => console.log(line));
  const err = io.err ?? ((line: string) => console.error(line));
  const parsed = parseMockArgs(argv);
  if (!parsed.ok) {
    err(`busbar mock-upstream: ${parsed.error}`);
    err(MOCK_USAGE);
    return 2;
  }
  if (parsed.args.help) {
    out(MOCK_USAGE);
    return 0;
  }
  const { options, tlsCertFile, tlsKeyFile } = parsed.args;
  let mock: MockUpstream;
  try {
    if (tlsCertFile !== undefined && tlsKeyFile !== undefined) {
      options.tls = { cert: await Bun.file(tlsCertFile).text(), key: await Bun.file(tlsKeyFile).text() };
    }
    mock = startMockUpstream(options);
  } catch (e) {
    // Unreadable TLS files or a busy port: a runtime failure, not a usage error.
    err(`busbar mock-upstream: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  }
  // Listen for signals before announcing, so a supervisor's immediate SIGTERM is not lost.
  const until = io.until ?? nextSignal();
  out(`mock upstream listening on ${mock.url}`);
  await until;
  await mock.stop();
  return 0;
}
