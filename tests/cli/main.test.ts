// The real entry point as a process: exit codes and output (platform.md §1.1, §1.7, §6.1; CFG-02, CFG-06, CLI-01).
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "busbar-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawnSync(["bun", MAIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env } });
  return { code: p.exitCode, out: p.stdout.toString(), err: p.stderr.toString() };
}

const VALID = `providers:
  anthropic: { api_key_env: ANTHROPIC_KEY }
models:
  claude: { provider: anthropic, max_concurrent: 10 }
pools:
  fast: { members: [ { target: claude, weight: 1 } ] }
`;

test("--validate: valid file, exit 0, no files written; unset key var is a note", () => {
  writeFileSync(join(dir, "good.yaml"), `auth: { mode: token, client_tokens: ["\${BUSBAR_CLIENT_TOKEN}"] }\n${VALID}`);
  const before = readdirSync(dir).sort();
  const r = run(["--validate", "--config", "good.yaml"]);
  expect(r.code).toBe(0);
  expect(r.out).toStartWith("ok: config valid — 1 provider(s), 1 model(s), 1 pool(s)\n");
  expect(r.out).toContain("note: env var(s) referenced but unset here — required at runtime: BUSBAR_CLIENT_TOKEN");
  expect(readdirSync(dir).sort()).toEqual(before);
});

test("--validate: invalid file lists every error and exits 1", () => {
  writeFileSync(join(dir, "bad.yaml"), VALID.replace("max_concurrent: 10", "max_concurent: 10").replace("weight: 1", "weight: 0").replace("fast:", "fast: { members: [] }\n  admin:"));
  const r = run(["--validate", "--config", "bad.yaml"]);
  expect(r.code).toBe(1);
  expect(r.err).toContain("config invalid (");
  expect(r.err).toContain('bad.yaml: models.claude.max_concurent: unknown key (did you mean "max_concurrent"?)');
  expect(r.err).toContain("bad.yaml: pools.admin.members[0].weight: must be >= 1 (got 0)");
});

test("config precedence: --config beats BUSBAR_CONFIG beats ./config.yaml; none at all is exit 1 with the hint", () => {
  writeFileSync(join(dir, "a.yaml"), VALID);
  writeFileSync(join(dir, "b.yaml"), "providers: [");
  expect(run(["--validate", "--config", "a.yaml"], { BUSBAR_CONFIG: "b.yaml" }).code).toBe(0);
  expect(run(["--validate"], { BUSBAR_CONFIG: "b.yaml" }).code).toBe(1);
  const none = run(["--validate"]);
  expect(none.code).toBe(1);
  expect(none.err + none.out).toContain("config file not found");
  expect(none.err + none.out).toContain("busbar demo");
  writeFileSync(join(dir, "config.yaml"), VALID);
  expect(run(["--validate"]).code).toBe(0);
  rmSync(join(dir, "config.yaml"));
});

test("--version, --help, unknown flag, --print-catalog", () => {
  const v = run(["--version"]);
  expect([v.code, /^busbar \d+\.\d+\.\d+ \(\S+ \S+\)\n$/.test(v.out)]).toEqual([0, true]);
  expect(run(["--help"]).code).toBe(0);
  const bad = run(["--frobnicate"]);
  expect([bad.code, bad.err.includes("unknown argument: --frobnicate")]).toEqual([2, true]);
  const cat = run(["--print-catalog"]);
  expect(cat.out).toBe(readFileSync(resolve(import.meta.dir, "../../catalog/providers.yaml"), "utf8"));
});

test("serving refuses auth none on a public listener without allow_open_relay", () => {
  writeFileSync(join(dir, "open.yaml"), `listen: "0.0.0.0:0"\n${VALID}`);
  const r = run(["--config", "open.yaml"], { ANTHROPIC_KEY: "k" });
  expect(r.code).toBe(1);
  expect(r.err).toContain("allow_open_relay");
});
