// The `@…` suffixes of a model name, e.g. `mock-gpt@status=429@tool=get_weather@think`: a gateway forwards
// the model but not arbitrary headers, so the model carries per-request instructions to the mock.
// faults.ts reads the fault keys, shape.ts the reply-shape keys; each ignores the other's.

export interface Directive {
  /** Trimmed and lower-cased. */
  readonly key: string;
  /** The text after the first `=`, untrimmed; undefined for a bare flag such as `@think`. */
  readonly value: string | undefined;
}

/** Every `@key=value` / `@flag` after the first `@`, in order; empty items are skipped. */
export function modelDirectives(model: string): Directive[] {
  const at = model.indexOf("@");
  if (at < 0) return [];
  const out: Directive[] = [];
  for (const item of model.slice(at + 1).split("@")) {
    const eq = item.indexOf("=");
    const key = (eq < 0 ? item : item.slice(0, eq)).trim().toLowerCase();
    if (key !== "") out.push({ key, value: eq < 0 ? undefined : item.slice(eq + 1) });
  }
  return out;
}

/** The model without its directives: `mock-gpt@status=429` → `mock-gpt`. The mock calls this the member. */
export function memberOf(model: string): string {
  const at = model.indexOf("@");
  return at < 0 ? model : model.slice(0, at);
}
