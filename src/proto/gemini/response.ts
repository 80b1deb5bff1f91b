// Gemini responses (protocols.md §7): upstream GenerateContentResponse → IR, and IR → the body a Gemini caller gets
// on a cross hop (§7.1: `responseId` 16 base62, serving model as `modelVersion`, signatures wrapped per §10.4, one
// empty text part rather than none).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block, Citation } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { callPart, readModelParts } from "./parts.ts";
import { readCitations, readLogprobs, readStop, readUsage, writeCitation, writeLogprobs, writeStop, writeUsage } from "./tables.ts";
import { Response } from "./wire.ts";

export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const res = parse(Response, body);
  const cand = res.candidates?.[0];
  const content = readModelParts(cand?.content?.parts ?? [], "candidates[0].content.parts", ledger, (n) => String(n));
  const citations = readCitations(cand?.citationMetadata);
  if (citations.length > 0) attachCitations(content, citations, ledger);
  const ir: IrResponse = { content, usage: readUsage(res.usageMetadata), logprobs: readLogprobs(cand?.logprobsResult) };
  const stop = cand !== undefined
    ? readStop(cand.finishReason, content.some((b) => b.kind === "tool_use"))
    : typeof res.promptFeedback?.blockReason === "string" ? "safety" : undefined; // the prompt itself was blocked
  if (stop !== undefined) ir.stopReason = stop;
  if (typeof res.modelVersion === "string") ir.model = res.modelVersion;
  // Grounding (search results, URL context) has no IR form.
  if (cand?.groundingMetadata != null) ledger.add("candidates[0].groundingMetadata", "no_target_analog");
  if (cand?.urlContextMetadata != null) ledger.add("candidates[0].urlContextMetadata", "no_target_analog");
  return ir;
}

/**
 * Gemini cites ranges of the whole candidate text; each citation goes to the text block its start falls in (the
 * last one when it starts past the end), indices kept as Gemini counts them.
 */
function attachCitations(content: Block[], citations: Citation[], ledger: Ledger): void {
  const texts = content.filter((b) => b.kind === "text");
  if (texts.length === 0) { ledger.add("candidates[0].citationMetadata", "no_target_analog"); return; }
  for (const c of citations) {
    let offset = 0;
    let target = texts.at(-1)!;
    for (const t of texts) {
      if ((c.startIndex ?? 0) < offset + t.text.length) { target = t; break; }
      offset += t.text.length;
    }
    (target.citations ??= []).push(c);
  }
}

/** A fresh Gemini response id (§7.1). */
export function responseId(ctx: ResponseContext): string {
  return ctx.ids.base62(16);
}

export function writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject {
  const parts: JsonObject[] = [];
  const citations: unknown[] = [];
  ir.content.forEach((b, i) => {
    switch (b.kind) {
      case "text":
        parts.push({ text: b.text });
        if (b.citations) citations.push(...b.citations.map(writeCitation));
        return;
      case "json":
        parts.push({ text: JSON.stringify(b.value) });
        return;
      case "thinking":
        parts.push(b.signature !== undefined ? { text: b.text, thought: true, thoughtSignature: wrapSignature(b.signature) } : { text: b.text, thought: true });
        return;
      case "tool_use":
        parts.push(callPart(b));
        return;
      case "image":
        if (b.source.kind === "base64") { parts.push({ inlineData: { mimeType: b.source.mediaType, data: b.source.data } }); return; }
        ledger.add(`content[${i}]`, "no_target_analog");
        return;
      default:
        ledger.add(`content[${i}]`, "no_target_analog"); // redacted thinking, documents, a stray tool result
    }
  });
  if (parts.length === 0) parts.push({ text: "" }); // §7.1: never empty parts
  const candidate: JsonObject = { content: { parts, role: "model" }, finishReason: writeStop(ir.stopReason), index: 0 };
  if (citations.length > 0) candidate.citationMetadata = { citationSources: citations };
  if (ir.logprobs.length > 0) candidate.logprobsResult = writeLogprobs(ir.logprobs);
  return {
    candidates: [candidate],
    usageMetadata: writeUsage(ir.usage),
    modelVersion: ir.model ?? ctx.model,
    responseId: responseId(ctx),
  };
}
