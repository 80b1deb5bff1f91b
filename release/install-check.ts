// CI check of install.sh against the real release folder `bun build.ts` wrote (issue #11): served on loopback, the
// folder's own install.sh installs this host's binary, which then answers `--version`; a copy of the folder with one
// byte of the binary changed fails the checksum and leaves nothing installed; a faked `uname` fails clearly.
// (tests/release/install.test.ts covers every case with stand-in binaries; this proves the built artifacts.)
// Usage: bun release/install-check.ts [release folder]   (default: dist/)
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { binaryName, hostTarget } from "../build.ts";

function fail(msg: string): never {
  console.error(`install-check: FAIL: ${msg}`);
  process.exit(1);
}

const folder = resolve(process.argv[2] ?? "dist");
const host = hostTarget(process.platform, process.arch, false) ?? fail("this host has no busbar build");
const binary = binaryName(host);
const work = mkdtempSync(join(tmpdir(), "busbar-install-check-"));
const corrupt = join(work, "corrupt");
mkdirSync(corrupt);
for (const name of ["SHA256SUMS", "config.example.yaml", "providers.yaml", binary]) copyFileSync(join(folder, name), join(corrupt, name));
const bytes = readFileSync(join(corrupt, binary));
bytes[bytes.length - 1]! ^= 0xff;
writeFileSync(join(corrupt, binary), bytes);

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  fetch(req) {
    const path = new URL(req.url).pathname;
    const [, where, name] = path.split("/");
    const dir = where === "release" ? folder : where === "corrupt" ? corrupt : undefined;
    if (dir === undefined || name === undefined || name.includes("..") || !readdirSync(dir).includes(name)) return new Response("not found", { status: 404 });
    return new Response(Bun.file(join(dir, name)));
  },
});
const base = `http://127.0.0.1:${server.port}`;
const fakeBin = join(work, "fakebin");
mkdirSync(fakeBin);
writeFileSync(join(fakeBin, "uname"), "#!/bin/sh\necho Plan9\n");
chmodSync(join(fakeBin, "uname"), 0o755);

async function install(url: string, dest: string, path = process.env["PATH"] ?? ""): Promise<{ code: number; out: string }> {
  mkdirSync(dest);
  const p = Bun.spawn(["sh", join(folder, "install.sh")], {
    env: { PATH: path, BUSBAR_INSTALL_BASE_URL: url, BUSBAR_INSTALL_DIR: dest }, stdout: "pipe", stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: out + err };
}

try {
  const ok = await install(`${base}/release`, join(work, "ok"));
  if (ok.code !== 0) fail(`install exited ${ok.code}:\n${ok.out}`);
  const installed = Bun.spawnSync([join(work, "ok", "busbar"), "--version"]).stdout.toString().trim();
  const built = Bun.spawnSync([join(folder, binary), "--version"]).stdout.toString().trim();
  if (installed === "" || installed !== built) fail(`installed binary says "${installed}", the built one "${built}"`);
  const files = readdirSync(join(work, "ok")).sort().join(",");
  if (files !== "busbar,config.yaml,providers.yaml") fail(`installed ${files}`);
  console.log(`install-check: installed and ran: ${installed}`);

  const bad = await install(`${base}/corrupt`, join(work, "bad"));
  if (bad.code !== 1 || !bad.out.includes(`checksum mismatch for ${binary}`)) fail(`a corrupted binary: exit ${bad.code}:\n${bad.out}`);
  if (readdirSync(join(work, "bad")).length > 0) fail(`a corrupted binary left ${readdirSync(join(work, "bad")).join(",")}`);
  console.log("install-check: a corrupted binary fails the checksum, nothing installed");

  const odd = await install(`${base}/release`, join(work, "odd"), `${fakeBin}:${process.env["PATH"] ?? ""}`);
  if (odd.code !== 1 || !odd.out.includes("unsupported operating system: Plan9")) fail(`a faked uname: exit ${odd.code}:\n${odd.out}`);
  console.log("install-check: an unsupported platform fails clearly");
  console.log("install-check: ok");
} finally {
  await server.stop(true);
  rmSync(work, { recursive: true, force: true });
}
