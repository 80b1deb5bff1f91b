// Chat completions ↔ IR (protocols.md §7, §5.3; spec README D11). Read: reasoning text, text, tool calls, usage with
// `input` uncached. Write, for an OpenAI caller: a minted `chatcmpl-` id, the serving model, text joined into
// `content`, tool calls with their exact argument text, and reasoning only as `reasoning_content` on pools that
// opt in. Everything else is a ledger entry (`content[2]`, `choices[0].message.audio`).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrResponse } from "../../ir/response.ts";
import type { JsonObject, ResponseContext } from "../codec.ts";
import { parseArguments } from "../openai-family.ts";
import { argumentsText, readLogprobs, readStop, readUsage, writeLogprobs, writeStop, writeUsage } from "./tables.ts";
import { Response } from "./wire.ts";

/** A chat completion → IR (§7): reasoning text first, then text, then tool calls; choice 0 only (n is 1). */
export function readResponse(body: JsonObject, ledger: Ledger): IrResponse {
  const res = parse(Response, body);
  const choice = res.choices[0];
  const content: Block[] = [];
  const m = choice?.message;
  if (m) {
    const reasoning = m.reasoning_content ?? m.reasoning;
    if (reasoning) content.push({ kind: "thinking", text: reasoning });
    if (typeof m.content === "string" && m.content !== "") content.push({ kind: "text", text: m.content });
    if (m.refusal) content.push({ kind: "text", text: m.refusal });
    for (const [k, c] of (m.tool_calls ?? []).entries()) {
      const path = `choices[0].message.tool_calls[${k}]`;
      if (c.function === undefined) { ledger.add(path, "no_target_analog"); continue; }
      const input = parseArguments(c.function.arguments, () => `${path}.function.arguments`, ledger);
      content.push({ kind: "tool_use", id: c.id, name: c.function.name, input, inputText: c.function.arguments });
    }
    if (m.annotations && m.annotations.length > 0) ledger.add("choices[0].message.annotations", "no_target_analog");
    if (m.audio != null) ledger.add("choices[0].message.audio", "no_target_analog");
    if (m.function_call != null) ledger.add("choices[0].message.function_call", "no_target_analog");
  }
  const ir: IrResponse = { content, usage: readUsage(res.usage), logprobs: readLogprobs(choice?.logprobs?.content) };
  const stop = readStop(choice?.finish_reason, typeof m?.refusal === "string" && m.refusal !== "");
  if (stop !== undefined) ir.stopReason = stop;
  if (typeof res.model === "string") ir.model = res.model;
  if (typeof res.created === "number") ir.created = res.created;
  return ir;
}


/** `chatcmpl-` + 24 base62 (§7.1). */
export function mintCompletionId(ctx: ResponseContext): string {
  return `chatcmpl-${ctx.ids.base62(24)}`;
}

export function writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject {
  let text: string | undefined;
  let reasoning: string | undefined;
  const calls: JsonObject[] = [];
  ir.content.forEach((b, j) => {
    const at = `content[${j}]`;
    switch (b.kind) {
      case "text":
        if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
        text = (text ?? "") + b.text;
        return;
      case "json":
        text = (text ?? "") + JSON.stringify(b.value);
        return;
      case "tool_use":
        calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: argumentsText(b.input, b.inputText) } });
        return;
      case "thinking":
        if (!ctx.reasoningContent) { ledger.add(at, "no_target_analog"); return; }
        reasoning = (reasoning ?? "") + b.text;
        // `reasoning_content` has no signature field: the text reaches the caller, the signature cannot.
        if (b.signature !== undefined) ledger.add(`${at}.signature`, "no_target_analog");
        return;
      default:
        ledger.add(at, "no_target_analog"); // redacted thinking, media, a stray tool result
    }
  });

  const message: JsonObject = { role: "assistant", content: text ?? (calls.length > 0 ? null : "") };
  if (reasoning !== undefined) message.reasoning_content = reasoning;
  message.refusal = null;
  if (calls.length > 0) message.tool_calls = calls;
  return {
    id: mintCompletionId(ctx),
    object: "chat.completion",
    created: ir.created ?? Math.floor(ctx.now() / 1000),
    model: ir.model ?? ctx.model,
    choices: [{
      index: 0,
      message,
      logprobs: ir.logprobs.length > 0 ? { content: writeLogprobs(ir.logprobs), refusal: null } : null,
      finish_reason: writeStop(ir.stopReason),
    }],
    usage: writeUsage(ir.usage),
  };
}
