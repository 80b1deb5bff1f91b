// The harness's pure arithmetic: nearest-rank percentiles, the delta, the seed table, Server-Timing parsing.
import { describe, expect, test } from "bun:test";
import { delta, fmtCount, fmtMs, INSUFFICIENT, median, MIN_P999_SAMPLES, nearestRank, percentiles, seedTable, serverTimingMs } from "../../bench/stats.ts";

const ms = (x: number) => x * 1e6;
const range = (n: number, f: (i: number) => number = (i) => i + 1) => Array.from({ length: n }, (_, i) => f(i));

describe("nearestRank", () => {
  test("picks the value at rank ceil(p/100 · N), never interpolating", () => {
    const s = [15, 20, 35, 40, 50];
    expect([5, 30, 40, 50, 100].map((p) => nearestRank(s, p))).toEqual([15, 20, 20, 35, 50]);
  });

  test("p99.9 of 1000 samples is the 999th, not the 1000th (no float spill past an integer rank)", () => {
    expect(nearestRank(Float64Array.from(range(1000)), 99.9)).toBe(999);
  });

  test("an empty sample has no percentile", () => {
    expect(nearestRank([], 50)).toBeNaN();
  });
});

describe("percentiles and delta", () => {
  test("sorts unsorted samples and reports p50/p99/p99.9 with the count", () => {
    const samples = range(10_000, (i) => 10_000 - i); // 10000 … 1
    expect(percentiles(samples)).toEqual({ n: 10_000, p50: 5_000, p99: 9_900, p999: 9_990 });
  });

  test("added = via − direct per percentile; p99.9 only when both sides have N ≥ 10 000", () => {
    const direct = { n: 20_000, p50: ms(1), p99: ms(2), p999: ms(3) };
    const via = { n: 20_000, p50: ms(1.1), p99: ms(2.5), p999: ms(2.9) };
    const d = delta(direct, via);
    expect([d.p50, d.p99, d.p999].map((x) => (x === undefined ? x : fmtMs(x)))).toEqual(["0.100", "0.500", "-0.100"]);
    expect(delta(direct, { ...via, n: MIN_P999_SAMPLES - 1 }).p999).toBeUndefined();
  });
});

describe("seedTable", () => {
  test("prints the seed's three rows, `insufficient samples` for p99.9 under 10 000, and the counts", () => {
    const direct = { n: 400, p50: ms(0.2), p99: ms(0.9), p999: ms(1.5) };
    const via = { n: 400, p50: ms(0.285), p99: ms(1.1), p999: ms(2) };
    expect(seedTable({ title: "Full response (non-streaming) — latency, ms", upstream: "mock", direct, via, note: "concurrency 50" })).toBe(
      [
        "Full response (non-streaming) — latency, ms",
        "| Path | p50 | p99 | p99.9 |",
        "|---|---|---|---|",
        `| Without Busbar — client → mock | 0.200 | 0.900 | ${INSUFFICIENT} |`,
        `| With Busbar — client → Busbar → mock | 0.285 | 1.100 | ${INSUFFICIENT} |`,
        `| Busbar adds (with − without) | 0.085 | 0.200 | ${INSUFFICIENT} |`,
        "",
        "Samples: without N = 400, with N = 400; concurrency 50.",
      ].join("\n"),
    );
  });

  test("prints p99.9 and its delta once both paths have 10 000 samples", () => {
    const direct = { n: 10_000, p50: ms(200), p99: ms(201), p999: ms(203.25) };
    const via = { n: 12_345, p50: ms(200.05), p99: ms(201.2), p999: ms(204) };
    const lines = seedTable({ title: "t", upstream: "Anthropic", direct, via }).split("\n");
    expect(lines.slice(3)).toEqual([
      "| Without Busbar — client → Anthropic | 200.000 | 201.000 | 203.250 |",
      "| With Busbar — client → Busbar → Anthropic | 200.050 | 201.200 | 204.000 |",
      "| Busbar adds (with − without) | 0.050 | 0.200 | 0.750 |",
      "",
      "Samples: without N = 10 000, with N = 12 345.",
    ]);
  });

  test("a path with no samples says so instead of printing NaN", () => {
    const none = { n: 0, p50: Number.NaN, p99: Number.NaN, p999: Number.NaN };
    const lines = seedTable({ title: "t", upstream: "mock", direct: none, via: none }).split("\n");
    expect(lines[5]).toBe("| Busbar adds (with − without) | no samples | no samples | no samples |");
  });
});

describe("formatting and parsing", () => {
  test("fmtMs never prints a negative zero; fmtCount groups thousands", () => {
    expect([fmtMs(-400), fmtMs(-600), fmtMs(1_234_567)]).toEqual(["0.000", "-0.001", "1.235"]);
    expect([fmtCount(0), fmtCount(999), fmtCount(20_000), fmtCount(1_234_567)]).toEqual(["0", "999", "20 000", "1 234 567"]);
  });

  test("serverTimingMs reads busbar's dur among other metrics and ignores everything else", () => {
    expect([
      serverTimingMs("busbar;dur=0.123"),
      serverTimingMs('db;dur=53, busbar;desc="gateway";dur="1.5"'),
      serverTimingMs("cache;dur=2"),
      serverTimingMs("busbar"),
      serverTimingMs(null),
    ]).toEqual([0.123, 1.5, undefined, undefined, undefined]);
  });

  test("median of odd and even counts", () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([])]).toEqual([2, 2.5, Number.NaN]);
  });
});
