// `${NAME}` expansion over the raw config text, before YAML parsing (platform.md §1.3).
// Working on raw text means a reference inside a YAML comment is expanded too (and must resolve):
// that is the documented behaviour, and it keeps the expander ignorant of YAML.

export type EnvMap = Readonly<Record<string, string | undefined>>;

export interface EnvProblem {
  readonly line: number;
  readonly message: string;
}

export interface Expansion {
  readonly text: string;
  /** Fatal problems; the expansion failed when this is non-empty. */
  readonly errors: readonly EnvProblem[];
  /** Names referenced but unset, in first-seen order (only filled when `unsetAllowed`). */
  readonly unset: readonly string[];
}

export interface ExpandOptions {
  /**
   * `--validate`: an unset variable is recorded instead of failing, and replaced by a placeholder
   * (see placeholders.ts) so later stages can recognise and skip the values that depend on it.
   */
  readonly unsetAllowed?: boolean;
  readonly placeholder?: (name: string) => string;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Characters a value may not hold: line breaks and tabs would let a value add YAML structure
 * (key injection), NUL/DEL/NEL/LS/PS are line breaks or invisible to some readers.
 */
const FORBIDDEN_IN_VALUE = /[\n\r\t\0\x7f\u0085\u2028\u2029]/;

/** Longest bad name echoed back; names are not secrets, but a runaway `${` should not flood. */
const NAME_ECHO_MAX = 64;

/** Expands every `${NAME}` once (a value containing `${X}` is not re-expanded). Never throws. */
export function expandEnv(text: string, env: EnvMap, opts: ExpandOptions = {}): Expansion {
  const errors: EnvProblem[] = [];
  const unset: string[] = [];
  let out = "";
  let line = 1;
  let i = 0;
  for (;;) {
    const at = text.indexOf("${", i);
    if (at === -1) {
      out += text.slice(i);
      break;
    }
    line += countNewlines(text, i, at);
    out += text.slice(i, at);
    i = at;
    // A reference must close on its own line: `${NAME` followed by a newline is unclosed.
    const close = findClose(text, i + 2);
    if (close === -1) {
      errors.push({ line, message: "unclosed variable reference (missing \"}\" after \"${\")" });
      out += text.slice(i, i + 2);
      i += 2;
      continue;
    }
    const name = text.slice(i + 2, close);
    i = close + 1;
    if (name === "") {
      errors.push({ line, message: "empty variable name in ${}" });
      continue;
    }
    if (!NAME.test(name)) {
      const shown = name.length > NAME_ECHO_MAX ? `${name.slice(0, NAME_ECHO_MAX)}…` : name;
      errors.push({ line, message: `invalid environment variable name ${JSON.stringify(shown)} (must match [A-Za-z_][A-Za-z0-9_]*)` });
      continue;
    }
    const value = env[name];
    if (value === undefined) {
      if (opts.unsetAllowed) {
        if (!unset.includes(name)) unset.push(name);
        out += opts.placeholder ? opts.placeholder(name) : "";
      } else {
        errors.push({ line, message: `unset environment variable: ${name}` });
      }
      continue;
    }
    if (FORBIDDEN_IN_VALUE.test(value)) {
      errors.push({
        line,
        message: `environment variable ${name} holds a line break, tab or control character, which is not allowed in an expanded value`,
      });
      continue;
    }
    out += value;
  }
  return { text: out, errors, unset };
}

function countNewlines(text: string, from: number, to: number): number {
  let n = 0;
  for (let j = text.indexOf("\n", from); j !== -1 && j < to; j = text.indexOf("\n", j + 1)) n++;
  return n;
}

function findClose(text: string, from: number): number {
  for (let j = from; j < text.length; j++) {
    const c = text[j];
    if (c === "}") return j;
    if (c === "\n" || c === "\r") return -1;
  }
  return -1;
}
