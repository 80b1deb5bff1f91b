// The signature stash (spec README D1): bounded in entries and age; an injected clock, no sleeps.
import { expect, test } from "bun:test";
import { SignatureStash } from "../../src/ir/stash.ts";

test("keeps signatures by tool id, forgets the oldest beyond the bound and anything past its TTL", () => {
  let t = 0;
  const s = new SignatureStash(2, 1000, () => t);
  s.put("a", { value: "sa", origin: "gemini" });
  s.put("b", { value: "sb", origin: "gemini" });
  s.put("a", { value: "sa2", origin: "gemini" }); // refreshed: now the newest
  s.put("c", { value: "sc", origin: "gemini" }); // evicts b, the oldest
  const held = [s.get("a")?.value, s.get("b")?.value, s.get("c")?.value, s.size];
  t = 1001;
  expect({ held, expired: s.get("a") }).toEqual({ held: ["sa2", undefined, "sc", 2], expired: undefined });
});
