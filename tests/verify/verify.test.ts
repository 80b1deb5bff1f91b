// `busbar verify` end to end, in-process: the operator's config loaded without its secrets, a real gateway per
// case in front of the real mock, and the report. Timeouts in these configs are short so every case is bounded
// by the gateway's own timers (no sleeps); the runs take about a second each.
import { expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import type { FetchFn } from "../../src/runtime.ts";
import { type Report, runVerify, type VerifyInput } from "../../src/verify/index.ts";

function input(configText: string, extra: Partial<VerifyInput> = {}): VerifyInput {
  return {
    configText, configFile: "config.yaml", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {},
    pools: [], hangAfterMs: 5_000, json: true, ...extra,
  };
}

const PROVIDERS = `providers:
  up-anthropic: { protocol: anthropic, base_url: "https://api.anthropic.example", api_key_env: ANTHROPIC_KEY }
  up-openai: { protocol: openai, base_url: "https://api.openai.example", api_key_env: OPENAI_KEY }
`;

/** fault → what the client saw, who answered and who was asked. */
type Row = { sees: string; answered_by: Readonly<Record<string, number>>; attempts: Readonly<Record<string, number>> };
function byFault(r: Report, pool: string): Record<string, Row> {
  const p = r.pools.find((x) => x.pool === pool)!;
  return Object.fromEntries(p.cases.map((c) => [c.fault, { sees: c.client_sees, answered_by: c.answered_by, attempts: c.attempts }]));
}

test("two members with an attempt timeout: every fault gives an answer or a clean error, exit 0", async () => {
  const r = await runVerify(input(`${PROVIDERS}models:
  a: { provider: up-anthropic, attempt_timeout_ms: 300 }
  b: { provider: up-openai }
pools:
  chat: { policy: { name: ordered }, stall_timeout_ms: 300, members: [ { target: a }, { target: b } ] }
`));
  expect(r.exitCode).toBe(0);
  const report = JSON.parse(r.out) as Report;
  const failover = { sees: "answer", answered_by: { b: 1 }, attempts: { a: 1, b: 1 } };
  const terminal = { sees: "error", answered_by: {}, attempts: { a: 1 } };
  const { malformed_chunk: _todo, ...rest } = byFault(report, "chat");
  expect(rest).toEqual({
    rate_limit_retry_after: failover,
    rate_limit: failover,
    server_error_once: failover,
    server_error: failover,
    connection_reset: failover,
    no_response: failover,
    slow_first_token: failover,
    stream_cut: terminal,
    stream_stall: terminal,
    missing_terminator: terminal,
    context_length: failover,
    content_filter: { sees: "answer", answered_by: { a: 1 }, attempts: { a: 1 } },
    flapping: { sees: "answer", answered_by: { a: 3, b: 3 }, attempts: { a: 6, b: 3 } },
  });
  // The committed stream's end is the caller's own terminal error event (protocols.md §9.6).
  expect(report.pools[0]!.cases.find((c) => c.fault === "stream_cut")!.detail).toBe("200 stream, then terminal api_error");
});

// Found while writing verify (src/upstream is another engineer's): a same-protocol stream relays an upstream frame
// whose JSON does not parse byte for byte, before or after commit, so the client's SDK throws a parse error
// (openai: "malformed server-sent event JSON"). With the frame before any content the gateway commits to that
// member instead of failing over (reliability.md §8.2 "2xx, then … bad framing"). Verify reports it as
// `unreadable`, which does not fail the run.
test.todo("two members: a malformed chunk gives an answer or a clean error", () => {});

test("a single member with a stream cut: a clean terminal error; its 503s are honest, exit 0", async () => {
  const r = await runVerify(input(`${PROVIDERS}models:
  solo: { provider: up-openai, attempt_timeout_ms: 300 }
pools:
  one: { stall_timeout_ms: 300, members: [ { target: solo } ] }
`));
  expect(r.exitCode).toBe(0);
  const pool = r.report!.pools[0]!;
  const cut = pool.cases.find((c) => c.fault === "stream_cut")!;
  expect({ sees: cut.client_sees, detail: cut.detail, attempts: cut.attempts }).toEqual({ sees: "error", detail: "200 stream, then terminal server_error", attempts: { solo: 1 } });
  expect(pool.cases.find((c) => c.fault === "server_error")!.detail).toBe("503 server_error");
  expect(pool.hints).toEqual(["a single member: nothing to fail over to, so each upstream failure reaches clients as a clean error"]);
  expect(r.report!.summary).toMatchObject({ hang: 0, truncated: 0 });
});

test("no attempt timeout: a hanging primary is a hang, named with its setting, exit 1", async () => {
  const r = await runVerify(input(`${PROVIDERS}models:
  a: { provider: up-openai }
  b: { provider: up-openai }
pools:
  chat: { policy: { name: ordered }, members: [ { target: a }, { target: b } ] }
`, { hangAfterMs: 2_000, json: false }));
  expect(r.exitCode).toBe(1);
  const hang = r.report!.pools[0]!.cases.find((c) => c.fault === "no_response")!;
  expect({ sees: hang.client_sees, detail: hang.detail, attempts: hang.attempts, note: hang.note }).toEqual({
    sees: "hang",
    detail: "no response within 2 s",
    attempts: { a: 1 },
    note: "no attempt_timeout_ms on a: a hanging primary holds the request for the whole 120 s deadline (failover.deadline_secs)",
  });
  expect(r.out).toContain("no response (hang before headers)  HANG: no response within 2 s");
  expect(r.out).toContain("no attempt_timeout_ms on a: a hanging primary holds the request for the whole 120 s deadline");
  expect(r.out).toMatch(/summary: 14 cases in [\d.]+ m?s: .* FAIL: 2 cases would show a client a hang or a truncated success \(chat: no response \(hang before headers\); chat: stream stall\)\.\n$/);
});

test("--json: one object per pool and case", async () => {
  const r = await runVerify(input(`${PROVIDERS}models:
  a: { provider: up-openai, attempt_timeout_ms: 300 }
pools:
  one: { stall_timeout_ms: 300, members: [ { target: a } ] }
  other: { members: [ { target: a } ] }
`, { pools: ["one"] }));
  const report = JSON.parse(r.out) as Report;
  expect({ ...report, pools: report.pools.map((p) => ({ ...p, cases: p.cases.slice(0, 1) })) }).toEqual({
    ok: true,
    hang_after_ms: 5_000,
    elapsed_ms: expect.any(Number),
    pools: [{
      pool: "one", primary: "a", protocol: "openai", members: ["a"], reach: ["a"],
      hints: ["a single member: nothing to fail over to, so each upstream failure reaches clients as a clean error"],
      cases: [{
        fault: "rate_limit_retry_after", label: "429 with Retry-After", stream: false, requests: 1, client_sees: "error",
        verdicts: { error: 1 }, detail: "503 server_error", answered_by: {}, attempts: { a: 1 }, time_ms: expect.any(Number),
      }],
    }],
    summary: { cases: 14, answer: expect.any(Number), error: expect.any(Number), hang: 0, truncated: 0, unreadable: expect.any(Number) },
  });
  expect(report.pools[0]!.cases.map((c) => c.fault)).toEqual([
    "rate_limit_retry_after", "rate_limit", "server_error_once", "server_error", "connection_reset", "no_response",
    "slow_first_token", "stream_cut", "stream_stall", "malformed_chunk", "missing_terminator", "context_length",
    "content_filter", "flapping",
  ]);
});

test("provider keys and client tokens are never read, printed or sent", async () => {
  const SECRETS = ["sk-live-TOPSECRET-0001", "client-token-SECRET-0002"];
  const seen: string[] = [];
  const watch: FetchFn = async (url, init) => {
    seen.push(`${url} ${JSON.stringify(init.headers)} ${typeof init.body === "string" ? init.body : new TextDecoder().decode(init.body as Uint8Array)}`);
    return fetch(url, init);
  };
  const config = `auth: { mode: token, client_tokens: ["\${CLIENT_TOKEN}"] }
providers:
  up-openai: { protocol: openai, base_url: "https://api.openai.example", api_key_env: OPENAI_KEY }
  up-gemini: { protocol: gemini, base_url: "https://gemini.example", api_key_file: /nonexistent/gemini.key }
models:
  a: { provider: up-openai, attempt_timeout_ms: 300 }
  g: { provider: up-gemini }
pools:
  chat: { policy: { name: ordered }, stall_timeout_ms: 300, members: [ { target: a }, { target: g } ] }
`;
  const env = { OPENAI_KEY: SECRETS[0], CLIENT_TOKEN: SECRETS[1] };
  const text = await runVerify(input(config, { env, json: false, fetch: watch }));
  const json = await runVerify(input(config, { env, json: true }));
  expect(text.report?.summary.cases).toBe(14); // loaded, though the key file does not exist
  expect(seen.length).toBeGreaterThan(14);
  const everything = [text.out, text.err, json.out, json.err, ...seen].join("\n");
  expect(SECRETS.filter((s) => everything.includes(s))).toEqual([]);
});

test("config problems are the loader's own; an unknown --pool is named", async () => {
  const bad = await runVerify(input("providers: {}\nmodels: {}\n"));
  expect([bad.exitCode, bad.out, bad.err.split("\n")[0]]).toEqual([1, "", "config invalid (2 errors):"]);
  const unknown = await runVerify(input(`${PROVIDERS}models:\n  a: { provider: up-openai }\npools:\n  chat: { members: [ { target: a } ] }\n`, { pools: ["nope"] }));
  expect([unknown.exitCode, unknown.err.split("\n").at(-2)]).toEqual([1, 'verify: no pool "nope" in the config (pools: chat)']);
});

test("an unset variable that only feeds a secret is stood in for; one that shapes the config is the loader's error", async () => {
  const pools = `models:\n  a: { provider: up-openai, attempt_timeout_ms: 300 }\npools:\n  one: { stall_timeout_ms: 300, members: [ { target: a } ] }\n`;
  const tokenOnly = await runVerify(input(`auth: { mode: token, client_tokens: ["\${UNSET_TOKEN}"] }\n${PROVIDERS}${pools}`, { pools: ["one"] }));
  expect([tokenOnly.exitCode, tokenOnly.err]).toEqual([0, ""]);
  const shaping = await runVerify(input(`auth: { mode: token, client_tokens: ["\${UNSET_TOKEN}"] }\n${PROVIDERS.replace("https://api.openai.example", "${UNSET_URL}")}${pools}`));
  // Exactly what serving says: then the token is not stood in for either.
  expect([shaping.exitCode, shaping.err]).toEqual([1, "config invalid (2 errors):\nconfig.yaml:1: unset environment variable: UNSET_TOKEN\nconfig.yaml:4: unset environment variable: UNSET_URL\n"]);
});
