// Converse content blocks ↔ IR blocks (protocols.md §6.3), shared by the request and response paths: media
// formats, `cachePoint` markers (a marker caches everything up to the block before it), signatures (§10.4:
// readers unwrap; request writers emit only Bedrock's own).
import type { Block, Media } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { unwrapSignature } from "../../ir/signature.ts";
import type { JsonObject } from "../codec.ts";
import { documentFormatOf, documentMediaType, documentName, imageFormatOf, readCachePoint } from "./tables.ts";
import { type Block as WireBlock, type DocumentBlock, type ImageBlock, type ToolResultContent } from "./wire.ts";

// ---- read ----

function readImage(b: ImageBlock): Media | undefined {
  if (typeof b.source.bytes === "string") return { kind: "base64", mediaType: `image/${b.format}`, data: b.source.bytes };
  if (b.source.s3Location) return { kind: "vendor", proto: "bedrock", raw: b }; // S3 reaches Bedrock only
  return undefined;
}

function readDocument(b: DocumentBlock, at: string, ledger: Ledger): Block | undefined {
  const s = b.source;
  let source: Media;
  if (typeof s.bytes === "string") source = { kind: "base64", mediaType: documentMediaType(b.format), data: s.bytes };
  else if (typeof s.text === "string") {
    const mediaType = b.format == null ? "text/plain" : documentMediaType(b.format);
    source = { kind: "base64", mediaType, data: Buffer.from(s.text, "utf8").toString("base64") };
  } else if (s.s3Location || s.content) source = { kind: "vendor", proto: "bedrock", raw: b };
  else return undefined;
  const out: Block = { kind: "document", source };
  if (typeof b.name === "string") out.name = b.name;
  if (typeof b.context === "string") ledger.add(`${at}.context`, "no_target_analog");
  if (b.citations?.enabled === true) ledger.add(`${at}.citations`, "no_target_analog");
  return out;
}

function readToolResultContent(c: ToolResultContent, at: string, ledger: Ledger): Block | undefined {
  if (typeof c.text === "string") return { kind: "text", text: c.text };
  if (c.json !== undefined && c.json !== null) return { kind: "json", value: c.json };
  if (c.image) {
    const source = readImage(c.image);
    if (source) return { kind: "image", source };
  }
  if (c.document) return readDocument(c.document, `${at}.document`, ledger);
  return undefined; // video, search results
}

/** One Converse block → IR, or undefined when it has no IR form (recorded at `at`). */
function readBlock(b: WireBlock, at: string, ledger: Ledger): Block | undefined {
  if (typeof b.text === "string") return { kind: "text", text: b.text };
  if (b.image) {
    const source = readImage(b.image);
    if (source) return { kind: "image", source };
  } else if (b.document) {
    const d = readDocument(b.document, at, ledger);
    if (d) return d;
  } else if (b.toolUse) {
    return { kind: "tool_use", id: b.toolUse.toolUseId, name: b.toolUse.name, input: b.toolUse.input ?? {} };
  } else if (b.toolResult) {
    const r = b.toolResult;
    const content: Block[] = [];
    r.content.forEach((c, k) => {
      const inner = readToolResultContent(c, `${at}.toolResult.content[${k}]`, ledger);
      if (inner) content.push(inner);
      else ledger.add(`${at}.toolResult.content[${k}]`, "no_target_analog");
    });
    return { kind: "tool_result", toolUseId: r.toolUseId, content, isError: r.status === "error" };
  } else if (b.reasoningContent) {
    const rc = b.reasoningContent;
    if (rc.reasoningText) {
      const out: Block = { kind: "thinking", text: rc.reasoningText.text };
      const sig = rc.reasoningText.signature;
      if (typeof sig === "string" && sig !== "") out.signature = unwrapSignature(sig, "bedrock");
      return out;
    }
    if (typeof rc.redactedContent === "string") {
      const sig = unwrapSignature(rc.redactedContent, "bedrock");
      return { kind: "redacted_thinking", data: sig.value, origin: sig.origin };
    }
  } else if (b.citationsContent) {
    // Cited generation: the text is carried, the citations have no IR form from Bedrock.
    ledger.add(`${at}.citations`, "no_target_analog");
    return { kind: "text", text: (b.citationsContent.content ?? []).map((c) => c.text ?? "").join("") };
  }
  ledger.add(at, "no_target_analog"); // video, audio, guardContent, searchResult, S3-less sources…
  return undefined;
}

/** Converse blocks (already through their schema) → IR blocks; a `cachePoint` marks the block before it. */
export function readBlocks(raw: readonly WireBlock[], prefix: string, ledger: Ledger): Block[] {
  const out: Block[] = [];
  let last: Block | undefined;
  raw.forEach((b, j) => {
    const at = `${prefix}[${j}]`;
    if (b.cachePoint) {
      if (last && last.kind !== "json") last.cache = readCachePoint(b.cachePoint);
      else ledger.add(at, "no_target_analog");
      return;
    }
    last = readBlock(b, at, ledger);
    if (last) out.push(last);
  });
  return out;
}

// ---- request write ----

/** What block writers share across one request: the lane gate, the ledger, a counter for default document names. */
export interface WriteState {
  readonly ledger: Ledger;
  documents: number;
}

function writeImage(source: Media, at: string, st: WriteState): JsonObject | undefined {
  switch (source.kind) {
    case "base64": {
      let format = imageFormatOf(source.mediaType);
      if (format === undefined) {
        format = "png"; // §6.3: the nearest format Converse names
        st.ledger.add(`${at}.format`, "clamped");
      }
      return { image: { format, source: { bytes: source.data } } };
    }
    case "vendor":
      if (source.proto === "bedrock" && typeof source.raw === "object" && source.raw !== null) return { image: { ...source.raw } };
      return undefined;
    case "url":
      return undefined; // Converse takes no image URLs (§6.3)
  }
}

function writeDocument(b: Extract<Block, { kind: "document" }>, at: string, st: WriteState): JsonObject | undefined {
  const s = b.source;
  if (s.kind === "vendor") return s.proto === "bedrock" && typeof s.raw === "object" && s.raw !== null ? { document: { ...s.raw } } : undefined;
  if (s.kind === "url") return undefined;
  const format = documentFormatOf(s.mediaType);
  if (format === undefined) return undefined;
  st.documents++;
  const given = b.name ?? b.title;
  const name = given === undefined ? `document ${st.documents}` : documentName(given);
  if (given !== undefined && name !== given) st.ledger.add(`${at}.name`, "clamped");
  if (b.name !== undefined && b.title !== undefined && b.title !== b.name) st.ledger.add(`${at}.title`, "no_target_analog");
  return { document: { format, name, source: { bytes: s.data } } };
}

function writeToolResult(b: Extract<Block, { kind: "tool_result" }>, at: string, st: WriteState): JsonObject {
  const content: JsonObject[] = [];
  b.content.forEach((x, k) => {
    const inner = `${at}.content[${k}]`;
    if (x.kind !== "json" && x.cache !== undefined) st.ledger.add(`${inner}.cache_control`, "no_target_analog");
    let w: JsonObject | undefined;
    if (x.kind === "text") {
      if (x.citations) st.ledger.add(`${inner}.citations`, "no_target_analog");
      w = { text: x.text };
    } else if (x.kind === "json") w = { json: x.value };
    else if (x.kind === "image") w = writeImage(x.source, inner, st);
    else if (x.kind === "document") w = writeDocument(x, inner, st);
    if (w) content.push(w);
    else st.ledger.add(inner, "no_target_analog");
  });
  if (content.length === 0) content.push({ text: "" });
  const out: JsonObject = { toolUseId: b.toolUseId, content };
  if (b.isError) out.status = "error";
  return { toolResult: out };
}

/** One IR block → a Converse request block (its `cachePoint` is the caller's business), or undefined (recorded). */
export function writeBlock(b: Block, at: string, st: WriteState): JsonObject | undefined {
  let out: JsonObject | undefined;
  switch (b.kind) {
    case "text":
      if (b.citations) st.ledger.add(`${at}.citations`, "no_target_analog");
      return { text: b.text };
    case "json":
      return { text: JSON.stringify(b.value) };
    case "image":
      out = writeImage(b.source, at, st);
      break;
    case "document":
      out = writeDocument(b, at, st);
      break;
    case "thinking":
      // §10.4: a signature verifies only at its issuer; Claude also rejects unsigned reasoning in history.
      if (b.signature?.origin === "bedrock") out = { reasoningContent: { reasoningText: { text: b.text, signature: b.signature.value } } };
      break;
    case "redacted_thinking":
      if (b.origin === "bedrock") out = { reasoningContent: { redactedContent: b.data } };
      break;
    case "tool_use":
      return { toolUse: { toolUseId: b.id, name: b.name, input: b.input ?? {} } };
    case "tool_result":
      return writeToolResult(b, at, st);
  }
  if (out === undefined) st.ledger.add(at, "no_target_analog");
  return out;
}
