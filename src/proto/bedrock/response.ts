// Bedrock Converse responses (protocols.md §7): upstream body → IR, and IR → the body a Bedrock caller gets on a
// cross hop (§7.1: `{output:{message},stopReason,usage,metrics}`; no id in the body — the caller's request id is
// the `x-amzn-RequestId` header the seam mints; never empty content; signatures wrapped per §10.4).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { readBlocks } from "./blocks.ts";
import { readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import { Response } from "./wire.ts";

export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const res = parse(Response, body);
  const content = res.output.message ? readBlocks(res.output.message.content, "output.message.content", ledger) : [];
  const ir: IrResponse = { content, usage: readUsage(res.usage), logprobs: [] };
  const stop = readStop(res.stopReason);
  if (stop !== undefined) ir.stopReason = stop;
  // Present only when the request asked for them (additionalModelResponseFieldPaths, guardrail trace).
  if (res.additionalModelResponseFields != null) ledger.add("additionalModelResponseFields", "no_target_analog");
  if (res.trace != null) ledger.add("trace", "no_target_analog");
  return ir;
}

/**
 * The IR carries no upstream timing, so a non-streamed body reports `latencyMs: 0`; streams report the real
 * elapsed time (stream.ts).
 */
export function writeResponse(ir: IrResponse, _ctx: ResponseContext, ledger: Ledger): JsonObject {
  const content: JsonObject[] = [];
  ir.content.forEach((b, i) => {
    const w = writeResponseBlock(b, `content[${i}]`, ledger);
    if (w) content.push(w);
    else ledger.add(`content[${i}]`, "no_target_analog");
  });
  if (content.length === 0) content.push({ text: "" });
  if (ir.logprobs.length > 0) ledger.add("logprobs", "no_target_analog");
  return {
    output: { message: { role: "assistant", content } },
    stopReason: writeStop(ir.stopReason),
    usage: writeUsage(ir.usage),
    metrics: { latencyMs: 0 },
  };
}

/** Caller-facing block: reasoning keeps its (wrapped) signature; redacted bytes are wrapped the same way. */
function writeResponseBlock(b: Block, at: string, ledger: Ledger): JsonObject | undefined {
  switch (b.kind) {
    case "text":
      if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
      return { text: b.text };
    case "json":
      return { text: JSON.stringify(b.value) };
    case "thinking": {
      const reasoningText: JsonObject = { text: b.text };
      if (b.signature) reasoningText.signature = wrapSignature(b.signature);
      return { reasoningContent: { reasoningText } };
    }
    case "redacted_thinking":
      return { reasoningContent: { redactedContent: wrapSignature({ value: b.data, origin: b.origin }) } };
    case "tool_use":
      return { toolUse: { toolUseId: b.id, name: b.name, input: b.input ?? {} } };
    case "image": case "document": case "tool_result":
      return undefined; // not part of an assistant message
  }
}
