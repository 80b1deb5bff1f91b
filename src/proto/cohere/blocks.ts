// Cohere content → IR blocks, shared by the request and response readers (protocols.md §6.3 CO column).
// - `text` → text; `image_url` → image (a data URL becomes base64); `thinking` (cohere-ai v8 reasoning models) →
//   unsigned thinking.
// - `document` (`{document:{data, id?}}`, tool results) → a `json` block holding `data`: a structured tool result,
//   as Bedrock's `json` is. Its `id` only anchors Cohere citations and is recorded when present.
// - An assistant turn's `tool_plan` is the text the model wrote before its tool calls: it reads as a leading text
//   block (after any thinking), then the content, then the tool calls with their exact argument text.
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { parseArguments, parseDataUrl } from "./tables.ts";
import { isObj, strOf, type WirePart, wireContent, wireToolCalls } from "./wire.ts";

export function text(t: string): Block {
  return { kind: "text", text: t };
}

/** A `content` value (string, null or parts) → blocks; `path` names the content itself (`messages[2].content`). */
export function readContent(raw: unknown, path: string, ledger: Ledger): Block[] {
  const content = wireContent(raw, path);
  if (content === undefined) return [];
  if (typeof content === "string") return [text(content)];
  const out: Block[] = [];
  content.forEach((p, j) => {
    const b = readPart(p, `${path}[${j}]`, ledger);
    if (b !== undefined) out.push(b);
  });
  return out;
}

function readPart({ type, raw: p }: WirePart, at: string, ledger: Ledger): Block | undefined {
  switch (type) {
    case "text":
      if (typeof p.text !== "string") throw new Error(`${at}.text: expected a string`);
      return text(p.text);
    case "thinking":
      if (typeof p.thinking !== "string") throw new Error(`${at}.thinking: expected a string`);
      return { kind: "thinking", text: p.thinking };
    case "image_url": {
      const img = p.image_url;
      const url = isObj(img) ? strOf(img.url) : undefined;
      if (url === undefined) throw new Error(`${at}.image_url.url: expected a string`);
      const detail = isObj(img) ? img.detail : undefined;
      if (detail != null && detail !== "auto") ledger.add(`${at}.image_url.detail`, "no_target_analog");
      const d = parseDataUrl(url);
      return { kind: "image", source: d ? { kind: "base64", ...d } : { kind: "url", url } };
    }
    case "document": {
      const doc = p.document;
      if (!isObj(doc) || !isObj(doc.data)) {
        ledger.add(at, "no_target_analog");
        return undefined;
      }
      if (doc.id != null) ledger.add(`${at}.document.id`, "no_target_analog");
      return { kind: "json", value: doc.data };
    }
    default:
      ledger.add(at, "no_target_analog");
      return undefined;
  }
}

/** An assistant turn (request message or response `message`) → blocks, in the order the model produced them. */
export function assistantBlocks(content: unknown, toolPlan: unknown, toolCalls: unknown, path: string, ledger: Ledger): Block[] {
  const parts = readContent(content, `${path}.content`, ledger);
  const out: Block[] = [];
  for (const b of parts) if (b.kind === "thinking") out.push(b);
  if (toolPlan !== undefined && toolPlan !== null) {
    if (typeof toolPlan !== "string") throw new Error(`${path}.tool_plan: expected a string`);
    if (toolPlan !== "") out.push(text(toolPlan));
  }
  for (const b of parts) if (b.kind !== "thinking") out.push(b);
  wireToolCalls(toolCalls, `${path}.tool_calls`).forEach((c, k) => {
    const at = `${path}.tool_calls[${k}]`;
    if (c.name === undefined) { ledger.add(at, "no_target_analog"); return; }
    const args = c.arguments ?? "";
    const input = parseArguments(args, `${at}.function.arguments`, ledger);
    // An empty argument string is a call without arguments: `{}`, which every writer can express.
    out.push(args.trim() === "" ? { kind: "tool_use", id: c.id, name: c.name, input } : { kind: "tool_use", id: c.id, name: c.name, input, inputText: args });
  });
  return out;
}
