// The front half of the load pipeline for one file (platform.md §1.2): read text → expand
// `${NAME}` → parse YAML → schema. Each stage reports all of its problems before the next runs.
import { basename } from "node:path";
import * as v from "valibot";
import { type EnvMap, expandEnv } from "./env.ts";
import { type ConfigPath, formatProblem, type Problem, problem, sortByPosition } from "./messages.ts";
import { dependsOnUnset, pathDependsOnUnset, placeholderFor } from "./placeholders.ts";
import { checkStructure } from "./structure.ts";
import { isOptional, picklistOptions, type Schema, schemaAt } from "./walk.ts";
import { parseYaml, stripBom, tooLarge } from "./yaml.ts";

export interface DocumentInput<S extends Schema> {
  readonly schema: S;
  readonly text: string;
  /** Path or label; messages use its last segment (`config.yaml: …`). */
  readonly file: string;
  /** Set for the operator config; the catalog is shipped data and is not expanded. */
  readonly expand?: { readonly env: EnvMap; readonly validateOnly: boolean };
}

export type DocumentResult<T> =
  | {
      readonly ok: true;
      readonly value: T;
      readonly unset: readonly string[];
      /** Paths whose values came from unset variables (--validate) and were replaced by stand-ins. */
      readonly skipped: readonly ConfigPath[];
      readonly offsetOf: (p: ConfigPath) => number;
      readonly label: string;
    }
  | { readonly ok: false; readonly errors: readonly string[]; readonly unset: readonly string[] };

/** The name a file is reported under: its basename, so messages read the same on every machine. */
export function fileLabel(file: string): string {
  return basename(file) || file;
}

export function readDocument<S extends Schema>(input: DocumentInput<S>): DocumentResult<v.InferOutput<S>> {
  const label = fileLabel(input.file);
  const fail = (problems: readonly Problem[], unset: readonly string[] = []): DocumentResult<never> => ({
    ok: false,
    errors: problems.map((p) => formatProblem(label, p)),
    unset,
  });
  let text = stripBom(input.text);
  if (tooLarge(text)) return fail([problem([], "file is larger than 4 MiB")]);

  let unset: readonly string[] = [];
  const validateOnly = input.expand?.validateOnly ?? false;
  if (input.expand) {
    const ex = expandEnv(text, input.expand.env, { unsetAllowed: validateOnly, placeholder: placeholderFor });
    if (ex.errors.length > 0) return fail(ex.errors.map((e) => ({ path: [], line: e.line, message: e.message })), ex.unset);
    text = ex.text;
    unset = ex.unset;
  }

  const yaml = parseYaml(text);
  if (!yaml.ok) return fail(yaml.problems, unset);
  if (yaml.value === null || yaml.value === undefined) return fail([problem([], "file is empty")], unset);

  const checked = applySchema(input.schema, yaml.value, validateOnly);
  if (!checked.ok) {
    return fail(sortByPosition(checked.problems, yaml.offsetOf), unset);
  }
  return { ok: true, value: checked.value, unset, skipped: checked.skipped, offsetOf: yaml.offsetOf, label };
}

type Checked<T> = { readonly ok: true; readonly value: T; readonly skipped: readonly ConfigPath[] } | { readonly ok: false; readonly problems: readonly Problem[] };

interface Found {
  readonly problem: Problem;
  /** The offending input was built from an unset `${VAR}` (only possible under --validate). */
  readonly fromUnset: boolean;
}

function applySchema<S extends Schema>(schema: S, tree: unknown, skipUnset: boolean): Checked<v.InferOutput<S>> {
  const structure = checkStructure(schema, tree);
  const first = v.safeParse(schema, tree);
  const found: Found[] = [
    ...structure.problems.map((p) => ({ problem: p, fromUnset: false })),
    ...(first.success ? [] : issuesToFound(first.issues, structure.covered)),
  ];
  const skipped = skipUnset ? found.filter((f) => f.fromUnset || pathDependsOnUnset(f.problem.path)) : [];
  const real = found.filter((f) => !skipped.includes(f));
  if (real.length > 0) return { ok: false, problems: real.map((f) => f.problem) };
  if (skipped.length === 0 && first.success) return { ok: true, value: first.output, skipped: [] };

  // Everything left depends on unset variables: stand in a neutral value at each such path
  // (drop it when optional, so the default applies) and validate the rest of the file.
  const repaired: unknown = structuredClone(tree);
  for (const f of skipped) standIn(schema, repaired, f.problem.path);
  const second = v.safeParse(schema, repaired);
  if (second.success) return { ok: true, value: second.output, skipped: skipped.map((f) => f.problem.path) };
  return { ok: false, problems: issuesToFound(second.issues, []).map((f) => f.problem) };
}

function issuesToFound(issues: readonly v.BaseIssue<unknown>[], covered: readonly ConfigPath[]): Found[] {
  const out: Found[] = [];
  for (const issue of issues) {
    const items = issue.path ?? [];
    const path: ConfigPath = items.map((item) => (typeof item.key === "number" ? item.key : String(item.key)));
    if (covered.some((c) => c.length <= path.length && c.every((k, i) => k === path[i]))) continue;
    const last = items.at(-1);
    if (issue.type === "strict_object" && last?.origin === "key") {
      if (issue.expected === "never") continue; // unknown key: the structure pass reported every one
      out.push({ problem: problem(path, "missing required key"), fromUnset: false });
      continue;
    }
    out.push({ problem: problem(path, issue.message), fromUnset: dependsOnUnset(issue.input) });
  }
  return out;
}

function standIn(root: Schema, tree: unknown, path: ConfigPath): void {
  const parentPath = path.slice(0, -1);
  const key = path.at(-1);
  let parent: unknown = tree;
  for (const k of parentPath) {
    if (typeof parent !== "object" || parent === null) return;
    parent = Reflect.get(parent, k);
  }
  if (key === undefined || typeof parent !== "object" || parent === null) return;
  const schema = schemaAt(root, path);
  const options = schema ? picklistOptions(schema) : undefined;
  if (!schema || isOptional(schema)) {
    // List items are never optional, so only mapping keys are dropped (indices stay valid).
    if (!Array.isArray(parent)) Reflect.deleteProperty(parent, key);
  } else if (options && options.length > 0) {
    Reflect.set(parent, key, options[0]);
  }
}
