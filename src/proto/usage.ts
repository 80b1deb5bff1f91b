// A response body's token usage without reading the whole response into the IR (platform.md §3.3 spend): the
// same-protocol path passes bodies through untranslated, so each codec names where its usage lives and which
// table reads it (protocols.md §5.3). An absent or malformed usage object is no usage.
import * as v from "valibot";
import type { Usage } from "../ir/usage.ts";

export function usageFrom<S extends v.GenericSchema>(value: unknown, schema: S, read: (u: v.InferOutput<S>) => Usage): Usage | undefined {
  if (value === null || typeof value !== "object") return undefined;
  const r = v.safeParse(schema, value);
  return r.success ? read(r.output) : undefined;
}
