// Loads the Responses golden fixtures (tests/golden/responses/): native wire bodies and the IR expected from them.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { ResponseContext } from "../../../src/proto/codec.ts";
import { sequentialIds } from "../../../src/ir/ids.ts";

export const GOLDEN = join(import.meta.dir, "../../golden/responses");

export function text(rel: string): string {
  return readFileSync(join(GOLDEN, rel), "utf8");
}

export function json<T = unknown>(rel: string): T {
  return JSON.parse(text(rel)) as T;
}

/** Case names in a fixture folder: `<case><suffix>` files. */
export function cases(folder: string, suffix: string): string[] {
  return readdirSync(join(GOLDEN, folder)).filter((f) => f.endsWith(suffix)).map((f) => f.slice(0, -suffix.length)).sort();
}

/** Deterministic ids and clock (protocols.md §9.1). */
export function responseContext(over: Partial<ResponseContext> = {}): ResponseContext {
  return { ids: sequentialIds(), now: () => 1750000000999, model: "lane-model", includeUsage: false, reasoningContent: false, ...over };
}
