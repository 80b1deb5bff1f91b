// The x-busbar-dropped header carries caller-chosen field names: it must always be a legal, bounded header value.
import { expect, test } from "bun:test";
import { HEADER_MAX, Ledger } from "../../src/ir/ledger.ts";

test("plain field paths are listed as they are", () => {
  const l = new Ledger();
  l.add("seed", "no_target_analog");
  l.add("messages[2].content[0].cache_control", "capability_gate");
  expect(l.header()).toBe("seed,messages[2].content[0].cache_control");
});

test("non-ASCII, controls, commas, % and lone surrogates are percent-encoded; the value is a legal header", () => {
  const l = new Ledger();
  for (const f of ["😀", "a,b", "50%", "x\r\nX-Injected: 1", "\ud800", "é"]) l.add(f, "no_target_analog");
  const v = l.header();
  expect(v).toBe("%F0%9F%98%80,a%2Cb,50%25,x%0D%0AX-Injected:%201,%EF%BF%BD,%C3%A9");
  expect(() => new Headers({ "x-busbar-dropped": v })).not.toThrow();
});

test("a flood of unknown fields is cut at HEADER_MAX with a count of the rest", () => {
  const l = new Ledger();
  for (let i = 0; i < 5000; i++) l.add(`field_${i}`, "no_target_analog");
  const v = l.header();
  expect(v.length).toBeLessThanOrEqual(HEADER_MAX + 20);
  expect(v).toMatch(/,\.\.\.\(\d+ more\)$/);
  const shown = v.split(",").length - 1;
  expect(v.endsWith(`...(${5000 - shown} more)`)).toBe(true);
});
