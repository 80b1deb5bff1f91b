// src/build-info.ts: the fallbacks when not compiled, and that build.ts's defines reach it once bundled.
import { afterAll, expect, test } from "bun:test";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import pkg from "../../package.json" with { type: "json" };
import { buildDefines, TARGETS } from "../../build.ts";
import { buildInfo, versionLine, type BuildInfo } from "../../src/build-info.ts";

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

test("not compiled: package.json's version, commit `dev`, the running os-arch", () => {
  const os = process.platform === "win32" ? "windows" : process.platform;
  expect(buildInfo()).toEqual({ version: pkg.version, commit: "dev", target: `${os}-${process.arch}` });
});

test("the --version line keeps `busbar <semver>` first (platform.md §6.1)", () => {
  expect(versionLine({ version: "1.4.0", commit: "9f8e7d6", target: "linux-arm64-musl" })).toBe(
    "busbar 1.4.0 (9f8e7d6 linux-arm64-musl)",
  );
});

// The same bundler pass `--compile` runs, minus the runtime: proves the typeof guards are replaced
// by build.ts's defines without spending seconds on an executable.
test("bundled with build.ts's defines, buildInfo reports the stamped values", async () => {
  const dir = await mkdtemp(join(tmpdir(), "busbar-buildinfo-"));
  dirs.push(dir);
  const musl = TARGETS.find((t) => t.bun === "bun-linux-x64-musl");
  if (!musl) throw new Error("missing linux-x64-musl target");
  const result = await Bun.build({
    entrypoints: [resolve(import.meta.dir, "../../src/build-info.ts")],
    outdir: dir,
    target: "bun",
    format: "esm",
    minify: { whitespace: true, syntax: true, identifiers: false },
    define: buildDefines("9.8.7", "abc1234", musl),
  });
  expect(result.success).toBe(true);
  const [out] = result.outputs;
  if (!out) throw new Error("bundle produced no output");
  const bundled = (await import(out.path)) as { buildInfo: () => BuildInfo };
  expect(bundled.buildInfo()).toEqual({ version: "9.8.7", commit: "abc1234", target: "linux-x64-musl" });
});
