// Reading a config or catalog file from disk with the §1.1 limits (UTF-8, ≤ 4 MiB) checked
// before the whole file is read.
import { readFileSync, statSync } from "node:fs";
import { MAX_FILE_BYTES } from "./yaml.ts";

export function readTextFile(path: string): { text: string } | { error: string } {
  try {
    if (statSync(path).size > MAX_FILE_BYTES) return { error: `${path}: file is larger than 4 MiB` };
    const bytes = readFileSync(path);
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch (err) {
    if (err instanceof TypeError) return { error: `${path}: not valid UTF-8` };
    const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : "unreadable";
    return { error: `cannot read ${path} (${code})` };
  }
}
