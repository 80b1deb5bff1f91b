// What this binary is: version, commit and target, stamped at compile time by build.ts (platform.md §6.1, §6.3).
import pkg from "../package.json" with { type: "json" };

// build.ts replaces these identifiers with string literals through Bun's `define`. Outside a compiled
// binary (`bun src/main.ts`, tests) they are never declared at run time, and `typeof` on an undeclared
// name is "undefined" rather than a ReferenceError, which is what the guards below rely on.
declare const BUSBAR_VERSION: string | undefined;
declare const BUSBAR_COMMIT: string | undefined;
declare const BUSBAR_TARGET: string | undefined;

export interface BuildInfo {
  /** Semver from package.json (or build.ts --version). */
  version: string;
  /** Short git sha; `unknown` when built outside git, `dev` when not compiled. */
  commit: string;
  /** `<os>-<arch>[-musl]`, e.g. `linux-x64-musl`, `darwin-arm64`, `windows-x64`. */
  target: string;
}

export function buildInfo(): BuildInfo {
  return {
    version: typeof BUSBAR_VERSION === "string" ? BUSBAR_VERSION : pkg.version,
    commit: typeof BUSBAR_COMMIT === "string" ? BUSBAR_COMMIT : "dev",
    target: typeof BUSBAR_TARGET === "string" ? BUSBAR_TARGET : runningTarget(),
  };
}

/** The `--version` line: `busbar <semver> (<commit> <target>)`; the first two tokens are stable. */
export function versionLine(info: BuildInfo = buildInfo()): string {
  return `busbar ${info.version} (${info.commit} ${info.target})`;
}

// Not compiled: name the platform we are running on. libc is not probed here; a dev run never needs
// to tell glibc from musl, and the compiled binary carries its exact target.
function runningTarget(): string {
  const os = process.platform === "win32" ? "windows" : process.platform;
  return `${os}-${process.arch}`;
}
