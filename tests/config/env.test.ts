// platform.md §1.3: every row of the `${NAME}` expansion table.
import { describe, expect, test } from "bun:test";
import { expandEnv } from "../../src/config/env.ts";
import { load, MINIMAL } from "./helpers.ts";

describe("expandEnv (§1.3)", () => {
  test("${NAME} set: replaced, single pass (a value holding ${X} is not re-expanded)", () => {
    expect(expandEnv("a: ${A}\nb: ${B}\n", { A: "one", B: "${A}" })).toEqual({ text: "a: one\nb: ${A}\n", errors: [], unset: [] });
  });

  test("$NAME is left verbatim", () => {
    expect(expandEnv("a: $A $ {A} $$", { A: "x" })).toEqual({ text: "a: $A $ {A} $$", errors: [], unset: [] });
  });

  test("${NAME} unset: fatal, every one reported with its line", () => {
    expect(expandEnv("a: 1\nb: ${NOPE}\nc: ${ALSO}\n", {}).errors).toEqual([
      { line: 2, message: "unset environment variable: NOPE" },
      { line: 3, message: "unset environment variable: ALSO" },
    ]);
  });

  test("${NAME} unset under --validate: collected once each, replaced by the placeholder", () => {
    const r = expandEnv("a: ${A}\nb: ${B}${A}\n", {}, { unsetAllowed: true, placeholder: (n) => `<${n}>` });
    expect(r).toEqual({ text: "a: <A>\nb: <B><A>\n", errors: [], unset: ["A", "B"] });
  });

  test("an empty value is set, not unset", () => {
    expect(expandEnv("a: '${E}'", { E: "" })).toEqual({ text: "a: ''", errors: [], unset: [] });
  });

  test("${NAME without a closing brace on its line: unclosed", () => {
    expect(expandEnv("a: ${NAME\nb: }", { NAME: "x" }).errors).toEqual([
      { line: 1, message: 'unclosed variable reference (missing "}" after "${")' },
    ]);
  });

  test("${}: empty variable name", () => {
    expect(expandEnv("a: ${}", {}).errors).toEqual([{ line: 1, message: "empty variable name in ${}" }]);
  });

  test("a name outside [A-Za-z_][A-Za-z0-9_]* is fatal", () => {
    expect(expandEnv("a: ${1X}\nb: ${A-B}", {}).errors).toEqual([
      { line: 1, message: 'invalid environment variable name "1X" (must match [A-Za-z_][A-Za-z0-9_]*)' },
      { line: 2, message: 'invalid environment variable name "A-B" (must match [A-Za-z_][A-Za-z0-9_]*)' },
    ]);
  });

  test.each([
    ["newline", "zz9\ny: injected"], ["carriage return", "zz9\r"], ["tab", "zz9\tb"], ["NUL", "zz9\0b"], ["DEL", "zz9\x7fb"],
    ["NEL", "zz9\u0085b"], ["line separator", "zz9\u2028b"], ["paragraph separator", "zz9\u2029b"],
  ])("a value holding %s is fatal, naming the variable and never the value", (_label, value) => {
    const r = expandEnv("k: ${SECRET_VAL}", { SECRET_VAL: value });
    expect(r.errors).toEqual([{
      line: 1,
      message: "environment variable SECRET_VAL holds a line break, tab or control character, which is not allowed in an expanded value",
    }]);
    expect(JSON.stringify(r)).not.toContain("zz9");
  });

  test("${NAME} inside a YAML comment is still expanded, so it must resolve", () => {
    expect(expandEnv("# uses ${C}\na: 1", { C: "z" }).text).toBe("# uses z\na: 1");
    expect(expandEnv("# uses ${C}\na: 1", {}).errors).toEqual([{ line: 1, message: "unset environment variable: C" }]);
  });
});

describe("expansion inside loadConfig", () => {
  test("errors carry file:line and stop the load", () => {
    const r = load(`${MINIMAL}# \${MISSING}\n`);
    expect(r).toEqual({ ok: false, errors: ["config.yaml:5: unset environment variable: MISSING"], warnings: [], notes: [] });
  });

  test("an injected newline never reaches the YAML parser", () => {
    const r = load(`${MINIMAL}listen: "\${L}"\n`, { env: { OPENAI_KEY: "k", L: "127.0.0.1:1\nmodels: {}" } });
    expect(r.ok ? [] : r.errors).toEqual([
      "config.yaml:5: environment variable L holds a line break, tab or control character, which is not allowed in an expanded value",
    ]);
  });
});
