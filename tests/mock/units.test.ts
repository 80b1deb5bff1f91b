// Pure pieces of the mock: reply text, stream splitting, fault parsing and the CLI's flags.
import { describe, expect, test } from "bun:test";
import { parseMockArgs, runMockUpstreamCli } from "../../src/mock/index.ts";
import { FailRate, draw, faultsFromHeaders, faultsFromModel, mergeFaults } from "../../src/mock/faults.ts";
import { ARGUMENT_FRAGMENTS, TOOL_ARGUMENTS, answerTokens, toolCalls } from "../../src/mock/calls.ts";
import { modelDirectives } from "../../src/mock/directives.ts";
import { mergeShape, shapeFromHeaders, shapeFromModel } from "../../src/mock/shape.ts";
import { streamBody } from "../../src/mock/stream.ts";
import { charCount, replyText, splitPieces } from "../../src/mock/text.ts";

describe("text", () => {
  test("the echo keeps the first 60 code points without splitting a surrogate pair", () => {
    const said = `${"a".repeat(59)}😀tail`;
    expect(replyText("openai", said)).toBe(`Hello from the busbar demo upstream (openai). You said: ${"a".repeat(59)}😀`);
    expect(charCount("a😀b")).toBe(3);
  });

  test("pieces rejoin to the text, never exceed the limit, and spread words evenly", () => {
    const text = "one two three four five six seven";
    expect(splitPieces(text, 16)).toEqual(["one ", "two ", "three ", "four ", "five ", "six ", "seven"]);
    expect(splitPieces(text, 3)).toEqual(["one two ", "three four ", "five six seven"]);
    expect(splitPieces(text, 0)).toEqual([text]);
    expect(splitPieces("", 4)).toEqual([""]);
  });
});

describe("stream pacing", () => {
  async function read(body: ReadableStream<Uint8Array>): Promise<{ text: string; failed: boolean }> {
    let text = "";
    try {
      for await (const chunk of body) text += new TextDecoder().decode(chunk);
      return { text, failed: false };
    } catch {
      return { text, failed: true };
    }
  }

  test("waits the interval between events, not before the first", async () => {
    const waits: number[] = [];
    const body = streamBody(["a", "b", new TextEncoder().encode("c")], { intervalMs: 7, abortAfterEvents: undefined, sleep: async (ms) => { waits.push(ms); } });
    expect({ ...(await read(body)), waits }).toEqual({ text: "abc", failed: false, waits: [7, 7] });
  });

  test("an abort sends N events and errors; it never sends the last (terminator) event", async () => {
    const instant = async () => {};
    const cut2 = await read(streamBody(["a", "b", "c", "END"], { intervalMs: 0, abortAfterEvents: 2, sleep: instant }));
    const cut9 = await read(streamBody(["a", "b", "c", "END"], { intervalMs: 0, abortAfterEvents: 9, sleep: instant }));
    const cut0 = await read(streamBody(["a", "END"], { intervalMs: 0, abortAfterEvents: 0, sleep: instant }));
    expect([cut2, cut9, cut0]).toEqual([{ text: "ab", failed: true }, { text: "abc", failed: true }, { text: "", failed: true }]);
  });
});

describe("fault directives", () => {
  test("model suffixes parse; unknown keys and bad values are ignored", () => {
    expect(faultsFromModel("mock-gpt@status=500@retry-after=3@delay-ms=50@abort-after=2@fail-rate=0.3@colour=red@status2=1"))
      .toEqual({ status: 500, retryAfterSecs: 3, delayMs: 50, abortAfterEvents: 2, failRate: 0.3 });
    expect(faultsFromModel("plain-model")).toEqual({});
    expect(faultsFromModel("m@status=200@delay-ms=-5@fail-rate=nope")).toEqual({});
  });

  test("headers parse the same way and win field by field", () => {
    const headers = new Headers({ "x-mock-status": "503", "x-mock-abort-after-events": "4" });
    expect(mergeFaults(faultsFromModel("m@status=429@delay-ms=10"), faultsFromHeaders(headers)))
      .toEqual({ status: 503, delayMs: 10, abortAfterEvents: 4 });
  });

  test("fail-rate draws are reproducible and roughly uniform", () => {
    const draws = Array.from({ length: 10_000 }, (_, i) => draw(i));
    const below = draws.filter((x) => x < 0.3).length;
    expect(below).toBeGreaterThan(2800);
    expect(below).toBeLessThan(3200);
    const a = new FailRate();
    const b = new FailRate();
    const seq = (r: FailRate, key: string) => Array.from({ length: 50 }, () => r.next(key, 0.5) ?? 200);
    expect(seq(a, "x")).toEqual(seq(b, "x"));
    expect(new FailRate().next("y", 0)).toBeUndefined();
    expect(new FailRate().next("y", 1)).toBe(429);
  });
});

describe("reply-shape directives", () => {
  test("model directives split into keys and values; bare flags have no value", () => {
    expect(modelDirectives("m@Status=500@think@@tool=a,b@x=")).toEqual([
      { key: "status", value: "500" }, { key: "think", value: undefined }, { key: "tool", value: "a,b" }, { key: "x", value: "" },
    ]);
    expect(modelDirectives("plain")).toEqual([]);
  });

  test("@tool repeats and takes lists; invalid names are dropped; @think is a flag", () => {
    expect(shapeFromModel("m@tool=get_weather@tool=a, b.c@tool=bad name,,ok-1@think")).toEqual({ tools: ["get_weather", "a", "b.c", "ok-1"], think: true });
    expect(shapeFromModel("m@think=0@tool=")).toEqual({ tools: [], think: false });
    expect(shapeFromModel("m@status=500")).toEqual({ tools: [], think: false });
    expect(shapeFromModel(`m@tool=${Array.from({ length: 20 }, (_, i) => `t${i}`).join(",")}`).tools.length).toBe(16);
  });

  test("headers mirror the directives and win field by field", () => {
    const headers = new Headers({ "x-mock-tool": "x,y" });
    expect(mergeShape(shapeFromModel("m@tool=a@think"), shapeFromHeaders(headers))).toEqual({ tools: ["x", "y"], think: true });
    expect(shapeFromHeaders(new Headers({ "x-mock-think": "false" }))).toEqual({ think: false });
    expect(shapeFromHeaders(new Headers())).toEqual({});
  });

  test("the argument fragments rebuild the documented arguments; tool replies count names + arguments", () => {
    expect({ joined: ARGUMENT_FRAGMENTS.join(""), parsed: JSON.parse(TOOL_ARGUMENTS), n: ARGUMENT_FRAGMENTS.length })
      .toEqual({ joined: '{"city":"Paris","days":3,"note":"naïve 😀"}', parsed: { city: "Paris", days: 3, note: "naïve 😀" }, n: 4 });
    // 42 code points of arguments (the emoji counts once), twice, + 11 + 8 of names = 103 → 26 tokens.
    expect(charCount(TOOL_ARGUMENTS)).toBe(42);
    expect([answerTokens("", toolCalls(["get_weather", "get_time"])), answerTokens("abcde", [])]).toEqual([26, 2]);
  });
});

describe("cli", () => {
  test("flags map to options; bad input is a usage error", () => {
    expect(parseMockArgs(["--port", "9100", "--host=0.0.0.0", "--delay-ms", "5", "--stream-chunks=3", "--stream-interval-ms", "2", "--faults"]))
      .toEqual({ ok: true, args: { help: false, options: { port: 9100, host: "0.0.0.0", delayMs: 5, streamChunks: 3, streamIntervalMs: 2, faults: true } } });
    expect(parseMockArgs([])).toEqual({ ok: true, args: { help: false, options: { port: 9001 } } });
    expect(parseMockArgs(["--tls-cert", "c.pem", "--tls-key", "k.pem"]))
      .toMatchObject({ ok: true, args: { tlsCertFile: "c.pem", tlsKeyFile: "k.pem" } });
    expect([
      parseMockArgs(["--bogus"]), parseMockArgs(["--port"]), parseMockArgs(["--port", "70000"]),
      parseMockArgs(["--delay-ms", "-1"]), parseMockArgs(["--tls-cert", "c.pem"]), parseMockArgs(["--faults=yes"]),
    ].map((r) => r.ok)).toEqual([false, false, false, false, false, false]);
  });

  test("serves until told to stop, announcing its URL; TLS files are read; a usage error returns 2", async () => {
    const dir = `${import.meta.dir}/fixtures`;
    const lines: string[] = [];
    let announced = () => {};
    const started = new Promise<void>((resolve) => {
      announced = resolve;
    });
    let stop = () => {};
    const until = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const running = runMockUpstreamCli(
      ["--port", "0", "--tls-cert", `${dir}/localhost-cert.pem`, "--tls-key", `${dir}/localhost-key.pem`],
      { out: (line) => { lines.push(line); announced(); }, until },
    );
    await started;
    const url = /^mock upstream listening on (https:\/\/127\.0\.0\.1:\d+)$/.exec(lines[0] ?? "")?.[1] ?? "";
    const live = await fetch(`${url}/__mock/stats`, { tls: { rejectUnauthorized: false } });
    expect(live.status).toBe(200);
    stop();
    expect(await running).toBe(0);
    expect(await fetch(`${url}/__mock/stats`, { tls: { rejectUnauthorized: false } }).then(() => "up", () => "down")).toBe("down");

    const errors: string[] = [];
    expect(await runMockUpstreamCli(["--nope"], { err: (l) => errors.push(l) })).toBe(2);
    expect(errors[0]).toBe("busbar mock-upstream: unknown argument: --nope");
  });
});
