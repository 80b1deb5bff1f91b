// The shipped catalog/providers.yaml against the row format catalog/README.md documents. The loader
// has its own schema tests; these keep the data itself honest (URLs, paths, classes) as rows are added.
import { describe, expect, test } from "bun:test";
import { ERROR_CLASSES } from "../../src/config/model.ts";
import { PROTOCOL_NAMES } from "../../src/ir/protocol.ts";

const CATALOG_PATH = new URL("../../catalog/providers.yaml", import.meta.url);
const ROW_KEYS = ["protocol", "base_url", "path", "auth", "region", "error_map", "description", "pricing"];
const LOOPBACK = /^http:\/\/127\.0\.0\.1:\d+$/;

const text = await Bun.file(CATALOG_PATH).text();
const doc = Bun.YAML.parse(text) as { providers: Record<string, Record<string, unknown>> };
const rows = Object.entries(doc.providers);

describe("catalog/providers.yaml", () => {
  test("is one top-level `providers` map", () => {
    expect(Object.keys(doc)).toEqual(["providers"]);
    expect(rows.length).toBeGreaterThan(40);
  });

  test("carries the rows the spec and operators rely on", () => {
    const names = new Set(rows.map(([name]) => name));
    const required = [
      "anthropic", "openai", "responses", "gemini", "bedrock", "cohere", "z.ai", "zai-api", "mistral",
      "groq", "together", "fireworks", "deepseek", "xai", "openrouter", "cerebras", "deepinfra", "moonshot",
      "perplexity", "nvidia-nim", "sambanova", "hyperbolic", "novita", "nebius", "github-models",
      "ollama", "vllm", "lm-studio", "bedrock-us-west-2", "bedrock-eu-west-1", "bedrock-eu-central-1",
      "bedrock-ap-northeast-1", "bedrock-ap-southeast-2",
    ];
    expect(required.filter((n) => !names.has(n))).toEqual([]);
  });

  test("every row uses only known keys and a known protocol", () => {
    const problems: string[] = [];
    for (const [name, row] of rows) {
      for (const key of Object.keys(row)) if (!ROW_KEYS.includes(key)) problems.push(`${name}: unknown key ${key}`);
      if (!(PROTOCOL_NAMES as readonly unknown[]).includes(row.protocol)) problems.push(`${name}: protocol`);
      if (row.auth !== undefined && !["bearer", "api-key", "none"].includes(row.auth as string)) {
        problems.push(`${name}: auth`);
      }
      if (typeof row.description !== "string" || row.description.length > 80) problems.push(`${name}: description`);
    }
    expect(problems).toEqual([]);
  });

  test("base URLs are https (loopback rows excepted), without trailing slash, query or userinfo", () => {
    const problems: string[] = [];
    for (const [name, row] of rows) {
      const raw = row.base_url as string;
      const url = new URL(raw);
      const local = LOOPBACK.test(raw);
      if (url.protocol !== "https:" && !local) problems.push(`${name}: not https`);
      if (raw.endsWith("/") || url.search || url.hash || url.username || url.password) problems.push(`${name}: shape`);
      if (row.path !== undefined && !(typeof row.path === "string" && row.path.startsWith("/"))) {
        problems.push(`${name}: path must start with /`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("only the three local servers point at loopback", () => {
    expect(rows.filter(([, r]) => LOOPBACK.test(r.base_url as string)).map(([n]) => n)).toEqual([
      "ollama", "vllm", "lm-studio",
    ]);
  });

  test("error_map values are failure classes", () => {
    const problems: string[] = [];
    for (const [name, row] of rows) {
      for (const [code, cls] of Object.entries((row.error_map ?? {}) as Record<string, unknown>)) {
        if (!(ERROR_CLASSES as readonly unknown[]).includes(cls)) problems.push(`${name}.${code}: ${String(cls)}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test("bedrock rows name their region, and it matches the host", () => {
    const problems: string[] = [];
    for (const [name, row] of rows.filter(([, r]) => r.protocol === "bedrock")) {
      const host = new URL(row.base_url as string).hostname;
      if (host !== `bedrock-runtime.${String(row.region)}.amazonaws.com`) problems.push(`${name}: ${host}`);
      if (name !== "bedrock" && name !== `bedrock-${String(row.region)}`) problems.push(`${name}: name`);
    }
    expect(problems).toEqual([]);
  });
});
