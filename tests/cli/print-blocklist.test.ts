// `busbar --print-metadata-blocklist` (platform.md §6.1, SEC-04): built-ins + security.blocked_metadata_hosts −
// security.allow_metadata_hosts, one per line, exit 0; it reads the config the gateway would read.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "../../src/cli/args.ts";
import { BUILTIN_METADATA } from "../../src/config/hosts.ts";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "busbar-blocklist-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync(["bun", MAIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env } });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const PROVIDERS = `providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  gpt: { provider: openai }
`;

test("parses with --config and --providers; other flags still win or combine as before", () => {
  expect([
    parseArgs(["--print-metadata-blocklist"]),
    parseArgs(["--print-metadata-blocklist", "--config", "c.yaml", "--providers=p.yaml"]),
    parseArgs(["--print-metadata-blocklist", "--help"]),
  ]).toEqual([
    { kind: "print-metadata-blocklist" },
    { kind: "print-metadata-blocklist", config: "c.yaml", providers: "p.yaml" },
    { kind: "help" },
  ]);
});

test("no config file anywhere: the compiled-in list", () => {
  expect(run(["--print-metadata-blocklist"])).toEqual({ code: 0, out: `${BUILTIN_METADATA.join("\n")}\n`, err: "" });
});

test("with a config: built-ins + additions − allows, secrets not needed; an allow inside a range is a note", () => {
  writeFileSync(join(dir, "sec.yaml"), `security:
  blocked_metadata_hosts: ["Meta.Corp.Example.", "0x0a000005"]
  allow_metadata_hosts: ["metadata.google.internal", "2852039166"]
${PROVIDERS}`);
  const r = run(["--print-metadata-blocklist", "--config", "sec.yaml"]);
  expect(r).toEqual({
    code: 0,
    out: `${[...BUILTIN_METADATA.filter((h) => h !== "metadata.google.internal"), "meta.corp.example", "10.0.0.5"].join("\n")}\n`,
    err: "note: 169.254.169.254 is exempt (security.allow_metadata_hosts) from the range around it\n",
  });
  // Found the usual way too (./config.yaml).
  writeFileSync(join(dir, "config.yaml"), `security: { blocked_metadata_hosts: ["x.example"] }\n${PROVIDERS}`);
  expect(run(["--print-metadata-blocklist"]).out).toBe(`${[...BUILTIN_METADATA, "x.example"].join("\n")}\n`);
  rmSync(join(dir, "config.yaml"));
});

test("allow_all_metadata prints nothing and says so; a missing or invalid file is exit 1", () => {
  writeFileSync(join(dir, "off.yaml"), `security: { allow_all_metadata: true }\n${PROVIDERS}`);
  expect(run(["--print-metadata-blocklist", "--config", "off.yaml"])).toEqual({
    code: 0, out: "", err: "note: metadata protection DISABLED (security.allow_all_metadata: true); nothing is blocked\n",
  });
  const missing = run(["--print-metadata-blocklist", "--config", "nope.yaml"]);
  expect([missing.code, missing.out, missing.err.includes("config file not found")]).toEqual([1, "", true]);
  writeFileSync(join(dir, "bad.yaml"), `security: { blocked_metadata_hosts: ["http://x/"] }\n${PROVIDERS}`);
  const bad = run(["--print-metadata-blocklist"], { BUSBAR_CONFIG: "bad.yaml" });
  expect([bad.code, bad.out, bad.err]).toEqual([
    1, "", 'config invalid (1 error):\nbad.yaml: security.blocked_metadata_hosts[0]: must be a host name or IP address, without scheme, port or path (got "http://x/")\n',
  ]);
});

/** Boots the real gateway on port 0 and returns its log lines up to `busbar listening`, then stops it. */
async function bootLog(config: string): Promise<{ level: string; msg: string; hosts_blocked?: number }[]> {
  writeFileSync(join(dir, "boot.yaml"), config);
  const proc = Bun.spawn(["bun", MAIN, "--config", "boot.yaml"], { cwd: dir, env: { PATH: process.env.PATH ?? "" }, stderr: "pipe", stdout: "ignore" });
  let text = "";
  try {
    const decoder = new TextDecoder();
    for await (const chunk of proc.stderr) {
      text += decoder.decode(chunk, { stream: true });
      if (text.includes('"busbar listening"') || text.includes("config invalid")) break;
    }
  } finally {
    proc.kill();
    await proc.exited;
  }
  return text.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

test("boot logs `metadata protection` with the number of hosts blocked, or the DISABLED warning", async () => {
  const base = `listen: "127.0.0.1:0"\n${PROVIDERS}`;
  const on = await bootLog(`security: { blocked_metadata_hosts: ["x.example"] }\n${base}`);
  expect(on.filter((l) => l.msg.startsWith("metadata protection")).map(({ level, msg, hosts_blocked }) => ({ level, msg, hosts_blocked })))
    .toEqual([{ level: "info", msg: "metadata protection", hosts_blocked: BUILTIN_METADATA.length + 1 }]);
  const off = await bootLog(`security: { allow_all_metadata: true }\n${base}`);
  expect(off.filter((l) => l.msg.includes("metadata protection DISABLED")).map((l) => l.level)).toEqual(["warn", "warn"]);
});
