// The budget verdicts, the ladder's row summary, bodies and error reasons: pure parts of the report.
import { describe, expect, test } from "bun:test";
import { bodyMaker } from "../../bench/bodies.ts";
import { evaluateBudget, type AddedLatency, type CpuRow } from "../../bench/budget.ts";
import { errorReason } from "../../bench/loadgen.ts";
import { summarizeRows, type StepResult } from "../../bench/stages/throughput.ts";

const p = (n: number, p50us: number, p99us: number) => ({ n, p50: p50us * 1e3, p99: p99us * 1e3, p999: Number.NaN });

describe("evaluateBudget", () => {
  const cpu: CpuRow[] = [
    { gateway: "busbar", scenario: "openai", cpu_us_per_req: 30 },
    { gateway: "busbar", scenario: "anthropic", cpu_us_per_req: 40 },
    { gateway: "busbar", scenario: "cross", notServed: "HTTP 400: no translation", cpu_us_per_req: null },
    { gateway: "bun-floor", scenario: "openai", cpu_us_per_req: 25 },
    { gateway: "bun-floor", scenario: "anthropic", cpu_us_per_req: 25 },
    { gateway: "portkey", scenario: "openai", cpu_us_per_req: 900 },
  ];
  const direct = p(1000, 100, 200);
  const added: AddedLatency[] = [
    { gateway: "busbar", measure: "full", direct, via: p(1000, 170, 500) },
    { gateway: "bun-floor", measure: "full", direct, via: p(1000, 150, 400) },
    { gateway: "busbar", measure: "ttft", direct, via: p(1000, 150, 300) },
    { gateway: "bun-floor", measure: "ttft", direct, via: p(1000, 90, 250) },
  ];

  test("each line is pass, fail or n/a with the numbers it came from", () => {
    const lines = evaluateBudget({ cpu, added, memory: { busbarIdleKib: 40 * 1024, soak: { returnedAfterS: 12.5, windowS: 60, endKib: 90 * 1024, idleKib: 40 * 1024 } } });
    expect(lines.map((l) => [l.verdict, l.measured])).toEqual([
      ["pass", "30 vs 25 µs/req = 1.20×"],
      ["fail", "40 vs 25 µs/req = 1.60×"],
      ["pass", "Portkey 900 vs busbar 30 µs/req = 30.00× less"],
      ["n/a", "busbar cross: not served (HTTP 400: no translation)"],
      ["pass", "busbar 70 µs vs floor 50 µs = 1.40×"],
      ["pass", "busbar 300 µs vs floor 200 µs = 1.50×"],
      ["n/a", "busbar 50 µs, floor -10 µs (floor's added latency not positive: noise)"],
      ["pass", "busbar 100 µs vs floor 50 µs = 2.00×"],
      ["pass", "40.0 MiB"],
      ["pass", "back after 12.5 s"],
    ]);
  });

  test("a soak window shorter than 60 s cannot fail the return line; a full one can", () => {
    const short = evaluateBudget({ cpu, added, memory: { busbarIdleKib: 70 * 1024, soak: { returnedAfterS: null, windowS: 3, endKib: 200 * 1024, idleKib: 70 * 1024 } } });
    const full = evaluateBudget({ cpu, added, memory: { busbarIdleKib: 70 * 1024, soak: { returnedAfterS: null, windowS: 60, endKib: 200 * 1024, idleKib: 70 * 1024 } } });
    expect([short.at(-2)?.verdict, short.at(-1)?.verdict, full.at(-1)?.verdict]).toEqual(["fail", "n/a", "fail"]);
  });
});

test("summarizeRows: the ceiling is the best zero-error step; CPU is weighted by requests", () => {
  const step = (conc: number, rps: number, errors: number, ok: number, cpu: number): StepResult => ({
    gateway: "busbar", scenario: "openai", conc, secs: 1, ok, errors, error_kinds: {}, rps,
    p50_us: 1, p99_us: 2, cpu_us_per_req: cpu, loadgen_cpu_us_per_req: 1, rss_peak_kib: 1,
  });
  const rows = summarizeRows(
    [{ gateway: "busbar", scenario: "openai" }, { gateway: "busbar", scenario: "cross", notServed: "HTTP 400" }],
    [step(1, 1000, 0, 1000, 50), step(64, 9000, 3, 9000, 30), step(16, 7000, 0, 7000, 30)],
  );
  expect(rows.map(({ steps, ...r }) => ({ ...r, steps: steps.length }))).toEqual([
    { gateway: "busbar", scenario: "openai", ceiling_rps: 7000, ceiling_conc: 16, cpu_us_per_req: 31.2, steps: 3 },
    { gateway: "busbar", scenario: "cross", notServed: "HTTP 400", ceiling_rps: null, ceiling_conc: null, cpu_us_per_req: null, steps: 0 },
  ]);
});

test("bodies are unique per seq, valid JSON, about the asked size, in the caller's dialect", () => {
  const make = bodyMaker({ dialect: "anthropic", model: "bench-anthropic", stream: true, nonce: "run1", bytes: 1024 });
  const [a, b] = [make(1), make(2)];
  const parsed = JSON.parse(a);
  expect({ unique: a !== b, model: parsed.model, max: parsed.max_tokens, stream: parsed.stream, near: Math.abs(a.length - 1024) < 64 })
    .toEqual({ unique: true, model: "bench-anthropic", max: 16, stream: true, near: true });
  const big = bodyMaker({ dialect: "openai", model: "m", stream: false, nonce: "x", bytes: 150_000 })(7);
  expect({ openaiHasNoMaxTokens: !("max_tokens" in JSON.parse(big)), near: Math.abs(big.length - 150_000) < 64 }).toEqual({ openaiHasNoMaxTokens: true, near: true });
});

test("errorReason pulls the message out of OpenAI and Anthropic envelopes, else the text", () => {
  expect([
    errorReason(400, '{"error":{"message":"translation is not available","type":"invalid_request_error"}}'),
    errorReason(400, '{"type":"error","error":{"type":"invalid_request_error","message":"bad  model"}}'),
    errorReason(500, '{"status":"failure","message":"Something went wrong"}'),
    errorReason(502, ""),
  ]).toEqual([
    "HTTP 400: translation is not available",
    "HTTP 400: bad model",
    'HTTP 500: {"status":"failure","message":"Something went wrong"}',
    "HTTP 502",
  ]);
});
