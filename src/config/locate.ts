// Which files to load (platform.md §1.1). Pure: the caller passes the env, cwd and an `exists`
// probe, so tests need no real files and nothing here touches the process.
import { join } from "node:path";
import type { EnvMap } from "./env.ts";

export const SYSTEM_CONFIG_PATH = "/etc/busbar/config.yaml";

const notFound = (paths: readonly string[]): string =>
  `config file not found: ${paths.join(", ")} (set BUSBAR_CONFIG, pass --config, or try: busbar demo)`;

/** `--config` > `BUSBAR_CONFIG` > `./config.yaml` > `/etc/busbar/config.yaml`. An empty value counts as unset. */
export function locateConfigFile(
  flag: string | undefined,
  env: EnvMap,
  exists: (p: string) => boolean,
  cwd: string,
): { path: string } | { error: string } {
  const chosen = nonEmpty(flag) ?? nonEmpty(env.BUSBAR_CONFIG);
  // An explicit choice never falls back: a typo in --config must not load some other file.
  if (chosen !== undefined) return exists(chosen) ? { path: chosen } : { error: notFound([chosen]) };
  const candidates = [join(cwd, "config.yaml"), SYSTEM_CONFIG_PATH];
  const found = candidates.find(exists);
  return found !== undefined ? { path: found } : { error: notFound(candidates) };
}

/** `--providers` > `BUSBAR_PROVIDERS` > the catalog embedded in the binary. */
export function locateCatalog(flag: string | undefined, env: EnvMap): { path: string } | { embedded: true } {
  const chosen = nonEmpty(flag) ?? nonEmpty(env.BUSBAR_PROVIDERS);
  return chosen !== undefined ? { path: chosen } : { embedded: true };
}

function nonEmpty(s: string | undefined): string | undefined {
  return s === undefined || s === "" ? undefined : s;
}
