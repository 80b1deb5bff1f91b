// release/install.sh (platform.md §6.4, issue #11) run by the system's POSIX sh against a release folder served on
// loopback. The "binaries" here are tiny shell scripts, so every case is fast and independent of the host; CI also
// runs release/install-check.ts against the real built folder. `uname` is faked on PATH, so the platform is chosen
// by the test, not by the machine.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { writeRelease } from "./kit.ts";

const SCRIPT = resolve(import.meta.dir, "../../release/install.sh");
const root = mkdtempSync(join(tmpdir(), "busbar-install-test-"));
const fakeBin = join(root, "fakebin");
let server: ReturnType<typeof Bun.serve>;
let base = "";

/** A "binary" that answers `--version` (or fails, to stand for a build that cannot run on this system). */
const fakeBinary = (label: string, runs = true) =>
  runs ? `#!/bin/sh\necho "busbar 9.9.9 (fake ${label})"\n` : `#!/bin/sh\necho "cannot execute: required file not found" >&2\nexit 126\n`;

/** A release folder under the served root (tests/release/kit.ts); its URL. */
async function release(folder: string, files: Record<string, string>, tamper?: (dir: string) => void): Promise<string> {
  const dir = join(root, "www", folder);
  mkdirSync(dir, { recursive: true });
  await writeRelease(dir, files, tamper);
  return `${base}/${folder}`;
}

const STARTERS = { "config.example.yaml": "# starter\npools: {}\n", "providers.yaml": "# catalog\nproviders: {}\n" };

interface Run { readonly code: number; readonly out: string; readonly err: string; readonly dir: string }

async function install(env: Record<string, string>, dir = mkdtempSync(join(root, "dest-"))): Promise<Run> {
  const p = Bun.spawn(["sh", SCRIPT], {
    env: { PATH: `${fakeBin}:${process.env["PATH"]}`, BUSBAR_INSTALL_DIR: dir, BUSBAR_LIBC: "glibc", ...env },
    cwd: root, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err, dir };
}

/** Nothing of an install is left: no binary and no temporary directory (starter files are never written first). */
const leftovers = (dir: string) => readdirSync(dir);

beforeAll(() => {
  mkdirSync(fakeBin);
  writeFileSync(join(fakeBin, "uname"), `#!/bin/sh\ncase "$1" in -s) echo "\${FAKE_UNAME_S:-Linux}" ;; -m) echo "\${FAKE_UNAME_M:-x86_64}" ;; *) echo Linux ;; esac\n`);
  chmodSync(join(fakeBin, "uname"), 0o755);
  const www = join(root, "www");
  server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch(req) {
      const path = resolve(www, `.${decodeURIComponent(new URL(req.url).pathname)}`);
      if (!path.startsWith(`${www}/`) || !existsSync(path)) return new Response("not found", { status: 404 });
      return new Response(Bun.file(path));
    },
  });
  base = `http://127.0.0.1:${server.port}`;
});
afterAll(async () => {
  await server.stop(true);
  rmSync(root, { recursive: true, force: true });
});

describe("install.sh", () => {
  test("installs the platform's binary, verified, with starter config.yaml and providers.yaml, and says what next", async () => {
    const url = await release("ok", { "busbar-linux-x64": fakeBinary("linux-x64"), "busbar-linux-arm64": fakeBinary("linux-arm64"), ...STARTERS });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url });
    expect(r.err).toBe("");
    expect(r.code).toBe(0);
    expect(r.out).toContain("installed busbar 9.9.9 (fake linux-x64)");
    expect(r.out).toContain("./busbar demo");
    expect(leftovers(r.dir).sort()).toEqual(["busbar", "config.yaml", "providers.yaml"]);
    expect(Bun.spawnSync([join(r.dir, "busbar"), "--version"]).stdout.toString()).toBe("busbar 9.9.9 (fake linux-x64)\n");
    expect(readFileSync(join(r.dir, "config.yaml"), "utf8")).toBe(STARTERS["config.example.yaml"]);

    const arm = await install({ BUSBAR_INSTALL_BASE_URL: `${url}/`, FAKE_UNAME_M: "aarch64" });
    expect([arm.code, arm.out.includes("fake linux-arm64")]).toEqual([0, true]);
  });

  test("never overwrites config.yaml or providers.yaml: the release's copies go to *.new; the binary is replaced", async () => {
    const url = await release("upgrade", { "busbar-linux-x64": fakeBinary("linux-x64"), ...STARTERS });
    const dir = mkdtempSync(join(root, "dest-"));
    writeFileSync(join(dir, "config.yaml"), "mine: true\n");
    writeFileSync(join(dir, "busbar"), "old");
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url }, dir);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, "config.yaml"), "utf8")).toBe("mine: true\n");
    expect(readFileSync(join(dir, "config.yaml.new"), "utf8")).toBe(STARTERS["config.example.yaml"]);
    expect(r.out).toContain("kept your");
    expect(leftovers(dir).sort()).toEqual(["busbar", "config.yaml", "config.yaml.new", "providers.yaml"]);
    expect(readFileSync(join(dir, "busbar"), "utf8")).toBe(fakeBinary("linux-x64"));
  });

  test("musl: BUSBAR_LIBC=musl picks the -musl build; a bad BUSBAR_LIBC is refused", async () => {
    const url = await release("musl", { "busbar-linux-x64-musl": fakeBinary("linux-x64-musl"), ...STARTERS });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url, BUSBAR_LIBC: "musl" });
    expect([r.code, r.out.includes("fake linux-x64-musl")]).toEqual([0, true]);
    const bad = await install({ BUSBAR_INSTALL_BASE_URL: url, BUSBAR_LIBC: "uclibc" });
    expect([bad.code, bad.err]).toEqual([1, "busbar-install: error: BUSBAR_LIBC must be glibc or musl (got: uclibc)\n"]);
  });

  test("a corrupted binary fails the checksum and nothing is installed", async () => {
    const url = await release("corrupt", { "busbar-linux-x64": fakeBinary("linux-x64"), ...STARTERS }, (dir) => {
      writeFileSync(join(dir, "busbar-linux-x64"), `${fakeBinary("linux-x64")}# tampered\n`);
    });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^busbar-install: error: checksum mismatch for busbar-linux-x64 \(SHA256SUMS says [0-9a-f]{64}, the download is [0-9a-f]{64}\); nothing was installed\n$/);
    expect(leftovers(r.dir)).toEqual([]);
  });

  test("a tampered starter file fails too, before the binary is moved in", async () => {
    const url = await release("corrupt-yaml", { "busbar-linux-x64": fakeBinary("linux-x64"), ...STARTERS }, (dir) => {
      writeFileSync(join(dir, "providers.yaml"), "evil: true\n");
    });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url });
    expect([r.code, r.err.includes("checksum mismatch for providers.yaml")]).toEqual([1, true]);
    expect(leftovers(r.dir)).toEqual([]);
  });

  test("SHA256SUMS without the binary's line, a missing file, an unreachable host: clear errors, nothing installed", async () => {
    const url = await release("unlisted", { ...STARTERS }, (dir) => writeFileSync(join(dir, "busbar-linux-x64"), fakeBinary("linux-x64")));
    const unlisted = await install({ BUSBAR_INSTALL_BASE_URL: url });
    expect([unlisted.code, unlisted.err]).toEqual([1, "busbar-install: error: SHA256SUMS lists no busbar-linux-x64; nothing was installed\n"]);
    expect(leftovers(unlisted.dir)).toEqual([]);

    const missing = await install({ BUSBAR_INSTALL_BASE_URL: `${base}/no-such-release` });
    expect(missing.code).toBe(1);
    expect(missing.err).toContain(`busbar-install: error: download failed: ${base}/no-such-release/SHA256SUMS`);
    expect(leftovers(missing.dir)).toEqual([]);

    const down = await install({ BUSBAR_INSTALL_BASE_URL: "http://127.0.0.1:9/x" });
    expect([down.code, down.err.includes("download failed: http://127.0.0.1:9/x/SHA256SUMS")]).toEqual([1, true]);
  });

  test("a binary that cannot run here (wrong libc) is not installed, with a hint", async () => {
    const url = await release("wrong-libc", { "busbar-linux-x64": fakeBinary("linux-x64", false), ...STARTERS });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url });
    expect(r.code).toBe(1);
    expect(r.err).toContain("error: the downloaded busbar-linux-x64 does not run here (if this system's C library was misdetected, set BUSBAR_LIBC=glibc or BUSBAR_LIBC=musl)");
    expect(leftovers(r.dir)).toEqual([]);
  });

  test.each([
    [{ FAKE_UNAME_S: "SunOS" }, "unsupported operating system: SunOS (busbar ships builds for Linux, macOS and Windows)"],
    [{ FAKE_UNAME_M: "riscv64" }, "unsupported CPU architecture: riscv64 (busbar ships x64 and arm64 builds)"],
    [{ FAKE_UNAME_S: "MINGW64_NT-10.0" }, "on Windows, download busbar-windows-x64.exe and SHA256SUMS from the release folder and compare: certutil -hashfile busbar-windows-x64.exe SHA256"],
  ])("an unsupported platform %p fails clearly before any download", async (fake, message) => {
    const r = await install({ BUSBAR_INSTALL_BASE_URL: "http://127.0.0.1:9/never-asked", ...fake });
    expect([r.code, r.err]).toEqual([1, `busbar-install: error: ${message}\n`]);
    expect(leftovers(r.dir)).toEqual([]);
  });

  test("macOS: darwin-arm64 on Apple silicon", async () => {
    const url = await release("mac", { "busbar-darwin-arm64": fakeBinary("darwin-arm64"), ...STARTERS });
    const r = await install({ BUSBAR_INSTALL_BASE_URL: url, FAKE_UNAME_S: "Darwin", FAKE_UNAME_M: "arm64" });
    expect([r.code, r.out.includes("fake darwin-arm64")]).toEqual([0, true]);
  });

  test("a release host: <base>/latest/VERSION names the folder, BUSBAR_VERSION pins one", async () => {
    await release("host/1.0.0", { "busbar-linux-x64": fakeBinary("1.0.0"), ...STARTERS });
    await release("host/1.1.0", { "busbar-linux-x64": fakeBinary("1.1.0"), ...STARTERS });
    mkdirSync(join(root, "www", "host", "latest"), { recursive: true });
    writeFileSync(join(root, "www", "host", "latest", "VERSION"), "1.1.0\n");
    const latest = await install({ BUSBAR_DOWNLOAD_BASE: `${base}/host` });
    expect([latest.code, latest.out.includes("fake 1.1.0")]).toEqual([0, true]);
    const pinned = await install({ BUSBAR_DOWNLOAD_BASE: `${base}/host/`, BUSBAR_VERSION: "1.0.0" });
    expect([pinned.code, pinned.out.includes("fake 1.0.0")]).toEqual([0, true]);
  });

  test("with no release location at all it says which variable to set", async () => {
    const r = await install({});
    expect([r.code, r.err]).toEqual([1, "busbar-install: error: this install.sh names no release location; set BUSBAR_INSTALL_BASE_URL to the folder that holds busbar-linux-x64 and SHA256SUMS\n"]);
  });

  // shellcheck is a test dependency like redis-server or promtool (.ci/run installs it).
  test("is shellcheck-clean", () => {
    const shellcheck = Bun.which("shellcheck");
    if (shellcheck === null) throw new Error("shellcheck is not installed (Debian: apt-get install shellcheck)");
    const r = Bun.spawnSync([shellcheck, SCRIPT]);
    expect(r.stdout.toString() + r.stderr.toString()).toBe("");
    expect(r.exitCode).toBe(0);
  });
});
