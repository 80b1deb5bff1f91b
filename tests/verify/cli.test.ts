// `busbar verify` on the command line: its argv forms, and the real entry point as a process.
import { afterAll, expect, test } from "bun:test";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "../../src/cli/args.ts";

test("argv forms", () => {
  expect([
    parseArgs(["verify"]),
    parseArgs(["verify", "--config", "c.yaml", "--providers=p.yaml", "--pool", "a", "--pool=b", "--pool", "a", "--json", "--hang-after", "2.5"]),
    parseArgs(["verify", "--help"]),
  ]).toEqual([
    { kind: "verify", pools: [], json: false, hangAfterMs: 30_000 },
    { kind: "verify", config: "c.yaml", providers: "p.yaml", pools: ["a", "b"], json: true, hangAfterMs: 2_500 },
    { kind: "help" },
  ]);
  const errors = [["--pool"], ["--hang-after", "0"], ["--hang-after", "x"], ["--hang-after", "601"], ["--config"], ["--strict"], ["extra"]]
    .map((a) => parseArgs(["verify", ...a]).kind);
  expect(errors).toEqual(Array(7).fill("usage-error"));
});

const MAIN = resolve(import.meta.dir, "../../src/main.ts");
const dir = mkdtempSync(join(tmpdir(), "busbar-verify-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(args: string[], env: Record<string, string> = {}) {
  const p = Bun.spawn(["bun", MAIN, ...args], { cwd: dir, env: { PATH: process.env.PATH ?? "", ...env }, stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out, err };
}

test("busbar verify finds ./config.yaml like serving does, prints the table, exits 0; --json is machine-readable", async () => {
  writeFileSync(join(dir, "config.yaml"), `auth: { mode: token, client_tokens: ["\${TOKEN}"] }
providers:
  openai: { api_key_env: OPENAI_KEY }
models:
  a: { provider: openai, attempt_timeout_ms: 300 }
  b: { provider: openai }
pools:
  chat: { policy: { name: ordered }, stall_timeout_ms: 300, members: [ { target: a }, { target: b } ] }
`);
  const text = await run(["verify"]); // TOKEN unset: it only feeds a client token, which verify stands in for
  expect([text.code, text.err]).toEqual([0, ""]);
  expect(text.out).toStartWith("busbar verify: 1 pool, each primary faulted in turn behind the built-in mock (hang bound 30 s)\n\npool chat: client speaks openai; primary a; members a, b\n");
  expect(text.out).toContain("  5xx persistent                     answer from b");
  expect(text.out).toMatch(/\nsummary: 14 cases in .*OK: no pool shows a client a hang or a truncated success\.\n$/);
  const json = await run(["verify", "--json", "--pool", "chat"]);
  expect(json.code).toBe(0);
  expect(JSON.parse(json.out)).toMatchObject({ ok: true, pools: [{ pool: "chat", primary: "a" }], summary: { cases: 14, hang: 0, truncated: 0 } });
});

test("busbar verify: no config is the serving error; --help lists verify", async () => {
  const none = await run(["verify", "--config", "missing.yaml"]);
  expect([none.code, none.err]).toEqual([1, "config file not found: missing.yaml (set BUSBAR_CONFIG, pass --config, or try: busbar demo)\n"]);
  const help = await run(["--help"]);
  expect(help.out).toContain("busbar verify [--config PATH] [--providers PATH] [--pool NAME]... [--json] [--hang-after SECS]");
});
