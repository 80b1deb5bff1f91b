// Walking a valibot schema alongside the data it validates: which keys a mapping allows at a
// path (for "did you mean"), whether a field is optional, what an enum's options are.
import type * as v from "valibot";
import type { ConfigPath } from "./messages.ts";

export type Schema = v.GenericSchema;

const WRAPPERS = new Set(["optional", "nullish", "exact_optional", "nullable", "undefinedable"]);

export function isSchema(x: unknown): x is Schema {
  return typeof x === "object" && x !== null && "kind" in x && x.kind === "schema";
}

export function isOptional(s: Schema): boolean {
  return WRAPPERS.has(s.type);
}

/** Strips optional-style wrappers; a pipe already carries its base schema's fields. */
export function unwrap(s: Schema): Schema {
  let cur = s;
  while (WRAPPERS.has(cur.type) && "wrapped" in cur && isSchema(cur.wrapped)) cur = cur.wrapped;
  return cur;
}

/** A strict mapping's fields by name, or undefined when `s` is not a mapping schema. */
export function entriesOf(s: Schema): Readonly<Record<string, Schema>> | undefined {
  const u = unwrap(s);
  if ((u.type !== "strict_object" && u.type !== "object") || !("entries" in u)) return undefined;
  const entries = u.entries;
  if (typeof entries !== "object" || entries === null) return undefined;
  const out: Record<string, Schema> = {};
  for (const [k, val] of Object.entries(entries)) if (isSchema(val)) out[k] = val;
  return out;
}

/** The value schema of a record (name → entry) schema. */
export function recordValueOf(s: Schema): Schema | undefined {
  const u = unwrap(s);
  return u.type === "record" && "value" in u && isSchema(u.value) ? u.value : undefined;
}

export function arrayItemOf(s: Schema): Schema | undefined {
  const u = unwrap(s);
  return u.type === "array" && "item" in u && isSchema(u.item) ? u.item : undefined;
}

export function picklistOptions(s: Schema): readonly unknown[] | undefined {
  const u = unwrap(s);
  return u.type === "picklist" && "options" in u && Array.isArray(u.options) ? u.options : undefined;
}

/** The (still wrapped) schema a key selects inside `s`. */
export function childSchema(s: Schema, key: string | number): Schema | undefined {
  if (typeof key === "number") return arrayItemOf(s);
  const entries = entriesOf(s);
  if (entries) return Object.hasOwn(entries, key) ? entries[key] : undefined;
  return recordValueOf(s);
}

export function schemaAt(root: Schema, path: ConfigPath): Schema | undefined {
  let cur: Schema | undefined = root;
  for (const key of path) {
    if (!cur) return undefined;
    cur = childSchema(cur, key);
  }
  return cur;
}
