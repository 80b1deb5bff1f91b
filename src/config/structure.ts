// The structural half of schema validation, run before valibot: unknown keys (all of them, with
// a suggestion; valibot's strict object stops at the first), lists where a mapping belongs
// (valibot accepts arrays as objects), and names valibot's record silently drops.
import { type ConfigPath, didYouMean, type Problem, problem } from "./messages.ts";
import { arrayItemOf, entriesOf, recordValueOf, type Schema } from "./walk.ts";

/** Record keys valibot skips to avoid prototype pollution; as names they would vanish silently. */
const DROPPED_NAMES = new Set(["__proto__", "prototype", "constructor"]);

export interface Structure {
  readonly problems: Problem[];
  /** Paths already reported; valibot issues at or under them are duplicates. */
  readonly covered: ConfigPath[];
}

export function checkStructure(schema: Schema, value: unknown): Structure {
  const out: Structure = { problems: [], covered: [] };
  walk(schema, value, [], out);
  return out;
}

function isMappingValue(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function walk(schema: Schema, value: unknown, path: ConfigPath, out: Structure): void {
  const entries = entriesOf(schema);
  const recordValue = entries ? undefined : recordValueOf(schema);
  if ((entries || recordValue) && Array.isArray(value)) {
    out.problems.push(problem(path, "must be a mapping (got a list)"));
    out.covered.push(path);
    return;
  }
  if (entries && isMappingValue(value)) {
    const allowed = Object.keys(entries);
    for (const key of Object.keys(value)) {
      const child = Object.hasOwn(entries, key) ? entries[key] : undefined;
      // Only the key is named: the value of an unknown key may be a pasted secret (`api_key: sk-…`).
      if (!child) out.problems.push(problem([...path, key], `unknown key${hint(key, allowed)}`));
      else walk(child, value[key], [...path, key], out);
    }
    return;
  }
  if (recordValue && isMappingValue(value)) {
    for (const key of Object.keys(value)) {
      if (DROPPED_NAMES.has(key)) {
        out.problems.push(problem([...path, key], `${JSON.stringify(key)} cannot be used as a name`));
        out.covered.push([...path, key]);
      } else {
        walk(recordValue, value[key], [...path, key], out);
      }
    }
    return;
  }
  const item = arrayItemOf(schema);
  if (item && Array.isArray(value)) value.forEach((x, i) => walk(item, x, [...path, i], out));
}

/** A credential-looking key where a key source belongs gets the reason, not a spelling hint. */
const KEY_LITERAL = /^(?:api_?key|apikey|key|secret|token)$/i;

function hint(key: string, allowed: readonly string[]): string {
  if (allowed.includes("api_key_env") && KEY_LITERAL.test(key)) {
    return " (keys are never written in the config: name their source with api_key_env or api_key_file)";
  }
  return didYouMean(key, allowed);
}
