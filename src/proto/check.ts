// Wire-shape validation on the hot path. The wire schemas stay valibot (one source of truth, its error messages),
// but `v.parse` walks every entry through generic `~run` dispatch and copies each object: in a server, ~8 µs of a
// cross-protocol request's ~100 µs (CPU profile, 2-vCPU VM). `parse` below first runs a guard compiled once per
// schema from the same schema object; a value it accepts is one valibot would return unchanged, so the input is
// returned as is. Anything the guard rejects, or a schema it cannot compile (pipes, defaults, fallbacks,
// transforms), goes through `v.parse`, which decides and words the error.
import * as v from "valibot";

type Guard = (x: unknown) => boolean;
type AnySchema = v.GenericSchema & Record<string, unknown>;

/** null = not compilable: always ask valibot. */
const compiled = new WeakMap<object, Guard | null>();

export function parse<S extends v.GenericSchema>(schema: S, value: unknown): v.InferOutput<S> {
  const guard = guardOf(schema as unknown as AnySchema);
  if (guard !== null && guard(value)) return value as v.InferOutput<S>;
  return v.parse(schema, value);
}

function guardOf(schema: AnySchema): Guard | null {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  // Placeholder while compiling, so a recursive schema falls back instead of looping.
  compiled.set(schema, null);
  const guard = compile(schema);
  compiled.set(schema, guard);
  return guard;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === "object" && x !== null;
const isOptionalType = (t: unknown) => t === "optional" || t === "nullish" || t === "exact_optional";

function compile(s: AnySchema): Guard | null {
  // A pipe keeps its root's `type` but may check or transform further; defaults and fallbacks change the output.
  if (s.pipe !== undefined || s.fallback !== undefined) return null;
  switch (s.type) {
    case "string": return (x) => typeof x === "string";
    case "number": return (x) => typeof x === "number" && !Number.isNaN(x);
    case "boolean": return (x) => typeof x === "boolean";
    case "null": return (x) => x === null;
    case "unknown":
    case "any": return () => true;
    case "literal": {
      const lit = s.literal;
      return (x) => x === lit;
    }
    case "picklist": {
      const options = s.options as readonly unknown[];
      return (x) => options.includes(x);
    }
    case "custom": {
      const check = s.check as (x: unknown) => boolean;
      return (x) => check(x);
    }
    case "optional":
    case "nullish":
    case "nullable": {
      if (s.default !== undefined) return null;
      const inner = guardOf(s.wrapped as AnySchema);
      if (inner === null) return null;
      if (s.type === "optional") return (x) => x === undefined || inner(x);
      if (s.type === "nullable") return (x) => x === null || inner(x);
      return (x) => x === undefined || x === null || inner(x);
    }
    case "array": {
      const item = guardOf(s.item as AnySchema);
      if (item === null) return null;
      return (x) => {
        if (!Array.isArray(x)) return false;
        for (let i = 0; i < x.length; i++) if (!item(x[i])) return false;
        return true;
      };
    }
    case "union":
    case "variant": {
      const options = (s.options as AnySchema[]).map(guardOf);
      if (options.some((g) => g === null)) return null;
      const gs = options as Guard[];
      return (x) => {
        for (const g of gs) if (g(x)) return true;
        return false;
      };
    }
    case "loose_object":
    case "object":
      return objectGuard(s.entries as Record<string, AnySchema>, s.type === "object");
    default:
      return null;
  }
}

/** `object` strips unknown keys, so its output equals its input only when there are none. */
function objectGuard(entries: Record<string, AnySchema>, closed: boolean): Guard | null {
  const keys = Object.keys(entries);
  const guards: Guard[] = [];
  const optional: boolean[] = [];
  for (const k of keys) {
    const g = guardOf(entries[k]!);
    if (g === null) return null;
    guards.push(g);
    optional.push(isOptionalType(entries[k]!.type));
  }
  return (x) => {
    if (!isObject(x) || Array.isArray(x)) return false;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (k in x) {
        if (!guards[i]!(x[k])) return false;
      } else if (!optional[i]) return false;
    }
    if (closed) for (const k in x) if (!(k in entries)) return false;
    return true;
  };
}
