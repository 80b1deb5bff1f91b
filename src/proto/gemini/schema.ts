// Gemini's schemas (protocols.md §6.4, §6.5). `parameters` and `responseSchema` are OpenAPI 3.0 Schema objects
// with upper-case type names (`"OBJECT"`) and `nullable`; JSON Schema readers elsewhere reject both, so the reader
// turns them into JSON Schema. The writer removes the keywords Gemini rejects, recording each (§6.4).
import type { Ledger } from "../../ir/ledger.ts";

type Obj = Record<string, unknown>;

function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Keys whose value is one sub-schema, a list of them, or a map of them: where both walks recurse. */
const ONE = new Set(["items", "not", "additionalProperties"]);
const LIST = new Set(["anyOf", "oneOf", "allOf", "prefixItems"]);
const MAP = new Set(["properties", "$defs", "definitions", "patternProperties"]);

function walk(schema: unknown, node: (s: Obj) => Obj): unknown {
  if (Array.isArray(schema)) return schema.map((s) => walk(s, node));
  if (!isObj(schema)) return schema;
  const out = node(schema);
  for (const [k, v] of Object.entries(out)) {
    if (ONE.has(k)) out[k] = walk(v, node);
    else if (LIST.has(k) && Array.isArray(v)) out[k] = v.map((s) => walk(s, node));
    else if (MAP.has(k) && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([name, s]) => [name, walk(s, node)]));
  }
  return out;
}

/** OpenAPI Schema (Gemini `parameters`, `responseSchema`) → JSON Schema: lower-case types, `nullable` as a type union. */
export function readOpenApiSchema(schema: unknown): unknown {
  return walk(schema, (s) => {
    const out: Obj = { ...s };
    if (typeof out.type === "string") out.type = out.type.toLowerCase();
    if (out.nullable === true && typeof out.type === "string") {
      out.type = [out.type, "null"];
      delete out.nullable;
    }
    return out;
  });
}

/** What Gemini's Schema cannot hold (§6.4); each removal is recorded once per schema and keyword. */
const REMOVED = new Set([
  "$schema", "$id", "$ref", "$defs", "definitions", "additionalProperties", "additionalItems", "patternProperties",
  "unevaluatedProperties", "const", "examples", "$comment",
]);

/**
 * JSON Schema → a schema Gemini accepts: the §6.4 keywords removed (recorded as `<at>.<keyword>`), and a
 * `[type, "null"]` union written as Gemini's `nullable` (no loss).
 */
export function sanitizeSchema(schema: unknown, at: string, ledger: Ledger): unknown {
  return walk(schema, (s) => {
    const out: Obj = {};
    for (const [k, v] of Object.entries(s)) {
      if (REMOVED.has(k)) ledger.add(`${at}.${k}`, "no_target_analog");
      else out[k] = v;
    }
    if (Array.isArray(out.type) && out.type.length === 2 && out.type.includes("null")) {
      const t = out.type.find((x) => x !== "null");
      if (typeof t === "string") {
        out.type = t;
        out.nullable = true;
        if (Array.isArray(out.enum)) out.enum = out.enum.filter((x) => x !== null); // Gemini enums are strings
      }
    }
    return out;
  });
}

/**
 * Gemini rejects an OBJECT schema without properties ("properties: should be non-empty"), so a tool that takes
 * no arguments is declared without `parameters`. Nothing is lost: `{}` and an empty object schema say the same.
 */
export function isEmptyObjectSchema(schema: unknown): boolean {
  if (!isObj(schema)) return schema === undefined || schema === null;
  const keys = Object.keys(schema).filter((k) => !REMOVED.has(k) && k !== "required" && k !== "description");
  if (keys.length === 0) return true;
  const props = schema.properties;
  const emptyProps = props === undefined || (isObj(props) && Object.keys(props).length === 0);
  return typeof schema.type === "string" && schema.type.toLowerCase() === "object" && emptyProps && keys.every((k) => k === "type" || k === "properties");
}
