// Structured logs, one object per line on stderr (platform.md §5.6). Callers pass fields, never secrets or bodies.
// `BUSBAR_LOG_FORMAT=text` prints the same fields as `ts level msg k=v …` for a terminal.
export type LogLevel = "trace" | "debug" | "info" | "warn" | "error";
const RANK: Record<LogLevel, number> = { trace: 5, debug: 10, info: 20, warn: 30, error: 40 };
export type LogFormat = "json" | "text";

export interface Logger {
  debug(msg: string, fields?: Record<string, unknown>): void;
  info(msg: string, fields?: Record<string, unknown>): void;
  warn(msg: string, fields?: Record<string, unknown>): void;
  error(msg: string, fields?: Record<string, unknown>): void;
}

export function parseLogLevel(s: string | undefined): LogLevel {
  return s === "trace" || s === "debug" || s === "warn" || s === "error" ? s : "info";
}

export function parseLogFormat(s: string | undefined): LogFormat {
  return s === "text" ? "text" : "json";
}

/** `k=v` with the value JSON-quoted when it has spaces, quotes or `=` (so a line still splits cleanly). */
function textLine(ts: string, lvl: LogLevel, msg: string, fields: Record<string, unknown> | undefined): string {
  let out = `${ts} ${lvl.toUpperCase().padEnd(5)} ${msg}`;
  for (const [k, v] of Object.entries(fields ?? {})) {
    // Numbers, booleans, null and objects print as JSON (no spaces outside strings); strings are quoted when needed.
    out += ` ${k}=${typeof v !== "string" ? JSON.stringify(v) : /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v)}`;
  }
  return `${out}\n`;
}

export function jsonLogger(level: LogLevel, write: (line: string) => void = (l) => process.stderr.write(l), format: LogFormat = "json"): Logger {
  const at = (lvl: LogLevel) => (msg: string, fields?: Record<string, unknown>) => {
    if (RANK[lvl] < RANK[level]) return;
    const ts = new Date().toISOString();
    write(format === "text" ? textLine(ts, lvl, msg, fields) : `${JSON.stringify({ ts, level: lvl, msg, ...fields })}\n`);
  };
  // `trace` is a level for operators (more than debug), not a method: debug lines show at trace too.
  return { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
}

/** Discards everything; for tests that do not read logs. */
export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
