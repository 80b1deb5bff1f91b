// Name rules and cross-references (platform.md §1.4, reliability.md §2). Names become URL path
// segments and metric labels, so the ones that collide with fixed routes are refused up front.
import { didYouMean, type Problem, problem } from "./messages.ts";
import { dependsOnUnset, pathDependsOnUnset } from "./placeholders.ts";
import type { OperatorConfig } from "./schema.ts";

export const NAME_MAX_CHARS = 128;
/** Fixed route segments (`/healthz`, `/v1/...`, Bedrock's `/model/{id}/...`) a name may not shadow. */
export const RESERVED_NAMES: readonly string[] = ["admin", "healthz", "stats", "metrics", "v1", "v1beta", "v2", "model"];

type Section = "providers" | "models" | "pools";

function nameProblems(section: Section, name: string): Problem[] {
  if (pathDependsOnUnset([name])) return [];
  const at = [section, name];
  if (name.trim() === "") return [problem(at, "name must not be empty")];
  if ([...name].length > NAME_MAX_CHARS) return [problem(at, `name is longer than ${NAME_MAX_CHARS} characters`)];
  if (name === "admin" || name.startsWith("admin/")) return [problem(at, `${JSON.stringify(name)} is reserved for the admin API`)];
  if (RESERVED_NAMES.includes(name)) return [problem(at, `${JSON.stringify(name)} is reserved (it is a fixed route segment)`)];
  return [];
}

export function checkNames(op: OperatorConfig): Problem[] {
  const out: Problem[] = [];
  const providers = Object.keys(op.providers);
  const models = Object.keys(op.models);
  const pools = Object.keys(op.pools);
  for (const n of providers) out.push(...nameProblems("providers", n));
  for (const n of models) out.push(...nameProblems("models", n));
  for (const n of pools) {
    out.push(...nameProblems("pools", n));
    // A request names a pool or a model in the same field, so the two must not be ambiguous.
    if (Object.hasOwn(op.models, n)) out.push(problem(["pools", n], `pool name collides with model ${JSON.stringify(n)}`));
    else if (Object.hasOwn(op.providers, n)) out.push(problem(["pools", n], `pool name collides with provider ${JSON.stringify(n)}`));
  }

  for (const [m, model] of Object.entries(op.models)) {
    if (dependsOnUnset(model.provider) || Object.hasOwn(op.providers, model.provider)) continue;
    out.push(problem(["models", m, "provider"], `unknown provider ${JSON.stringify(model.provider)}${didYouMean(model.provider, providers)}`));
  }
  for (const [p, pool] of Object.entries(op.pools)) {
    pool.members.forEach((member, i) => {
      const t = member.target;
      if (dependsOnUnset(t) || Object.hasOwn(op.models, t)) return;
      const at = ["pools", p, "members", i, "target"];
      if (Object.hasOwn(op.pools, t)) out.push(problem(at, `${JSON.stringify(t)} is a pool; members must be models`));
      else if (Object.hasOwn(op.providers, t)) out.push(problem(at, `${JSON.stringify(t)} is a provider; members must be models`));
      else out.push(problem(at, `unknown model ${JSON.stringify(t)}${didYouMean(t, models)}`));
    });
  }
  return out;
}
