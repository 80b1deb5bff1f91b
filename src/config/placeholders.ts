// Stand-ins for `${VAR}`s that are unset under `--validate` (platform.md §1.7): CI validates a
// config without its secrets, so every check whose input depends on an unset variable is skipped.
// The stand-in is plain text that is valid in any YAML scalar position (quoted, plain, key) and is
// recognisable later, so a check can tell "depends on an unset variable" from "wrong".

const MARK = "__busbar_unset_env_";

export function placeholderFor(name: string): string {
  return `${MARK}${name}__`;
}

/** True when a value (or any string inside it) was built from an unset variable. */
export function dependsOnUnset(x: unknown): boolean {
  if (typeof x === "string") return x.includes(MARK);
  if (Array.isArray(x)) return x.some(dependsOnUnset);
  if (x !== null && typeof x === "object") {
    return Object.entries(x).some(([k, val]) => k.includes(MARK) || dependsOnUnset(val));
  }
  return false;
}

/** True when any key on a path was built from an unset variable (a name like `${MODEL}`). */
export function pathDependsOnUnset(path: readonly (string | number)[]): boolean {
  return path.some((k) => typeof k === "string" && k.includes(MARK));
}

/** Asks whether the value at a path (or anything under it) was replaced by a stand-in. */
export type UnknownAt = (path: readonly (string | number)[]) => boolean;

export function unknownFrom(skipped: readonly (readonly (string | number)[])[]): UnknownAt {
  const related = (a: readonly (string | number)[], b: readonly (string | number)[]): boolean =>
    a.slice(0, Math.min(a.length, b.length)).every((k, i) => k === b[i]);
  return (path) => skipped.some((s) => related(s, path));
}
