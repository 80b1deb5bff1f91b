// release/Dockerfile cannot be built here (no container runtime), so its one piece of logic, the verify stage's RUN
// step (Docker arch → busbar binary, checksum, install), is run by sh against a stand-in release folder, and the
// image's fixed choices are checked against what the binary and the docs say.
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeRelease } from "./kit.ts";

const dockerfile = await Bun.file(new URL("../../release/Dockerfile", import.meta.url)).text();
const root = mkdtempSync(join(tmpdir(), "busbar-dockerfile-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** The verify stage's RUN step as one sh script, installing to `out` instead of /busbar. */
function runStep(out: string): string {
  const m = /^RUN (set -eu;[\s\S]*?)\n\n/m.exec(dockerfile);
  if (m === null) throw new Error("no RUN set -eu; … step in release/Dockerfile");
  return m[1]!.replace(/\\\n\s*/g, " ").replace(/ \/busbar$/, ` ${out}`);
}

async function folder(files: Record<string, string>, tamper?: (dir: string) => void): Promise<string> {
  const dir = mkdtempSync(join(root, "release-"));
  await writeRelease(dir, files, tamper);
  return dir;
}

const run = (dir: string, arch: string, out: string) =>
  Bun.spawnSync(["sh", "-c", runStep(out)], { cwd: dir, env: { PATH: process.env["PATH"] ?? "", TARGETARCH: arch } });

describe("release/Dockerfile", () => {
  test("amd64 takes busbar-linux-x64 and arm64 busbar-linux-arm64, checksum verified", async () => {
    const dir = await folder({ "busbar-linux-x64": "x64 build", "busbar-linux-arm64": "arm64 build", "busbar-linux-x64-musl": "musl" });
    for (const [arch, want] of [["amd64", "x64 build"], ["arm64", "arm64 build"]] as const) {
      const out = join(dir, `out-${arch}`);
      const r = run(dir, arch, out);
      expect([r.exitCode, r.stderr.toString()]).toEqual([0, ""]);
      expect(await Bun.file(out).text()).toBe(want);
    }
  });

  test("a tampered binary or an unknown architecture fails the image build", async () => {
    const dir = await folder({ "busbar-linux-x64": "x64 build" }, (d) => writeFileSync(join(d, "busbar-linux-x64"), "evil"));
    const r = run(dir, "amd64", join(dir, "out"));
    expect(r.exitCode).not.toBe(0);
    expect(existsSync(join(dir, "out"))).toBe(false);
    const s390 = run(dir, "s390x", join(dir, "out"));
    expect([s390.exitCode, s390.stderr.toString()]).toEqual([1, "no busbar build for s390x\n"]);
  });

  test("the image: distroless glibc base, non-root, config at the path busbar looks in, SIGTERM to drain", () => {
    expect(dockerfile).toContain("FROM gcr.io/distroless/base-debian12:nonroot");
    expect(dockerfile).toContain("USER nonroot");
    expect(dockerfile).toContain("ENV BUSBAR_CONFIG=/etc/busbar/config.yaml");
    expect(dockerfile).toContain("STOPSIGNAL SIGTERM");
    expect(dockerfile).toContain('ENTRYPOINT ["/usr/local/bin/busbar"]');
  });
});
