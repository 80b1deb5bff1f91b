// `busbar --validate [--strict]` (platform.md §1.7): every load stage except secret resolution.
// It binds nothing, opens no store, touches no network and writes no file; it reads only the
// config and catalog files.
import { existsSync } from "node:fs";
import { EMBEDDED_CATALOG_FILE, embeddedCatalogText } from "./catalog.ts";
import type { EnvMap } from "./env.ts";
import { readTextFile } from "./files.ts";
import { loadConfig, locateCatalog, locateConfigFile } from "./load.ts";
import { plural } from "./messages.ts";

export interface ValidateOptions {
  readonly configFlag?: string;
  readonly providersFlag?: string;
  /** Warnings fail validation too. */
  readonly strict?: boolean;
  readonly env: EnvMap;
  readonly cwd: string;
}

export interface ValidateOutcome {
  readonly exitCode: 0 | 1;
  /** The full report, newline-terminated. */
  readonly out: string;
}

export function runValidate(opts: ValidateOptions): ValidateOutcome {
  const invalid = (errors: readonly string[], tail: readonly string[] = []): ValidateOutcome =>
    ({ exitCode: 1, out: render([`config invalid (${plural(errors.length, "error")}):`, ...errors, ...tail]) });

  const located = locateConfigFile(opts.configFlag, opts.env, existsSync, opts.cwd);
  if ("error" in located) return { exitCode: 1, out: render([located.error]) };
  const config = readTextFile(located.path);
  if ("error" in config) return invalid([config.error]);

  const where = locateCatalog(opts.providersFlag, opts.env);
  let catalogText: string;
  let catalogFile: string;
  if ("embedded" in where) {
    catalogText = embeddedCatalogText();
    catalogFile = EMBEDDED_CATALOG_FILE;
  } else {
    const read = readTextFile(where.path);
    if ("error" in read) return invalid([read.error]);
    catalogText = read.text;
    catalogFile = where.path;
  }

  const r = loadConfig({ configText: config.text, configFile: located.path, catalogText, catalogFile, env: opts.env, validateOnly: true });
  const notes = r.notes.map((n) => `note: ${n}`);
  // An invalid config lists its errors only (§1.6); warnings would bury them and repeat on the next run.
  if (!r.ok) return invalid(r.errors, notes);
  const tail = [...r.warnings.map((w) => `warning: ${w}`), ...notes];
  if (opts.strict && r.warnings.length > 0) {
    return { exitCode: 1, out: render([`config invalid (--strict, ${plural(r.warnings.length, "warning")}):`, ...tail]) };
  }
  const { providers, models, pools } = r.counts;
  return { exitCode: 0, out: render([`ok: config valid — ${providers} provider(s), ${models} model(s), ${pools} pool(s)`, ...tail]) };
}

function render(lines: readonly string[]): string {
  return `${lines.join("\n")}\n`;
}
