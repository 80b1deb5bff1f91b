import { expect, test } from "bun:test";
import { parseArgs } from "../../src/cli/args.ts";

test("argv forms (platform.md §6.1, spec README decision 10)", () => {
  expect([
    parseArgs([]),
    parseArgs(["--config", "a.yaml", "--providers=p.yaml"]),
    parseArgs(["--validate", "--strict", "--config", "c.yaml"]),
    parseArgs(["demo"]),
    parseArgs(["--demo", "--port", "0"]),
    parseArgs(["mock-upstream", "--port", "9001", "--faults"]),
    parseArgs(["-V"]),
    parseArgs(["--print-catalog"]),
  ]).toEqual([
    { kind: "serve" },
    { kind: "serve", config: "a.yaml", providers: "p.yaml" },
    { kind: "validate", strict: true, config: "c.yaml" },
    { kind: "demo", port: 8080 },
    { kind: "demo", port: 0 },
    { kind: "mock-upstream", argv: ["--port", "9001", "--faults"] },
    { kind: "version" },
    { kind: "print-catalog" },
  ]);
});

test("usage errors", () => {
  const kinds = [["--bogus"], ["--config"], ["--strict"], ["--port", "9"], ["demo", "--port", "x"]].map((a) => parseArgs(a).kind);
  expect(kinds).toEqual(["usage-error", "usage-error", "usage-error", "usage-error", "usage-error"]);
});
