// Responses request → IR (protocols.md §6): `instructions` and system/developer items gather into `system`;
// `function_call_output` items become `tool` messages; consecutive assistant-side items (message, reasoning,
// function_call) form one assistant turn; hosted tools, hosted tool choices and every unmodeled top-level key go
// to `extra`; what has no IR form at all is recorded in the ledger under its native path.
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { isEffort } from "../../ir/reasoning.ts";
import type { IrMessage, IrRequest, IrTool, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import { unwrapSignature } from "../../ir/signature.ts";
import type { JsonObject, ReadContext } from "../codec.ts";
import { collectExtra } from "../extra.ts";
import { parseArguments, parseDataUrl } from "../openai-family.ts";
import {
  FunctionTool, InputFilePart, InputImagePart, MODELED_REQUEST_KEYS, parseFunctionCall, parseFunctionOutput,
  parseMessageItem, parseTextPart, ReasoningItem, RefusalPart, Request, type TextFormat,
  stringOrList, type ToolChoice as ToolChoiceWire, hasField, typeOf,
} from "./wire.ts";

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parse(Request, body);
  const { ledger } = ctx;
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: req.stream === true, extra: { source: "responses", fields: {} } };
  const extra = ir.extra.fields;

  if (req.instructions) ir.system.push({ kind: "text", text: req.instructions });
  const input = req.input === undefined ? [] : stringOrList(req.input, () => "input");
  if (typeof input === "string") ir.messages.push({ role: "user", content: [{ kind: "text", text: input }] });
  else readItems(input, ir, ledger);

  if (req.tools) {
    const hosted: unknown[] = [];
    for (const t of req.tools) {
      if (typeOf(t) !== "function") { hosted.push(t); continue; }
      const f = parse(FunctionTool, t);
      const tool: IrTool = { name: f.name, schema: f.parameters ?? {} };
      if (typeof f.description === "string") tool.description = f.description;
      if (typeof f.strict === "boolean") tool.strict = f.strict;
      ir.tools.push(tool);
    }
    // Hosted tools (web_search, file_search, …) have no IR form: only a Responses lane can run them (§3.3 step 7).
    if (hosted.length > 0) extra.tools = hosted;
  }
  if (req.tool_choice !== null && req.tool_choice !== undefined) {
    const choice = readToolChoice(req.tool_choice);
    if (choice === undefined) extra.tool_choice = req.tool_choice;
    else ir.toolChoice = choice;
  }
  if (typeof req.parallel_tool_calls === "boolean") ir.parallelToolCalls = req.parallel_tool_calls;
  if (typeof req.max_output_tokens === "number") ir.maxTokens = req.max_output_tokens;
  if (typeof req.temperature === "number") ir.temperature = req.temperature;
  if (typeof req.top_p === "number") ir.topP = req.top_p;
  if (typeof req.user === "string") ir.user = req.user;

  if (req.text) {
    if (req.text.format) ir.responseFormat = readFormat(req.text.format);
    for (const k of Object.keys(req.text)) if (k !== "format" && req.text[k] != null) ledger.add(`text.${k}`, "no_target_analog");
  }
  if (req.reasoning) {
    const effort = req.reasoning.effort;
    // §10.3 read: a known word is the ask; `none` or an unknown word is no ask, recorded.
    if (typeof effort === "string") {
      if (isEffort(effort)) ir.reasoning = { effort };
      else ledger.add("reasoning.effort", "no_target_analog");
    }
    for (const k of Object.keys(req.reasoning)) if (k !== "effort" && req.reasoning[k] != null) ledger.add(`reasoning.${k}`, "no_target_analog");
  }

  collectExtra(body, MODELED_REQUEST_KEYS, ctx.raw, extra);
  return ir;
}

function readItems(items: unknown[], ir: IrRequest, ledger: Ledger): void {
  for (let i = 0; i < items.length; i++) {
    const item = items[i];
    const path = () => `input[${i}]`; // built only when something is recorded
    switch (typeOf(item) ?? "message") {
      case "message": {
        const m = parseMessageItem(item);
        const content = stringOrList(m.content, () => `${path()}.content`);
        const blocks = typeof content === "string" ? [text(content)] : readParts(content, (j) => `${path()}.content[${j}]`, ledger);
        if (m.role === "system" || m.role === "developer") ir.system.push(...blocks);
        else append(ir.messages, m.role, blocks, m.role === "assistant");
        break;
      }
      case "function_call": {
        const c = parseFunctionCall(item);
        const input = parseArguments(c.arguments, () => `${path()}.arguments`, ledger);
        append(ir.messages, "assistant", [{ kind: "tool_use", id: c.call_id, name: c.name, input, inputText: c.arguments }], true);
        break;
      }
      case "function_call_output": {
        const o = parseFunctionOutput(item);
        const output = stringOrList(o.output, () => `${path()}.output`);
        const content = typeof output === "string" ? [text(output)] : readParts(output, (j) => `${path()}.output[${j}]`, ledger);
        append(ir.messages, "tool", [{ kind: "tool_result", toolUseId: o.call_id, content, isError: false }], true);
        break;
      }
      case "reasoning": {
        const block = readReasoning(parse(ReasoningItem, item));
        if (block === undefined) ledger.add(path(), "no_target_analog");
        else append(ir.messages, "assistant", [block], true);
        break;
      }
      default:
        // Hosted-tool calls, item references, MCP and shell items: meaningful only to a Responses backend.
        ledger.add(path(), "no_target_analog");
    }
  }
}

/** Adds blocks as a new turn, or to the previous turn of the same role when that role's items belong together. */
function append(messages: IrMessage[], role: IrMessage["role"], blocks: Block[], merge: boolean): void {
  const last = messages.at(-1);
  if (merge && last !== undefined && last.role === role) last.content.push(...blocks);
  else messages.push({ role, content: blocks });
}

/** A reasoning item: its reasoning text (else its summary) with `encrypted_content` as the signature. */
export function readReasoning(r: ReasoningItem): Block | undefined {
  const parts = r.content && r.content.length > 0 ? r.content : r.summary ?? [];
  const thinking = parts.map((p) => p.text).join("\n\n");
  const enc = r.encrypted_content;
  if (thinking === "" && !enc) return undefined; // a stored item by id only: nothing another protocol can use
  return enc ? { kind: "thinking", text: thinking, signature: unwrapSignature(enc, "responses") } : { kind: "thinking", text: thinking };
}

/** Content parts of a message or a function output → blocks (§6.3); `pathOf` names a part for the ledger. */
export function readParts(parts: unknown[], pathOf: (j: number) => string, ledger: Ledger): Block[] {
  const out: Block[] = [];
  for (let j = 0; j < parts.length; j++) {
    const p = parts[j];
    const at = () => pathOf(j); // built only when something is recorded
    if (hasField(p, "prompt_cache_breakpoint")) ledger.add(`${at()}.prompt_cache_breakpoint`, "no_target_analog");
    switch (typeOf(p)) {
      case "input_text":
      case "output_text": {
        // Responses annotations (url/file citations) have no neutral IR form outside AN ↔ GM (§7.3).
        const t = parseTextPart(p, typeOf(p) === "input_text" ? "input_text" : "output_text");
        if (t.annotated) ledger.add(`${at()}.annotations`, "no_target_analog");
        out.push(text(t.text));
        break;
      }
      case "refusal":
        out.push(text(parse(RefusalPart, p).refusal));
        break;
      case "input_image": {
        const img = parse(InputImagePart, p);
        if (img.detail && img.detail !== "auto") ledger.add(`${at()}.detail`, "no_target_analog");
        if (img.image_url) {
          const d = parseDataUrl(img.image_url);
          out.push({ kind: "image", source: d ? { kind: "base64", ...d } : { kind: "url", url: img.image_url } });
        } else if (img.file_id) {
          out.push({ kind: "image", source: { kind: "vendor", proto: "responses", raw: p } });
        } else {
          ledger.add(at(), "no_target_analog");
        }
        break;
      }
      case "input_file": {
        const f = parse(InputFilePart, p);
        const name = f.filename ? { name: f.filename } : {};
        if (f.file_data) {
          // The API takes a data URL; bare base64 is read as the PDF it almost always is.
          const d = parseDataUrl(f.file_data) ?? { mediaType: "application/pdf", data: f.file_data };
          out.push({ kind: "document", source: { kind: "base64", ...d }, ...name });
        } else if (f.file_url) {
          out.push({ kind: "document", source: { kind: "url", url: f.file_url }, ...name });
        } else if (f.file_id) {
          out.push({ kind: "document", source: { kind: "vendor", proto: "responses", raw: p }, ...name });
        } else {
          ledger.add(at(), "no_target_analog");
        }
        break;
      }
      default:
        ledger.add(at(), "no_target_analog"); // input_audio and future part types
    }
  }
  return out;
}

function readToolChoice(c: ToolChoiceWire): ToolChoice | undefined {
  if (typeof c === "string") return c;
  if (c.type === "function" && typeof c.name === "string") return { tool: c.name };
  return undefined; // hosted, allowed_tools, mcp, custom: only a Responses lane understands them
}

function readFormat(f: TextFormat): ResponseFormat {
  switch (f.type) {
    case "text": return { json: false };
    case "json_object": return { json: true };
    case "json_schema": {
      const out: ResponseFormat = { json: true, schema: f.schema };
      if (typeof f.name === "string") out.name = f.name;
      if (typeof f.strict === "boolean") out.strict = f.strict;
      if (typeof f.description === "string") out.description = f.description;
      return out;
    }
  }
}

function text(t: string): Block {
  return { kind: "text", text: t };
}
