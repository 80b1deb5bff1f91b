// Responses bodies ↔ IR (protocols.md §7): `output` items (message / function_call / reasoning) ↔ blocks; `status`
// + `incomplete_details` ↔ stop reason (§7.2); usage per §5.3. Caller-facing ids are minted in the native format
// (`resp_` + 48, items `msg_`/`fc_`/`rs_` + 48) and every signature handed out is wrapped with its origin (§10.4).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { IdMinter } from "../../ir/ids.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import { wrapSignature } from "../../ir/signature.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { parseArguments } from "../openai-family.ts";
import { readReasoning } from "./reader.ts";
import { readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import { FunctionCallItem, OutputMessage, OutputTextPart, ReasoningItem, RefusalPart, Response, typeOf } from "./wire.ts";

export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const r = parse(Response, body);
  const content: Block[] = [];
  let sawCall = false;
  let sawRefusal = false;
  (r.output ?? []).forEach((item, i) => {
    const path = `output[${i}]`;
    switch (typeOf(item)) {
      case "message":
        parse(OutputMessage, item).content.forEach((p, j) => {
          const at = `${path}.content[${j}]`;
          const type = typeOf(p);
          if (type === "output_text") {
            const t = parse(OutputTextPart, p);
            if (t.annotations && t.annotations.length > 0) ledger.add(`${at}.annotations`, "no_target_analog");
            if (Array.isArray(t.logprobs) && t.logprobs.length > 0) ledger.add(`${at}.logprobs`, "no_target_analog");
            content.push({ kind: "text", text: t.text });
          } else if (type === "refusal") {
            sawRefusal = true;
            content.push({ kind: "text", text: parse(RefusalPart, p).refusal });
          } else {
            ledger.add(at, "no_target_analog");
          }
        });
        return;
      case "function_call": {
        const c = parse(FunctionCallItem, item);
        sawCall = true;
        content.push({ kind: "tool_use", id: c.call_id, name: c.name, input: parseArguments(c.arguments, () => `${path}.arguments`, ledger), inputText: c.arguments });
        return;
      }
      case "reasoning": {
        // A reasoning item without text or encrypted_content (the default unless `include` asks) carries nothing.
        const block = readReasoning(parse(ReasoningItem, item));
        if (block !== undefined) content.push(block);
        return;
      }
      default:
        ledger.add(path, "no_target_analog"); // hosted-tool calls (web_search_call, …): Responses callers only
    }
  });
  const ir: IrResponse = {
    content,
    stopReason: readStop(r.status, r.incomplete_details?.reason, sawCall, sawRefusal),
    usage: readUsage(r.usage),
    logprobs: [],
  };
  if (typeof r.model === "string") ir.model = r.model;
  if (typeof r.created_at === "number") ir.created = r.created_at;
  return ir;
}

export function writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject {
  const id = `resp_${ctx.ids.base62(48)}`;
  const { status, incomplete_details } = writeStop(ir.stopReason);
  if (ir.logprobs.length > 0) ledger.add("logprobs", "no_target_analog");
  const output = writeOutput(ir.content, ctx.ids, ledger);
  const last = output.at(-1);
  if (status === "incomplete" && last?.type === "message") last.status = "incomplete";
  return {
    id,
    object: "response",
    created_at: ir.created ?? Math.floor(ctx.now() / 1000),
    status,
    error: null,
    incomplete_details,
    model: ir.model ?? ctx.model,
    output,
    usage: writeUsage(ir.usage),
  };
}

export const itemId = {
  message: (ids: IdMinter) => `msg_${ids.base62(48)}`,
  call: (ids: IdMinter) => `fc_${ids.base62(48)}`,
  reasoning: (ids: IdMinter) => `rs_${ids.base62(48)}`,
};

export interface OutputTextOut { type: "output_text"; annotations: never[]; text: string }
export function outputText(text: string): OutputTextOut {
  return { type: "output_text", annotations: [], text };
}

/** Blocks → output items; adjacent text blocks share one message item, as parts (the stream writer does the same). */
function writeOutput(blocks: Block[], ids: IdMinter, ledger: Ledger): JsonObject[] {
  const out: JsonObject[] = [];
  let parts: OutputTextOut[] | undefined;
  blocks.forEach((b, i) => {
    if (b.kind !== "text" && b.kind !== "json") parts = undefined;
    switch (b.kind) {
      case "text":
      case "json": {
        if (b.kind === "text" && b.citations) ledger.add(`content[${i}].citations`, "no_target_analog");
        const part = outputText(b.kind === "text" ? b.text : JSON.stringify(b.value));
        if (parts === undefined) {
          parts = [part];
          out.push(messageItem(itemId.message(ids), "completed", parts));
        } else {
          parts.push(part);
        }
        return;
      }
      case "thinking":
        out.push(reasoningItem(itemId.reasoning(ids), b.text, b.signature === undefined ? undefined : wrapSignature(b.signature)));
        return;
      case "tool_use":
        out.push(callItem(itemId.call(ids), "completed", b.id, b.name, b.inputText ?? JSON.stringify(b.input ?? {})));
        return;
      default:
        ledger.add(`content[${i}]`, "no_target_analog"); // redacted thinking, media, tool results
    }
  });
  return out;
}

export function messageItem(id: string, status: string, parts: OutputTextOut[]): JsonObject {
  return { id, type: "message", status, role: "assistant", content: parts };
}

/** A reasoning output item; its text is `reasoning_text` content, matching the stream's `reasoning_text.delta`. */
export function reasoningItem(id: string, text: string, encrypted: string | undefined): JsonObject {
  const item: JsonObject = { id, type: "reasoning", summary: [], content: [{ type: "reasoning_text", text }] };
  if (encrypted !== undefined) item.encrypted_content = encrypted;
  return item;
}

export function callItem(id: string, status: string, callId: string, name: string, args: string): JsonObject {
  return { id, type: "function_call", status, arguments: args, call_id: callId, name };
}
