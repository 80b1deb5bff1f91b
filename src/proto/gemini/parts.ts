// Gemini `Part`s ↔ IR (protocols.md §6.3), shared by requests, responses and streams. Parts are most of every
// body and of every stream chunk, so they are narrowed by hand with type guards rather than a valibot schema run
// per part (the measured exception also made in proto/openai/hot.ts); a malformed part still fails at the edge.
import type { Block, Media, Signature } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { unwrapSignature, wrapSignature } from "../../ir/signature.ts";
import type { JsonObject } from "../codec.ts";
import { syntheticCallId } from "./tables.ts";

export type Obj = Record<string, unknown>;

export function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** `base64("bbs1:")` begins with these six characters, whatever follows (protocols.md §10.4). */
const WRAPPED_PREFIX = "YmJzMT";

/**
 * A `thoughtSignature` as it arrived → its issuer and original value. Gemini's own signatures (KBs of base64, one
 * per call) skip the decode: only a gateway-wrapped one can carry another issuer, and it starts with WRAPPED_PREFIX.
 */
export function readSignature(wire: string): Signature {
  return wire.startsWith(WRAPPED_PREFIX) ? unwrapSignature(wire, "gemini") : { value: wire, origin: "gemini" };
}

/** A `Content` (a turn): its role and parts, narrowed by hand like the parts (a schema run per turn cost a third of a read). */
export function wireContent(x: unknown, at: string): { role: string | undefined; parts: readonly unknown[] } {
  if (!isObj(x)) throw new Error(`${at}: expected a content object`);
  const role = x.role === undefined || x.role === null ? undefined : x.role;
  if (role !== undefined && typeof role !== "string") throw new Error(`${at}.role: expected a string`);
  const parts = x.parts === undefined || x.parts === null ? [] : x.parts;
  if (!Array.isArray(parts)) throw new Error(`${at}.parts: expected an array`);
  return { role, parts };
}

/** One part, classified. `signature` is the raw `thoughtSignature` as it arrived (unwrapped by the caller). */
export type WirePart =
  | { readonly kind: "text"; readonly text: string; readonly thought: boolean; readonly signature?: string }
  | { readonly kind: "call"; readonly name: string; readonly args: unknown; readonly id?: string; readonly signature?: string }
  | { readonly kind: "response"; readonly name: string; readonly response: unknown; readonly id?: string }
  | { readonly kind: "media"; readonly block: Extract<Block, { kind: "image" | "document" }>; readonly signature?: string }
  /** Executable code, hosted-tool traffic, parts added later: no IR form. */
  | { readonly kind: "other" };

function optStr(o: Obj, k: string, at: string): string | undefined {
  const x = o[k];
  if (x === undefined || x === null) return undefined;
  if (typeof x !== "string") throw new Error(`${at}.${k}: expected a string`);
  return x;
}

function reqStr(o: Obj, k: string, at: string): string {
  const x = optStr(o, k, at);
  if (x === undefined) throw new Error(`${at}.${k}: expected a string`);
  return x;
}

/** A part → its class. Throws on a malformed part of a known kind (the caller's bad request). */
export function wirePart(x: unknown, at: string): WirePart {
  if (!isObj(x)) throw new Error(`${at}: expected a part object`);
  const signature = optStr(x, "thoughtSignature", at);
  const sig = signature !== undefined && signature !== "" ? { signature } : {};
  if (x.functionCall !== undefined && x.functionCall !== null) {
    const fc = x.functionCall;
    if (!isObj(fc)) throw new Error(`${at}.functionCall: expected an object`);
    const id = optStr(fc, "id", `${at}.functionCall`);
    return { kind: "call", name: reqStr(fc, "name", `${at}.functionCall`), args: fc.args ?? {}, ...(id !== undefined && { id }), ...sig };
  }
  if (x.functionResponse !== undefined && x.functionResponse !== null) {
    const fr = x.functionResponse;
    if (!isObj(fr)) throw new Error(`${at}.functionResponse: expected an object`);
    const id = optStr(fr, "id", `${at}.functionResponse`);
    return { kind: "response", name: optStr(fr, "name", `${at}.functionResponse`) ?? "", response: fr.response ?? {}, ...(id !== undefined && { id }) };
  }
  if (x.text !== undefined && x.text !== null) {
    return { kind: "text", text: reqStr(x, "text", at), thought: x.thought === true, ...sig };
  }
  if (isObj(x.inlineData)) {
    const d = x.inlineData;
    const mediaType = reqStr(d, "mimeType", `${at}.inlineData`);
    const source: Media = { kind: "base64", mediaType, data: reqStr(d, "data", `${at}.inlineData`) };
    return { kind: "media", block: mediaBlock(mediaType, source, optStr(d, "displayName", `${at}.inlineData`)), ...sig };
  }
  if (isObj(x.fileData)) {
    const f = x.fileData;
    const url = reqStr(f, "fileUri", `${at}.fileData`);
    const mediaType = optStr(f, "mimeType", `${at}.fileData`);
    // Files-API and Cloud Storage URIs are readable by Google only: they stay Gemini's (§6.3 vendor references).
    const source: Media = isGoogleUri(url)
      ? { kind: "vendor", proto: "gemini", raw: f }
      : { kind: "url", url, ...(mediaType !== undefined && { mediaType }) };
    return { kind: "media", block: mediaBlock(mediaType ?? "", source, optStr(f, "displayName", `${at}.fileData`)), ...sig };
  }
  if (x.thought === true) return { kind: "text", text: "", thought: true, ...sig }; // a bare signed thought
  return { kind: "other" };
}

function isGoogleUri(url: string): boolean {
  return url.startsWith("gs://") || url.startsWith("https://generativelanguage.googleapis.com/");
}

/** `image/*` is an image; anything else (PDF, text, audio, video) is carried as a document (D2). */
function mediaBlock(mediaType: string, source: Media, name: string | undefined): Extract<Block, { kind: "image" | "document" }> {
  if (mediaType.startsWith("image/")) return { kind: "image", source };
  return name !== undefined ? { kind: "document", source, name } : { kind: "document", source };
}

/** Common image and document extensions, for a URL whose media type nobody stated (Gemini wants one). */
const EXTENSION_TYPES: Record<string, string> = {
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg", gif: "image/gif", webp: "image/webp", heic: "image/heic", pdf: "application/pdf",
};

function typeFromUrl(url: string): string | undefined {
  const path = url.split(/[?#]/, 1)[0] ?? "";
  const dot = path.lastIndexOf(".");
  return dot < 0 ? undefined : EXTENSION_TYPES[path.slice(dot + 1).toLowerCase()];
}

/** IR media → `inlineData` / `fileData`, or undefined when Gemini cannot take it (the caller records the drop). */
export function writeMedia(m: Media): JsonObject | undefined {
  switch (m.kind) {
    case "base64":
      return { inlineData: { mimeType: m.mediaType, data: m.data } };
    case "url": {
      const mimeType = m.mediaType ?? typeFromUrl(m.url);
      return { fileData: mimeType !== undefined ? { mimeType, fileUri: m.url } : { fileUri: m.url } };
    }
    case "vendor":
      return m.proto === "gemini" && isObj(m.raw) ? { fileData: { ...m.raw } } : undefined;
  }
}

/**
 * A tool result's content → `functionResponse.response` (§6.2, §6.3): one JSON object as itself; text as
 * `{output}` (`{error}` when the call failed, Google's documented keys); other JSON values as `{output: value}`.
 */
export function responseObject(content: Block[], isError: boolean, at: string, ledger: Ledger): JsonObject {
  const key = isError ? "error" : "output";
  const only = content.length === 1 ? content[0] : undefined;
  if (only?.kind === "json") return isObj(only.value) && !isError ? only.value : { [key]: only.value };
  const texts: string[] = [];
  content.forEach((b, k) => {
    if (b.kind === "text") texts.push(b.text);
    else if (b.kind === "json") texts.push(JSON.stringify(b.value));
    else ledger.add(`${at}.content[${k}]`, "no_target_analog"); // media in a tool result: no part for it here
  });
  return { [key]: texts.join("\n") };
}

/**
 * `functionResponse.response` → tool-result content: `{output: "text"}` / `{error: …}` read back as the text or
 * value they wrap; any other object is a `json` block; a non-object is read as `{output: value}` (§6.2).
 */
export function readResponseObject(raw: unknown): { content: Block[]; isError: boolean } {
  const response = isObj(raw) ? raw : { output: raw };
  const keys = Object.keys(response);
  if (keys.length === 1 && typeof response.output === "string") return { content: [{ kind: "text", text: response.output }], isError: false };
  if (keys.length === 1 && typeof response.error === "string") return { content: [{ kind: "text", text: response.error }], isError: true };
  if (keys.length === 1 && response.error !== undefined) return { content: [{ kind: "json", value: response.error }], isError: true };
  return { content: [{ kind: "json", value: response }], isError: false };
}

/** `functionCall.args` as the IR's object: a non-object is read as `{output: value}` (§6.2). */
export function argsObject(args: unknown): unknown {
  return isObj(args) ? args : { output: args };
}

/**
 * The parts of a model turn (request history or response candidate) → IR blocks. A call without `id` gets a
 * synthetic one from `position(ordinal)` (§6.6). A `thoughtSignature` on a plain text part signs the thinking
 * just before it, or else becomes an empty signed thinking block before the text: the IR signs thinking only.
 */
export function readModelParts(
  parts: readonly unknown[], at: string, ledger: Ledger, position: (ordinal: number) => string,
): Block[] {
  const out: Block[] = [];
  let calls = 0;
  parts.forEach((raw, j) => {
    const p = wirePart(raw, `${at}[${j}]`);
    switch (p.kind) {
      case "text": {
        const sig = p.signature !== undefined ? readSignature(p.signature) : undefined;
        if (p.thought) {
          out.push(sig !== undefined ? { kind: "thinking", text: p.text, signature: sig } : { kind: "thinking", text: p.text });
          return;
        }
        if (sig !== undefined) {
          const last = out.at(-1);
          if (last?.kind === "thinking" && last.signature === undefined) last.signature = sig;
          else out.push({ kind: "thinking", text: "", signature: sig });
        }
        out.push({ kind: "text", text: p.text });
        return;
      }
      case "call": {
        const b: Block = { kind: "tool_use", id: p.id ?? syntheticCallId(position(calls), p.name, p.signature), name: p.name, input: argsObject(p.args) };
        if (p.signature !== undefined) b.signature = readSignature(p.signature);
        calls++;
        out.push(b);
        return;
      }
      case "media":
        if (p.signature !== undefined) ledger.add(`${at}[${j}].thoughtSignature`, "no_target_analog");
        out.push(p.block);
        return;
      case "response": case "other":
        ledger.add(`${at}[${j}]`, "no_target_analog");
        return;
    }
  });
  return out;
}

/** A caller-facing `functionCall` part; the signature (a Gemini one, from the stash or upstream) is wrapped (§10.4). */
export function callPart(b: Extract<Block, { kind: "tool_use" }>): JsonObject {
  const part: JsonObject = { functionCall: { id: b.id, name: b.name, args: isObj(b.input) ? b.input : { input: b.input } } };
  if (b.signature !== undefined) part.thoughtSignature = wrapSignature(b.signature);
  return part;
}
