// Anthropic content blocks ↔ IR blocks (protocols.md §6.3), shared by the request and response paths: cache
// markers, citations (§7.3), media sources, signatures (§10.4: readers unwrap, caller-facing writers wrap).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block, Cache, Citation, Media } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { unwrapSignature } from "../../ir/signature.ts";
import type { JsonObject } from "../codec.ts";
import { isTextBlock, isThinkingBlock, isToolResultBlock, isToolUseBlock } from "./hot.ts";
import {
  type AnyBlock, Base64Source, CacheControl, DocumentBlock, ImageBlock, RedactedThinkingBlock, Source, TextBlock,
  TextSource, ThinkingBlock, ToolResultBlock, ToolUseBlock, UrlSource,
} from "./wire.ts";

/** Image media types the Messages API accepts in a base64 source. */
export const IMAGE_TYPES: ReadonlySet<string> = new Set(["image/jpeg", "image/png", "image/gif", "image/webp"]);

// ---- cache markers ----

export function readCache(c: v.InferOutput<typeof CacheControl> | null | undefined): Cache | undefined {
  if (c === null || c === undefined) return undefined;
  return typeof c.ttl === "string" ? { type: "ephemeral", ttl: c.ttl } : { type: "ephemeral" };
}

export function writeCache(c: Cache): JsonObject {
  return c.ttl !== undefined ? { type: "ephemeral", ttl: c.ttl } : { type: "ephemeral" };
}

/** Adds `cache_control` when the block carries a marker. */
export function cached(out: JsonObject, c: Cache | undefined): JsonObject {
  if (c !== undefined) out.cache_control = writeCache(c);
  return out;
}

// ---- citations ----

const strOf = (o: Record<string, unknown>, k: string) => (typeof o[k] === "string" ? o[k] : undefined);
const numOf = (o: Record<string, unknown>, k: string) => (typeof o[k] === "number" ? o[k] : undefined);

/** AN citation → neutral fields (§7.3); the raw object rides along for AN writers. */
export function readCitation(raw: Record<string, unknown>): Citation {
  const startIndex = numOf(raw, "start_char_index");
  const endIndex = numOf(raw, "end_char_index");
  const uri = strOf(raw, "url") ?? strOf(raw, "source");
  const title = strOf(raw, "document_title") ?? strOf(raw, "title");
  const citedText = strOf(raw, "cited_text");
  return {
    ...(startIndex !== undefined && { startIndex }),
    ...(endIndex !== undefined && { endIndex }),
    ...(uri !== undefined && { uri }),
    ...(title !== undefined && { title }),
    ...(citedText !== undefined && { citedText }),
    origin: "anthropic",
    raw,
  };
}

/**
 * IR citation → AN response citation. Ours come back unchanged; a foreign one (Gemini's `citationSources`) takes
 * the nearest AN shape: a web result when it names a URI, else a character range of document 0.
 */
export function writeResponseCitation(c: Citation): unknown {
  if (c.origin === "anthropic") return c.raw;
  if (c.uri !== undefined) {
    return { type: "web_search_result_location", cited_text: c.citedText ?? "", url: c.uri, title: c.title ?? null, encrypted_index: "" };
  }
  return {
    type: "char_location", cited_text: c.citedText ?? "", document_index: 0, document_title: c.title ?? null,
    start_char_index: c.startIndex ?? 0, end_char_index: c.endIndex ?? 0, file_id: null,
  };
}

// ---- media ----

function readMedia(raw: v.InferOutput<typeof Source>, document: boolean): Media {
  switch (raw.type) {
    case "base64": {
      const s = parse(Base64Source, raw);
      return { kind: "base64", mediaType: s.media_type, data: s.data };
    }
    case "url": {
      const s = parse(UrlSource, raw);
      // A document URL source is a PDF by definition (URLPDFSource).
      return document ? { kind: "url", url: s.url, mediaType: "application/pdf" } : { kind: "url", url: s.url };
    }
    case "text": {
      // Plain-text documents travel as base64 text/plain so other protocols can carry them as a file.
      const s = parse(TextSource, raw);
      return { kind: "base64", mediaType: "text/plain", data: Buffer.from(s.data, "utf8").toString("base64") };
    }
    default:
      return { kind: "vendor", proto: "anthropic", raw }; // file ids, content sources: Anthropic only
  }
}

/** IR media → AN source, or undefined when AN cannot take it (the caller records the drop). */
export function writeMedia(m: Media, document: boolean): JsonObject | undefined {
  switch (m.kind) {
    case "base64":
      if (!document) return IMAGE_TYPES.has(m.mediaType) ? { type: "base64", media_type: m.mediaType, data: m.data } : undefined;
      if (m.mediaType === "application/pdf") return { type: "base64", media_type: m.mediaType, data: m.data };
      if (m.mediaType === "text/plain") return { type: "text", media_type: "text/plain", data: Buffer.from(m.data, "base64").toString("utf8") };
      return undefined;
    case "url":
      return { type: "url", url: m.url };
    case "vendor":
      return m.proto === "anthropic" && typeof m.raw === "object" && m.raw !== null ? { ...m.raw } : undefined;
  }
}

// ---- blocks ----

/**
 * One AN block → IR, or undefined when it has no IR form (server tool blocks, search results…: recorded at
 * `at`). Malformed known blocks throw: the caller's bad request. The common blocks are narrowed by hand first
 * (hot.ts); their schema runs only on a miss.
 */
export function readBlock(raw: AnyBlock, at: string, ledger: Ledger): Block | undefined {
  switch (raw.type) {
    case "text": {
      const b = isTextBlock(raw) ? raw : parse(TextBlock, raw);
      const out: Block = { kind: "text", text: b.text };
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      if (b.citations && b.citations.length > 0) out.citations = b.citations.map(readCitation);
      return out;
    }
    case "image": {
      const b = parse(ImageBlock, raw);
      const out: Block = { kind: "image", source: readMedia(b.source, false) };
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      return out;
    }
    case "document": {
      const b = parse(DocumentBlock, raw);
      const out: Block = { kind: "document", source: readMedia(b.source, true) };
      if (typeof b.title === "string") out.title = b.title;
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      if (typeof b.context === "string") ledger.add(`${at}.context`, "no_target_analog");
      if (b.citations?.enabled === true) ledger.add(`${at}.citations`, "no_target_analog");
      return out;
    }
    case "thinking": {
      const b = isThinkingBlock(raw) ? raw : parse(ThinkingBlock, raw);
      const out: Block = { kind: "thinking", text: b.thinking };
      if (typeof b.signature === "string" && b.signature !== "") out.signature = unwrapSignature(b.signature, "anthropic");
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      return out;
    }
    case "redacted_thinking": {
      const b = parse(RedactedThinkingBlock, raw);
      const sig = unwrapSignature(b.data, "anthropic");
      const out: Block = { kind: "redacted_thinking", data: sig.value, origin: sig.origin };
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      return out;
    }
    case "tool_use": {
      const b = isToolUseBlock(raw) ? raw : parse(ToolUseBlock, raw);
      const out: Block = { kind: "tool_use", id: b.id, name: b.name, input: b.input ?? {} };
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      return out;
    }
    case "tool_result": {
      const b = isToolResultBlock(raw) ? raw : parse(ToolResultBlock, raw);
      const content: Block[] = [];
      if (typeof b.content === "string") content.push({ kind: "text", text: b.content });
      else if (b.content) {
        b.content.forEach((x, k) => {
          const inner = readBlock(x, `${at}.content[${k}]`, ledger);
          if (inner) content.push(inner);
        });
      }
      const out: Block = { kind: "tool_result", toolUseId: b.tool_use_id, content, isError: b.is_error === true };
      const c = readCache(b.cache_control);
      if (c) out.cache = c;
      return out;
    }
    default:
      ledger.add(at, "no_target_analog");
      return undefined;
  }
}

/** `content: string | blocks` → IR blocks; block `j` is recorded as `${prefix}[j]`. */
export function readContent(content: string | AnyBlock[], prefix: string, ledger: Ledger): Block[] {
  if (typeof content === "string") return [{ kind: "text", text: content }];
  const out: Block[] = [];
  content.forEach((raw, j) => {
    const b = readBlock(raw, `${prefix}[${j}]`, ledger);
    if (b) out.push(b);
  });
  return out;
}

