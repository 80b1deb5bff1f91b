// Secret resolution, the last stage before the snapshot (platform.md §1.5). Skipped by --validate,
// so CI needs no keys. Paths are used as written (relative ones against the process's directory).
import { readFileSync, statSync } from "node:fs";
import type { EnvMap } from "./env.ts";
import { type Problem, problem } from "./messages.ts";
import type { MergedProvider } from "./providers.ts";
import type { OperatorConfig } from "./schema.ts";
import { readCaFile } from "./tls-files.ts";

export interface SecretIO {
  readonly env: EnvMap;
  readonly readFile: (path: string) => string;
  /** Permission bits, or undefined when unknown (then no permission warning). */
  readonly fileMode: (path: string) => number | undefined;
}

export const defaultReadFile = (path: string): string => readFileSync(path, "utf8");

export function defaultFileMode(path: string): number | undefined {
  try {
    return statSync(path).mode;
  } catch {
    return undefined;
  }
}

/**
 * A token given inline (`token`) or in a file (`token_file`, which wins; one trailing newline dropped) under
 * `section`. An unreadable file or a blank token is a problem, and then no token.
 */
export function tokenOrFile(
  section: string, token: string | undefined, file: string | undefined, what: string, io: SecretIO, problems: Problem[],
): string | undefined {
  let value = token;
  if (file !== undefined) {
    try {
      value = io.readFile(file).replace(/\r?\n$/, "");
    } catch {
      problems.push(problem([section, "token_file"], `cannot read ${file}`));
    }
  }
  if (value !== undefined && value.trim() === "") {
    problems.push(problem([section, file === undefined ? "token" : "token_file"], `is blank; ${what} must not be empty`));
    return undefined;
  }
  return value;
}

export interface Secrets {
  /** Provider name → key; absent when keyless or empty (warned). */
  readonly keys: ReadonlyMap<string, string>;
  readonly clientTokens: readonly string[];
  /** Provider name → extra upstream roots (PEM) from `ca_file`. */
  readonly caPems: ReadonlyMap<string, string>;
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/** Group/other read bits: a key file others can read is a leak waiting to happen. */
const SHARED_READ = 0o044;

export function resolveSecrets(op: OperatorConfig, providers: readonly MergedProvider[], io: SecretIO): Secrets {
  const keys = new Map<string, string>();
  const clientTokens = [...op.auth.client_tokens];
  const caPems = new Map<string, string>();
  const out: Secrets = { keys, clientTokens, caPems, problems: [], warnings: [] };
  const read = (at: (string | number)[], path: string): string | undefined => {
    try {
      const text = io.readFile(path);
      const mode = io.fileMode(path);
      if (mode !== undefined && (mode & SHARED_READ) !== 0) {
        out.warnings.push(problem(at, `${path} is readable by group/other users; restrict it (chmod 600)`));
      }
      return text;
    } catch (err) {
      out.problems.push(problem(at, `cannot read ${path} (${errorCode(err)})`));
      return undefined;
    }
  };

  for (const p of providers) {
    let key: string | undefined;
    if (p.apiKeyEnv !== undefined) {
      key = io.env[p.apiKeyEnv];
      if (key === undefined || key === "") {
        out.warnings.push(problem(["providers", p.name, "api_key_env"],
          `environment variable ${p.apiKeyEnv} is unset or empty; requests to this provider will fail upstream auth`));
      }
    } else if (p.apiKeyFile !== undefined) {
      const text = read(["providers", p.name, "api_key_file"], p.apiKeyFile);
      // Exactly one trailing newline is dropped: `echo key > file` adds one; anything else is data.
      key = text?.replace(/\r?\n$/, "");
      if (key === "") out.warnings.push(problem(["providers", p.name, "api_key_file"], `${p.apiKeyFile} is empty; requests to this provider will fail upstream auth`));
    }
    if (key !== undefined && key !== "") keys.set(p.name, key);
    // ca_file is a TLS file: unreadable or unparseable is fatal (§1.6).
    if (p.caFile !== undefined) {
      const pem = readCaFile(io, ["providers", p.name, "ca_file"], p.caFile, out.problems);
      if (pem !== undefined) caPems.set(p.name, pem);
    }
  }

  const file = op.auth.client_tokens_file;
  if (file !== undefined) {
    const text = read(["auth", "client_tokens_file"], file);
    if (text !== undefined) {
      const tokens = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "");
      if (tokens.length === 0 && op.auth.mode === "token" && op.auth.client_tokens.length === 0) {
        out.problems.push(problem(["auth", "client_tokens_file"], `${file} holds no tokens and auth.mode is token`));
      }
      clientTokens.push(...tokens);
    }
  }
  return out;
}

function errorCode(err: unknown): string {
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "string") return err.code;
  return err instanceof Error ? err.message : "unreadable";
}
