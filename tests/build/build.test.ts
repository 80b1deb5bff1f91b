// The pure parts of build.ts: target naming, argument parsing, SHA256SUMS. Compiling is left to CI's
// host smoke test (`bun build.ts --host-only`); seven ~100 MB compiles do not belong in a unit run.
import { afterAll, describe, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import {
  binaryName,
  buildDefines,
  formatSha256Sums,
  hostTarget,
  parseBuildArgs,
  sha256File,
  sha256sumsLine,
  stampInstaller,
  TARGETS,
  targetLabel,
  type Target,
} from "../../build.ts";

// Digests from FIPS 180-2 examples and of the empty string.
const SHA256_ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
const SHA256_EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

function target(label: string): Target {
  const t = TARGETS.find((x) => targetLabel(x) === label);
  if (!t) throw new Error(`no target ${label}`);
  return t;
}

describe("targets", () => {
  test("the seven release targets, their Bun names and binary names", () => {
    expect(TARGETS.map((t) => [t.bun, targetLabel(t), binaryName(t)])).toEqual([
      ["bun-linux-x64", "linux-x64", "busbar-linux-x64"],
      ["bun-linux-arm64", "linux-arm64", "busbar-linux-arm64"],
      ["bun-linux-x64-musl", "linux-x64-musl", "busbar-linux-x64-musl"],
      ["bun-linux-arm64-musl", "linux-arm64-musl", "busbar-linux-arm64-musl"],
      ["bun-darwin-x64", "darwin-x64", "busbar-darwin-x64"],
      ["bun-darwin-arm64", "darwin-arm64", "busbar-darwin-arm64"],
      ["bun-windows-x64", "windows-x64", "busbar-windows-x64.exe"],
    ]);
  });

  test("host detection maps process.platform/arch/libc onto a target", () => {
    expect(hostTarget("linux", "x64", false)).toBe(target("linux-x64"));
    expect(hostTarget("linux", "arm64", true)).toBe(target("linux-arm64-musl"));
    expect(hostTarget("darwin", "arm64", false)).toBe(target("darwin-arm64"));
    expect(hostTarget("win32", "x64", false)).toBe(target("windows-x64"));
    expect(hostTarget("win32", "arm64", false)).toBeUndefined();
    expect(hostTarget("freebsd", "x64", false)).toBeUndefined();
  });

  test("defines are JS string literals naming version, commit and target", () => {
    expect(buildDefines("1.2.3", "abc1234", target("linux-arm64-musl"))).toEqual({
      BUSBAR_VERSION: '"1.2.3"',
      BUSBAR_COMMIT: '"abc1234"',
      BUSBAR_TARGET: '"linux-arm64-musl"',
    });
  });
});

describe("SHA256SUMS", () => {
  test("one line is `<hex>  <name>`, the format `sha256sum -c` reads", () => {
    expect(sha256sumsLine(SHA256_ABC, "busbar-linux-x64")).toBe(`${SHA256_ABC}  busbar-linux-x64`);
  });

  test("bad digests and paths are refused rather than written", () => {
    expect(() => sha256sumsLine(SHA256_ABC.toUpperCase(), "busbar-linux-x64")).toThrow("not a sha256");
    expect(() => sha256sumsLine(SHA256_ABC.slice(1), "busbar-linux-x64")).toThrow("not a sha256");
    expect(() => sha256sumsLine(SHA256_ABC, "dist/busbar-linux-x64")).toThrow("bare file name");
  });

  test("the file is sorted by name and newline-terminated", () => {
    const text = formatSha256Sums([
      { fileName: "busbar-windows-x64.exe", hex: SHA256_EMPTY },
      { fileName: "busbar-darwin-arm64", hex: SHA256_ABC },
    ]);
    expect(text).toBe(`${SHA256_ABC}  busbar-darwin-arm64\n${SHA256_EMPTY}  busbar-windows-x64.exe\n`);
    expect(formatSha256Sums([])).toBe("");
  });

  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  test("sha256File hashes file contents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "busbar-build-"));
    dirs.push(dir);
    await Bun.write(join(dir, "abc"), "abc");
    await Bun.write(join(dir, "empty"), "");
    expect([await sha256File(join(dir, "abc")), await sha256File(join(dir, "empty"))]).toEqual([
      SHA256_ABC,
      SHA256_EMPTY,
    ]);
  });
});

describe("arguments", () => {
  const host = target("linux-x64");
  const parse = (...argv: string[]) => parseBuildArgs(argv, host, "linux-x64");

  test("defaults: every target, dist/, package.json's version, src/main.ts", () => {
    expect(parse()).toEqual({
      ok: true,
      options: { targets: TARGETS, outDir: "dist", version: pkg.version, entry: "src/main.ts", downloadBase: undefined },
    });
  });

  test("--host-only builds the running platform only; --out and --outdir name the directory", () => {
    expect(parse("--host-only", "--out", "out")).toEqual({
      ok: true,
      options: { targets: [host], outDir: "out", version: pkg.version, entry: "src/main.ts", downloadBase: undefined },
    });
    const viaOutdir = parse("--outdir", "x");
    expect(viaOutdir.ok === true && viaOutdir.options.outDir).toBe("x");
  });

  test("--targets takes labels or Bun names, keeps order, drops repeats", () => {
    const r = parse("--targets", "windows-x64, bun-linux-arm64-musl,windows-x64", "--version", "2.0.0-rc.1");
    expect(r.ok === true && [r.options.targets.map(targetLabel), r.options.version]).toEqual([
      ["windows-x64", "linux-arm64-musl"],
      "2.0.0-rc.1",
    ]);
  });

  test("mistakes are errors that say what was wrong", () => {
    expect(parse("--targets", "linux-riscv64")).toEqual({
      ok: false,
      error: expect.stringContaining('unknown target "linux-riscv64"'),
    });
    expect(parse("--host-only", "--targets", "linux-x64")).toEqual({
      ok: false,
      error: "--host-only and --targets cannot be combined",
    });
    expect(parse("--version", "1.2")).toEqual({ ok: false, error: expect.stringContaining('(got "1.2")') });
    expect(parse("--frobnicate").ok).toBe(false);
    expect(parseBuildArgs(["--host-only"], undefined, "win32-arm64")).toEqual({
      ok: false,
      error: "busbar ships no build for this platform (win32-arm64)",
    });
    expect(parse("--help")).toEqual({ ok: "help" });
    for (const bad of ["http://releases.example.com", 'https://x.example.com/"; rm -rf ~; "', "https://x.example.com/$(id)"]) {
      expect(parse("--download-base", bad)).toEqual({ ok: false, error: expect.stringContaining("--download-base must be a plain https:// URL") });
    }
  });

  test("--download-base is stamped into the published install.sh, trailing slash dropped", async () => {
    const r = parse("--download-base", "https://releases.example.com/busbar/");
    expect(r.ok === true && r.options.downloadBase).toBe("https://releases.example.com/busbar");
    const script = await Bun.file(new URL("../../release/install.sh", import.meta.url)).text();
    const stamped = stampInstaller(script, "https://releases.example.com/busbar");
    expect(stamped.split("\n").filter((l) => l.startsWith("DEFAULT_DOWNLOAD_BASE="))).toEqual(['DEFAULT_DOWNLOAD_BASE="https://releases.example.com/busbar"']);
    expect(stampInstaller(script, undefined)).toBe(script);
  });
});
