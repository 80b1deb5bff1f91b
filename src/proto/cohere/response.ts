// Cohere v2 chat responses (protocols.md §7): upstream body → IR, and IR → the body a Cohere caller gets on a cross
// hop (§7.1: a minted UUIDv4 id; v2 has no `model` field). Read: thinking, the tool plan as a leading text block,
// text, tool calls with their exact argument text; citations and logprobs are Cohere-only (§7.3), recorded.
// Write: as the request writer does, text before the first tool call is the `tool_plan`; thinking reaches the
// caller as cohere-ai v8's `{type:"thinking"}` content only on pools that opt in (spec README D11, §10.3).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { assistantBlocks } from "./blocks.ts";
import { argumentsText, readStop, readUsage, writeStop, writeUsage } from "./tables.ts";
import { Response } from "./wire.ts";

export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const res = parse(Response, body);
  const m = res.message;
  const content = assistantBlocks(m.content, m.tool_plan, m.tool_calls, "message", ledger);
  if (m.citations && m.citations.length > 0) ledger.add("message.citations", "no_target_analog");
  if (res.logprobs && res.logprobs.length > 0) ledger.add("logprobs", "no_target_analog");
  const ir: IrResponse = { content, usage: readUsage(res.usage), logprobs: [] };
  const stop = readStop(res.finish_reason);
  if (stop !== undefined) ir.stopReason = stop;
  return ir;
}

export function writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject {
  const firstCall = ir.content.findIndex((b) => b.kind === "tool_use");
  let plan = "";
  const content: JsonObject[] = [];
  const calls: JsonObject[] = [];
  ir.content.forEach((b, j) => {
    const at = `content[${j}]`;
    switch (b.kind) {
      case "text":
      case "json": {
        const t = b.kind === "text" ? b.text : JSON.stringify(b.value);
        if (b.kind === "text" && b.citations) ledger.add(`${at}.citations`, "no_target_analog");
        if (j < firstCall) plan += t;
        else content.push({ type: "text", text: t });
        return;
      }
      case "tool_use":
        calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: argumentsText(b.input, b.inputText) } });
        return;
      case "thinking":
        if (!ctx.reasoningContent) { ledger.add(at, "no_target_analog"); return; }
        content.push({ type: "thinking", thinking: b.text });
        // Cohere's thinking content has no signature field: the text reaches the caller, the signature cannot.
        if (b.signature !== undefined) ledger.add(`${at}.signature`, "no_target_analog");
        return;
      default:
        ledger.add(at, "no_target_analog"); // redacted thinking, media, a stray tool result
    }
  });
  if (ir.logprobs.length > 0) ledger.add("logprobs", "no_target_analog");

  const message: JsonObject = { role: "assistant" };
  if (calls.length === 0 || content.length > 0) message.content = content;
  if (plan !== "") message.tool_plan = plan;
  if (calls.length > 0) message.tool_calls = calls;
  return { id: ctx.ids.uuid(), finish_reason: writeStop(ir.stopReason), message, usage: writeUsage(ir.usage) };
}
