// The starter config install.sh writes (release/config.example.yaml) must load with the embedded catalog and name
// its two key variables rather than hold keys; unset, they are warned about by name.
import { expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";

const text = await Bun.file(new URL("../../release/config.example.yaml", import.meta.url)).text();
const load = (env: Record<string, string>) =>
  loadConfig({ configText: text, configFile: "config.yaml", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env });

test("loads with OPENAI_API_KEY and ANTHROPIC_API_KEY set: one pool over both providers, loopback, no auth", () => {
  const r = load({ OPENAI_API_KEY: "sk-test", ANTHROPIC_API_KEY: "sk-ant-test" });
  if (!r.ok) throw new Error(r.errors.join("\n"));
  expect(Object.keys(r.config.pools)).toEqual(["chat"]);
  expect(r.config.pools["chat"]!.members.map((m) => m.target)).toEqual(["gpt", "claude"]);
  expect(r.warnings.join("\n")).not.toContain("unset");
  expect(text).not.toMatch(/sk-[A-Za-z0-9-]{12,}/); // placeholders only, never a key
});

test("without the key variables it still loads (the demo needs none) and warns naming each", () => {
  const r = load({});
  expect(r.ok).toBe(true);
  const warned = r.warnings.join("\n");
  expect(warned).toContain("environment variable OPENAI_API_KEY is unset or empty");
  expect(warned).toContain("environment variable ANTHROPIC_API_KEY is unset or empty");
});
