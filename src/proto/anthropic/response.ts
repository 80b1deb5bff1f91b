// Anthropic Messages responses (protocols.md §7): upstream body → IR, and IR → the body an Anthropic caller gets
// on a cross hop (§7.1: `msg_01` + 24 base62, serving model kept, signatures wrapped per §10.4).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { readBlock, writeResponseCitation } from "./blocks.ts";
import { readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import { Response } from "./wire.ts";

export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const res = parse(Response, body);
  const content: Block[] = [];
  res.content.forEach((raw, i) => {
    const b = readBlock(raw, `content[${i}]`, ledger);
    if (b) content.push(b);
  });
  const ir: IrResponse = { content, usage: readUsage(res.usage), logprobs: [] };
  const stop = readStop(res.stop_reason);
  if (stop !== undefined) ir.stopReason = stop;
  if (typeof res.stop_sequence === "string") ir.stopSequence = res.stop_sequence;
  if (typeof res.model === "string") ir.model = res.model;
  return ir;
}

/** A fresh Anthropic message id (§7.1). */
export function messageId(ctx: ResponseContext): string {
  return `msg_01${ctx.ids.base62(24)}`;
}

export function writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject {
  const content: JsonObject[] = [];
  ir.content.forEach((b, i) => {
    const w = writeResponseBlock(b);
    if (w) content.push(w);
    else ledger.add(`content[${i}]`, "no_target_analog");
  });
  if (ir.logprobs.length > 0) ledger.add("logprobs", "no_target_analog");
  const stop = writeStop(ir.stopReason);
  return {
    id: messageId(ctx),
    type: "message",
    role: "assistant",
    model: ir.model ?? ctx.model,
    content,
    stop_reason: stop,
    // Only the AN reader carries the matched string; it is meaningful only on a stop_sequence stop.
    stop_sequence: stop === "stop_sequence" ? ir.stopSequence ?? null : null,
    usage: writeUsage(ir.usage),
  };
}

/** Caller-facing block: thinking keeps its (wrapped) signature, redacted data is wrapped the same way. */
function writeResponseBlock(b: Block): JsonObject | undefined {
  switch (b.kind) {
    case "text": {
      const out: JsonObject = { type: "text", text: b.text };
      if (b.citations && b.citations.length > 0) out.citations = b.citations.map(writeResponseCitation);
      return out;
    }
    case "json":
      return { type: "text", text: JSON.stringify(b.value) };
    case "thinking":
      // Unsigned thinking (OA reasoning_content) still reaches the caller; the AN writer drops it on the way back.
      return { type: "thinking", thinking: b.text, signature: b.signature ? wrapSignature(b.signature) : "" };
    case "redacted_thinking":
      return { type: "redacted_thinking", data: wrapSignature({ value: b.data, origin: b.origin }) };
    case "tool_use":
      return { type: "tool_use", id: b.id, name: b.name, input: b.input ?? {} };
    case "image": case "document": case "tool_result":
      return undefined; // not part of an assistant message
  }
}
