// Compiles busbar into one self-contained executable per platform, plus SHA256SUMS (platform.md §6.3).
//
//   bun build.ts                     all seven targets into dist/
//   bun build.ts --host-only         only the platform this runs on (what CI uses)
//   bun build.ts --targets linux-x64,darwin-arm64 --out out/ --version 1.2.3
//
// Output is the release folder install.sh downloads from (docs/install.md): plain binaries named
// busbar-<os>-<arch>[-musl][.exe], the catalog as `providers.yaml` (the same file the binaries embed),
// the starter `config.example.yaml`, `install.sh`, `VERSION`, and a SHA256SUMS in `sha256sum` format
// listing every one of those files this run wrote. Plain binaries instead of the spec's per-platform
// archives (docs/decisions.md): one download per file, each verified on its own.
// Cross-compiling needs no toolchain: Bun fetches each target's runtime from the npm registry
// (@oven/bun-<os>-<arch>) on first use and caches it.
import { existsSync } from "node:fs";
import { mkdir, readdir, rm } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import pkg from "./package.json" with { type: "json" };

/** The Bun the release is built with. A different Bun is refused: see `assertPinnedBun`. */
export const PINNED_BUN = "1.4.5";

const ROOT = import.meta.dir;
const DEFAULT_ENTRY = "src/main.ts";
const DEFAULT_OUT = "dist";

export type Os = "linux" | "darwin" | "windows";
export type Arch = "x64" | "arm64";

export interface Target {
  /** Bun's `--target` name. */
  readonly bun: Bun.Build.CompileTarget;
  readonly os: Os;
  readonly arch: Arch;
  readonly musl: boolean;
}

/** Every platform a release ships, in release order. */
export const TARGETS: readonly Target[] = [
  { bun: "bun-linux-x64", os: "linux", arch: "x64", musl: false },
  { bun: "bun-linux-arm64", os: "linux", arch: "arm64", musl: false },
  { bun: "bun-linux-x64-musl", os: "linux", arch: "x64", musl: true },
  { bun: "bun-linux-arm64-musl", os: "linux", arch: "arm64", musl: true },
  { bun: "bun-darwin-x64", os: "darwin", arch: "x64", musl: false },
  { bun: "bun-darwin-arm64", os: "darwin", arch: "arm64", musl: false },
  { bun: "bun-windows-x64", os: "windows", arch: "x64", musl: false },
];

/** `linux-x64-musl`: the name `--targets` takes and the binary reports in `--version`. */
export function targetLabel(t: Target): string {
  return `${t.os}-${t.arch}${t.musl ? "-musl" : ""}`;
}

/** `busbar-linux-x64-musl`, `busbar-windows-x64.exe`. */
export function binaryName(t: Target): string {
  return `busbar-${targetLabel(t)}${t.os === "windows" ? ".exe" : ""}`;
}

/** The target matching a running platform, or undefined when busbar does not ship one for it. */
export function hostTarget(platform: string, arch: string, musl: boolean): Target | undefined {
  const os = platform === "win32" ? "windows" : platform;
  return TARGETS.find((t) => t.os === os && t.arch === arch && t.musl === musl);
}

/** musl is detected the way install.sh does it (platform.md §6.4): a musl loader in /lib. */
async function hostIsMusl(): Promise<boolean> {
  if (process.platform !== "linux") return false;
  const entries = await readdir("/lib").catch(() => [] as string[]);
  return entries.some((name) => name.startsWith("ld-musl-"));
}

/** One `sha256sum` line: lowercase hex, two spaces (text mode), file name. */
export function sha256sumsLine(hex: string, fileName: string): string {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a sha256 hex digest: ${hex}`);
  if (/[\\\n/]/.test(fileName)) throw new Error(`SHA256SUMS names a bare file name, got: ${fileName}`);
  return `${hex}  ${fileName}`;
}

/** The whole SHA256SUMS file: sorted by name so reruns diff cleanly, newline-terminated. */
export function formatSha256Sums(entries: readonly { fileName: string; hex: string }[]): string {
  return [...entries]
    .sort((a, b) => (a.fileName < b.fileName ? -1 : a.fileName > b.fileName ? 1 : 0))
    .map((e) => `${sha256sumsLine(e.hex, e.fileName)}\n`)
    .join("");
}

export async function sha256File(path: string): Promise<string> {
  const hasher = new Bun.CryptoHasher("sha256");
  for await (const chunk of Bun.file(path).stream()) hasher.update(chunk);
  return hasher.digest("hex");
}

/** The compile-time constants src/build-info.ts reads. Values are JS source, hence JSON strings. */
export function buildDefines(version: string, commit: string, t: Target): Record<string, string> {
  return {
    BUSBAR_VERSION: JSON.stringify(version),
    BUSBAR_COMMIT: JSON.stringify(commit),
    BUSBAR_TARGET: JSON.stringify(targetLabel(t)),
  };
}

export interface BuildOptions {
  readonly targets: readonly Target[];
  readonly outDir: string;
  readonly version: string;
  readonly entry: string;
  /** Stamped into the published install.sh as its default release host (`<base>/<version>/…`, `<base>/latest/VERSION`). */
  readonly downloadBase: string | undefined;
}

export type ParsedArgs = { ok: true; options: BuildOptions } | { ok: false; error: string } | { ok: "help" };

export const USAGE = `usage: bun build.ts [--host-only | --targets LIST] [--out DIR] [--version X.Y.Z] [--entry FILE]

  --host-only       build only the running platform's target
  --targets LIST    comma-separated, from: ${TARGETS.map(targetLabel).join(", ")}
  --out DIR         output directory (default ${DEFAULT_OUT}; --outdir is the same)
  --version X.Y.Z   version to stamp (default: package.json, ${pkg.version})
  --entry FILE      entry point (default ${DEFAULT_ENTRY})
  --download-base URL
                    the release host the published install.sh downloads from by default
                    (https://, laid out <URL>/<version>/… and <URL>/latest/VERSION; docs/install.md)`;

/** Pure: argv (without `bun build.ts`) → options. Host detection is passed in so tests can pin it. */
export function parseBuildArgs(argv: readonly string[], host: Target | undefined, hostName: string): ParsedArgs {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        "host-only": { type: "boolean" },
        targets: { type: "string" },
        out: { type: "string" },
        outdir: { type: "string" },
        version: { type: "string" },
        entry: { type: "string" },
        "download-base": { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    }));
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
  if (values.help) return { ok: "help" };
  if (values["host-only"] && values.targets !== undefined) {
    return { ok: false, error: "--host-only and --targets cannot be combined" };
  }
  if (values.out !== undefined && values.outdir !== undefined) {
    return { ok: false, error: "give the output directory once (--out or --outdir)" };
  }

  let targets: readonly Target[] = TARGETS;
  if (values["host-only"]) {
    if (!host) return { ok: false, error: `busbar ships no build for this platform (${hostName})` };
    targets = [host];
  } else if (values.targets !== undefined) {
    const picked: Target[] = [];
    for (const label of values.targets.split(",").map((s) => s.trim()).filter(Boolean)) {
      const t = TARGETS.find((x) => targetLabel(x) === label || x.bun === label);
      if (!t) return { ok: false, error: `unknown target "${label}" (known: ${TARGETS.map(targetLabel).join(", ")})` };
      if (!picked.includes(t)) picked.push(t);
    }
    if (picked.length === 0) return { ok: false, error: "--targets names no target" };
    targets = picked;
  }

  const version = values.version ?? pkg.version;
  // The first two tokens of `busbar --version` are a stable contract (platform.md §6.1): keep it semver.
  if (!/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/.test(version)) {
    return { ok: false, error: `--version must be semver X.Y.Z[-pre][+build] (got "${version}")` };
  }

  const downloadBase = values["download-base"];
  // It lands inside a double-quoted sh assignment: plain https URLs only, so nothing can break out of the quotes.
  if (downloadBase !== undefined && !/^https:\/\/[A-Za-z0-9.-]+(?::\d+)?(?:\/[A-Za-z0-9._~\/-]*)?$/.test(downloadBase)) {
    return { ok: false, error: `--download-base must be a plain https:// URL (got "${downloadBase}")` };
  }

  return {
    ok: true,
    options: {
      targets,
      outDir: values.out ?? values.outdir ?? DEFAULT_OUT,
      version,
      entry: values.entry ?? DEFAULT_ENTRY,
      downloadBase: downloadBase?.replace(/\/+$/, ""),
    },
  };
}

// A release built by a different Bun is a different product: the runtime, its TLS stack and its
// fixes ship inside every binary (platform.md §4.1 names a client-cert defect that only one Bun fixes).
function assertPinnedBun(): void {
  if (Bun.version !== PINNED_BUN) {
    throw new Error(`build.ts needs Bun ${PINNED_BUN} (this is ${Bun.version}); install that version and rerun`);
  }
}

/** Short sha of HEAD, or `unknown` outside git (a source tarball) or before the first commit. */
function gitCommit(): string {
  try {
    const r = Bun.spawnSync(["git", "rev-parse", "--short", "HEAD"], { cwd: ROOT, stdout: "pipe", stderr: "ignore" });
    const sha = r.stdout.toString().trim();
    return r.exitCode === 0 && /^[0-9a-f]{4,40}$/.test(sha) ? sha : "unknown";
  } catch {
    return "unknown"; // no git on PATH
  }
}

/** The sources themselves did not bundle: every other target would fail the same way. */
class BundleError extends Error {}

async function compileOne(t: Target, opts: BuildOptions, commit: string, outDir: string): Promise<string> {
  const outfile = join(outDir, binaryName(t));
  let result: Bun.BuildOutput;
  try {
    result = await Bun.build({
      // The script policy's worker thread is its own entrypoint: Bun embeds it and `new Worker` finds it in the binary.
      entrypoints: [resolve(ROOT, opts.entry), resolve(ROOT, "src/route/script/worker.ts")],
      compile: {
        target: t.bun,
        outfile,
        // The gateway reads only its own config (platform.md §1.1). Left on, a compiled Bun binary
        // would also pick up whatever .env or bunfig.toml sits in the directory it is started from.
        autoloadDotenv: false,
        autoloadBunfig: false,
        autoloadTsconfig: false,
        autoloadPackageJson: false,
      },
      // Whitespace and syntax minification only. The JS is a few MB beside a ~100 MB runtime, so
      // renaming identifiers would save next to nothing and would turn every function in a logged
      // stack trace into `r` or `t`.
      minify: { whitespace: true, syntax: true, identifiers: false },
      // With --compile the source map is embedded (zstd-compressed) and applied when an error is
      // printed, so stack traces point at src/…ts lines. Bun also writes a side .map file; it is
      // deleted below because the binary already carries it.
      sourcemap: "linked",
      define: buildDefines(opts.version, commit, t),
      throw: false,
    });
  } catch (err) {
    throw new Error(`${t.bun}: ${(err as Error).message}`);
  }
  if (!result.success) {
    const messages = result.logs.map((l) => l.message);
    // A runtime that could not be fetched fails this target only; anything else is the sources.
    if (messages.some((m) => /download/i.test(m))) {
      throw new Error(`${t.bun}: could not fetch the target runtime: ${messages.join("; ")}`);
    }
    throw new BundleError(`${t.bun}: compile failed\n${messages.map((m) => `  ${m}`).join("\n")}`);
  }
  // Bun names the side map after the binary minus any .exe (busbar-windows-x64.map).
  for (const out of result.outputs) {
    if (out.path.endsWith(".map")) await rm(out.path, { force: true });
  }
  if (!existsSync(outfile)) throw new Error(`${t.bun}: Bun reported success but ${outfile} is missing`);
  return outfile;
}

/** Files every release folder carries besides the binaries: name in the folder ← path in the repository. */
export const RELEASE_FILES: Readonly<Record<string, string>> = {
  "providers.yaml": "catalog/providers.yaml",
  "config.example.yaml": "release/config.example.yaml",
  "install.sh": "release/install.sh",
};

/** The published install.sh: its default release host set when the build names one. */
export function stampInstaller(script: string, downloadBase: string | undefined): string {
  const line = 'DEFAULT_DOWNLOAD_BASE=""';
  if (!script.includes(`\n${line}\n`)) throw new Error(`release/install.sh has no ${line} line to stamp`);
  return downloadBase === undefined ? script : script.replace(`\n${line}\n`, `\nDEFAULT_DOWNLOAD_BASE="${downloadBase}"\n`);
}

/** Remove what an earlier run left, so the directory always matches its SHA256SUMS. Only our own names. */
async function clearPrevious(outDir: string): Promise<void> {
  const ours = new Set([
    "SHA256SUMS", "VERSION", ...Object.keys(RELEASE_FILES), ...TARGETS.flatMap((t) => [binaryName(t), `busbar-${targetLabel(t)}.map`]),
  ]);
  for (const name of await readdir(outDir)) {
    if (ours.has(name)) await rm(join(outDir, name), { force: true });
  }
}

async function main(): Promise<number> {
  const isMusl = await hostIsMusl();
  const hostName = `${process.platform}-${process.arch}${isMusl ? "-musl" : ""}`;
  const parsed = parseBuildArgs(Bun.argv.slice(2), hostTarget(process.platform, process.arch, isMusl), hostName);
  if (parsed.ok === "help") {
    console.log(USAGE);
    return 0;
  }
  if (!parsed.ok) {
    console.error(`build.ts: ${parsed.error}\n${USAGE}`);
    return 2;
  }
  const opts = parsed.options;
  assertPinnedBun();
  if (!existsSync(resolve(ROOT, opts.entry))) throw new Error(`entry point not found: ${opts.entry}`);

  const outDir = resolve(ROOT, opts.outDir);
  await mkdir(outDir, { recursive: true });
  await clearPrevious(outDir);
  const commit = gitCommit();
  console.log(`busbar ${opts.version} (${commit}) with Bun ${Bun.version} → ${outDir}`);

  const built: { fileName: string; hex: string }[] = [];
  const failed: string[] = [];
  // One at a time: each compile holds a ~100 MB runtime image in memory.
  for (const t of opts.targets) {
    try {
      const path = await compileOne(t, opts, commit, outDir);
      const size = Bun.file(path).size;
      built.push({ fileName: binaryName(t), hex: await sha256File(path) });
      console.log(`  ok    ${binaryName(t).padEnd(28)} ${(size / 1048576).toFixed(1)} MiB`);
    } catch (err) {
      failed.push((err as Error).message);
      console.error(`  FAIL  ${(err as Error).message}`);
      if (err instanceof BundleError) break;
    }
  }

  // A partial set never gets a SHA256SUMS, so it cannot be mistaken for a release.
  if (failed.length > 0) {
    console.error(`build failed (${failed.length} failure(s) across ${opts.targets.length} target(s)); no SHA256SUMS written`);
    return 1;
  }
  const binaries = built.length;
  for (const [name, from] of Object.entries(RELEASE_FILES)) {
    const text = await Bun.file(resolve(ROOT, from)).text();
    await Bun.write(join(outDir, name), name === "install.sh" ? stampInstaller(text, opts.downloadBase) : text);
    built.push({ fileName: name, hex: await sha256File(join(outDir, name)) });
  }
  await Bun.write(join(outDir, "VERSION"), `${opts.version}\n`);
  await Bun.write(join(outDir, "SHA256SUMS"), formatSha256Sums(built));
  console.log(`  wrote ${Object.keys(RELEASE_FILES).join(", ")}, VERSION and SHA256SUMS (${binaries} binaries, ${built.length} files)`);
  return 0;
}

if (import.meta.main) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(`build.ts: ${err instanceof Error ? err.message : String(err)}`);
      process.exit(1);
    },
  );
}
