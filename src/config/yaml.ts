// YAML text → plain data, with the positions needed to report `file:line` (platform.md §1.2).
// YAML 1.2 core schema (so `no`/`on` stay strings), duplicate keys rejected, aliases capped.
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
import type { ConfigPath, Problem } from "./messages.ts";

export const MAX_FILE_BYTES = 4 * 1024 * 1024;

export type YamlResult =
  | { readonly ok: true; readonly value: unknown; readonly offsetOf: (path: ConfigPath) => number }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** Alias expansions allowed per document: enough for sharing a block, not for a billion laughs. */
const MAX_ALIAS_COUNT = 100;
const KEY_ECHO_MAX = 64;
const KEY_TOKEN = /^(?:"(?:[^"\\\n]|\\.)*"|'[^'\n]*'|[^:#,{}[\]\n]*)/;

/** Removes a UTF-8 byte-order mark; editors on some platforms add one. */
export function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

export function tooLarge(text: string): boolean {
  return Buffer.byteLength(text, "utf8") > MAX_FILE_BYTES;
}

export function parseYaml(text: string): YamlResult {
  const lineCounter = new LineCounter();
  // prettyErrors is off on purpose: it quotes source lines, which may hold secrets.
  const doc = parseDocument(text, { version: "1.2", schema: "core", uniqueKeys: true, prettyErrors: false, lineCounter });
  const lineAt = (offset: number): number => lineCounter.linePos(offset).line;
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((e) => {
        const at = e.pos[0];
        if (e.code === "DUPLICATE_KEY") {
          // The error marks only the key's first character; take the key token from there.
          const key = (KEY_TOKEN.exec(text.slice(at, at + 1024))?.[0] ?? "").trim();
          const shown = key.length > KEY_ECHO_MAX ? `${key.slice(0, KEY_ECHO_MAX)}…` : key;
          return { path: [], line: lineAt(at), message: `duplicate key ${shown}` };
        }
        return { path: [], line: lineAt(at), message: `YAML syntax error: ${e.message}` };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    // Unresolved or excessive aliases surface only while converting.
    return { ok: false, problems: [{ path: [], line: 1, message: `YAML error: ${err instanceof Error ? err.message : String(err)}` }] };
  }
  // Where the deepest existing node on a path starts; a missing key reports at its parent.
  const offsetOf = (path: ConfigPath): number => {
    let node: unknown = doc.contents;
    let offset = 0;
    for (const key of path) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(key));
        if (!pair) break;
        offset = (isScalar(pair.key) ? pair.key.range?.[0] : undefined) ?? offset;
        node = pair.value;
      } else if (isSeq(node) && typeof key === "number") {
        const item = node.items[key];
        if (!item) break;
        offset = (isScalar(item) || isMap(item) || isSeq(item) ? item.range?.[0] : undefined) ?? offset;
        node = item;
      } else {
        break;
      }
    }
    return offset;
  };
  return { ok: true, value, offsetOf };
}
