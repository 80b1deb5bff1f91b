// Wording shared by every config check, so all messages read the same way (platform.md §1.6):
// `<file>: <dotted.path[i]>: <what is wrong> (got <actual>)`.

/** A key path into a config document: object keys are strings, list indices numbers. */
export type ConfigPath = readonly (string | number)[];

/** One problem found in a file; `line` is set when the problem has no key path (env, YAML syntax). */
export interface Problem {
  readonly path: ConfigPath;
  readonly message: string;
  readonly line?: number;
}

export function problem(path: ConfigPath, message: string): Problem {
  return { path, message };
}

const PLAIN_KEY = /^[A-Za-z0-9_-]+$/;

/**
 * `pools.fast.members[1].weight`. Keys that would make the dotted form ambiguous (`z.ai`, empty,
 * spaces) are written `providers["z.ai"]` instead.
 */
export function formatPath(path: ConfigPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (PLAIN_KEY.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(key)}]`;
  }
  return out;
}

/** The line a problem is reported with: `file: path: message` or `file:line: message`. */
export function formatProblem(file: string, p: Problem): string {
  const where = p.line === undefined ? file : `${file}:${p.line}`;
  const path = formatPath(p.path);
  return path === "" ? `${where}: ${p.message}` : `${where}: ${path}: ${p.message}`;
}

/**
 * The YAML type of a value, never the value itself: type errors state expected vs actual without
 * echoing what may be a secret pasted into the wrong field.
 */
export function describeType(x: unknown): string {
  if (x === null) return "null";
  if (x === undefined) return "nothing";
  if (Array.isArray(x)) return "a list";
  if (typeof x === "string") return "a string";
  if (typeof x === "number") return "a number";
  if (typeof x === "boolean") return "a boolean";
  if (typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) return "a mapping";
  return "an unsupported YAML value";
}

const ECHO_MAX = 40;

/**
 * Echo for enum mismatches only (`(got "tokens")`): short strings are shown quoted, anything long
 * or non-string is reduced to its type, so a pasted key is never printed in full.
 */
export function describeEnumInput(x: unknown): string {
  if (typeof x === "string" && x.length <= ECHO_MAX) return JSON.stringify(x);
  if (typeof x === "number" || typeof x === "boolean") return String(x);
  return describeType(x);
}

/**
 * Optimal-string-alignment distance (Levenshtein plus adjacent transposition), so `max_concurent`
 * and `mdoels` both land within 2 of the key that was meant.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, at(i - 2, j - 2) + 1);
      d[i * cols + j] = best;
    }
  }
  return at(a.length, b.length);
}

export const SUGGEST_MAX_DISTANCE = 2;

/** The closest candidate within distance 2 (first one wins a tie), or undefined. */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  let best: string | undefined;
  let bestDistance = SUGGEST_MAX_DISTANCE + 1;
  for (const c of candidates) {
    const dist = editDistance(word, c);
    if (dist < bestDistance) {
      best = c;
      bestDistance = dist;
    }
  }
  return best;
}

/** ` (did you mean "x"?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hit = closest(word, candidates);
  return hit === undefined ? "" : ` (did you mean ${JSON.stringify(hit)}?)`;
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** Document order (by source offset), so a long list of errors reads top to bottom like the file. */
export function sortByPosition(ps: readonly Problem[], offsetOf: (p: ConfigPath) => number): Problem[] {
  return ps
    .map((p, i) => ({ p, i, at: offsetOf(p.path) }))
    .sort((a, b) => a.at - b.at || a.i - b.i)
    .map((x) => x.p);
}
