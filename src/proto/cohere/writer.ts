// IR → Cohere v2 chat request (protocols.md §6, §10.3), and Cohere's error envelope (§8). Only v2 shapes are
// emitted; every IR field Cohere cannot carry is a ledger entry under its IR path (`messages[2].content[0]`,
// `top_k`). Choices where the spec leaves room:
// - An assistant turn's text before its first tool call is written as `tool_plan` (what Cohere calls the text a
//   model writes before calling tools, and what its reader turns back into a leading text block); text after the
//   calls stays `content`.
// - A `json` block in a tool result is a Cohere `document` (`{data}`) when it is an object, else its JSON text.
// - Numbers outside the v2 ranges (temperature, p, k, penalties) are clamped, and more than 5 stop sequences cut
//   to 5, all recorded: the API rejects them otherwise (§10.1 (2)).
// - `response_format` with tools is dropped and recorded: the v2 API does not take both.
import type { Block, Cache } from "../../ir/content.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { rawNumberValue } from "../../ir/number.ts";
import type { IrMessage, IrRequest } from "../../ir/request.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { jsonError } from "../types.ts";
import { argumentsText, clamp, dataUrl, MAX_STOP_SEQUENCES } from "./tables.ts";

/** Cohere's SDK picks its error class from the status alone; a missing kind is a compile error. */
const STATUS = {
  invalid_request: 400, authentication: 401, permission: 403, not_found: 404, method_not_allowed: 405, too_large: 413,
  rate_limit: 429, quota: 429, server_error: 500, overloaded: 503, timeout: 504,
} as const satisfies Record<ErrorKind, number>;

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(STATUS[err.kind], { message: err.message }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid api token" }, ctx);
}

// ---- requests ----

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const messages: JsonObject[] = [];
  writeSystem(ir.system, messages, ledger);
  ir.messages.forEach((m, i) => writeMessage(m, `messages[${i}]`, messages, ledger));
  const out: JsonObject = { model: lane.model, messages };

  const hasTools = ir.tools.length > 0;
  if (hasTools) {
    out.tools = ir.tools.map((t, k) => {
      cacheDrop(t.cache, `tools[${k}]`, ledger);
      const fn: JsonObject = { name: t.name };
      if (t.description !== undefined) fn.description = t.description;
      fn.parameters = t.schema ?? {};
      return { type: "function", function: fn };
    });
    // `strict_tools` holds for all tools: written when every tool is strict; a strict tool among others cannot be.
    if (ir.tools.every((t) => t.strict === true)) out.strict_tools = true;
    else ir.tools.forEach((t, k) => { if (t.strict === true) ledger.add(`tools[${k}].strict`, "no_target_analog"); });
  }
  writeToolChoice(ir, hasTools, out, ledger);
  // Cohere may call tools in parallel and has no switch: only "no parallel calls" is lost.
  if (ir.parallelToolCalls === false) ledger.add("parallel_tool_calls", "no_target_analog");

  if (ir.maxTokens !== undefined) out.max_tokens = ir.maxTokens;
  if (ir.temperature !== undefined) out.temperature = clamp(ir.temperature, "temperature", ledger);
  if (ir.topP !== undefined) out.p = clamp(ir.topP, "top_p", ledger);
  if (ir.topK !== undefined) out.k = clamp(ir.topK, "top_k", ledger);
  if (ir.stop.length > 0) {
    out.stop_sequences = ir.stop.length > MAX_STOP_SEQUENCES ? ir.stop.slice(0, MAX_STOP_SEQUENCES) : ir.stop;
    if (ir.stop.length > MAX_STOP_SEQUENCES) ledger.add("stop", "clamped");
  }
  if (ir.frequencyPenalty !== undefined) out.frequency_penalty = clamp(ir.frequencyPenalty, "frequency_penalty", ledger);
  if (ir.presencePenalty !== undefined) out.presence_penalty = clamp(ir.presencePenalty, "presence_penalty", ledger);
  if (ir.seed !== undefined) out.seed = rawNumberValue(ir.seed);
  if (ir.responseFormat !== undefined) {
    const f = ir.responseFormat;
    if (hasTools) ledger.add("response_format", "no_target_analog");
    else if (!f.json) out.response_format = { type: "text" };
    else {
      out.response_format = f.schema !== undefined ? { type: "json_object", json_schema: f.schema } : { type: "json_object" };
      // Cohere always enforces a given schema and names none.
      if (f.name !== undefined) ledger.add("response_format.name", "no_target_analog");
      if (f.description !== undefined) ledger.add("response_format.description", "no_target_analog");
      if (f.strict === false) ledger.add("response_format.strict", "no_target_analog");
    }
  }
  // §10.3 / D4: the reasoning ask is not carried to Cohere in v1; the gate is named when the lane is not a
  // reasoning lane anyway.
  if (ir.reasoning !== undefined) ledger.add("reasoning", lane.reasoning ? "no_target_analog" : "capability_gate");
  // Logprobs are Cohere-to-Cohere only (§6.1): Cohere's items (text chunks, token ids) have no IR form.
  if (ir.logprobs === true) ledger.add("logprobs", "no_target_analog");
  if (ir.topLogprobs !== undefined) ledger.add("top_logprobs", "no_target_analog");
  if (ir.user !== undefined) ledger.add("user", "no_target_analog");
  if (lane.stream) out.stream = true;

  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (ir.extra.source !== "cohere") ledger.add(`extra.${key}`, "source_only");
    else if (!(key in out)) out[key] = value; // a modeled field wins over a stray copy
  }
  return out;
}

/** System blocks → one `system` message: a string for one text block, text parts for several (§6.2). */
function writeSystem(system: Block[], messages: JsonObject[], ledger: Ledger): void {
  const parts: Part[] = [];
  system.forEach((b, j) => {
    const at = `system[${j}]`;
    const p = textPart(b, at, ledger);
    if (p !== undefined) parts.push(p);
    else ledger.add(at, "no_target_analog"); // system messages carry text only
  });
  if (parts.length > 0) messages.push({ role: "system", content: collapse(parts) });
}

function writeMessage(m: IrMessage, path: string, messages: JsonObject[], ledger: Ledger): void {
  if (m.role === "assistant") { writeAssistant(m.content, path, messages, ledger); return; }
  // Tool results become `tool` messages right after the assistant turn that called; anything else in the turn
  // follows as a user message (§6.2).
  const parts: Part[] = [];
  m.content.forEach((b, j) => {
    const at = `${path}.content[${j}]`;
    if (b.kind === "tool_result") {
      cacheDrop(b.cache, at, ledger);
      if (b.isError) ledger.add(`${at}.is_error`, "no_target_analog");
      messages.push({ role: "tool", tool_call_id: b.toolUseId, content: toolContent(b.content, at, ledger) });
      return;
    }
    const p = textPart(b, at, ledger) ?? mediaPart(b, at, ledger);
    if (p !== undefined) parts.push(p);
  });
  if (m.role === "tool" && parts.length === 0) return;
  messages.push({ role: "user", content: parts.length === 0 ? "" : collapse(parts) });
}

/** Text before the first tool call → `tool_plan`; tool calls keep their exact argument text; thinking is dropped. */
function writeAssistant(blocks: Block[], path: string, messages: JsonObject[], ledger: Ledger): void {
  const firstCall = blocks.findIndex((b) => b.kind === "tool_use");
  let plan = "";
  const content: Part[] = [];
  const calls: JsonObject[] = [];
  blocks.forEach((b, j) => {
    const at = `${path}.content[${j}]`;
    if (b.kind === "tool_use") {
      cacheDrop(b.cache, at, ledger);
      calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: argumentsText(b.input, b.inputText) } });
      return;
    }
    const p = textPart(b, at, ledger);
    // Thinking (signed or not: §6.3 CO drops it, and v2 takes no signature), redacted thinking, media.
    if (p === undefined) ledger.add(at, "no_target_analog");
    else if (j < firstCall) plan += p.text;
    else content.push(p);
  });
  const msg: JsonObject = { role: "assistant" };
  if (calls.length === 0) msg.content = content.length === 0 ? "" : collapse(content);
  else {
    if (plan !== "") msg.tool_plan = plan;
    msg.tool_calls = calls;
    if (content.length > 0) msg.content = collapse(content);
  }
  messages.push(msg);
}

/** A tool result's content: text parts, and `document`s for objects (§6.3); one text part as a plain string. */
function toolContent(content: Block[], path: string, ledger: Ledger): string | Part[] {
  const parts: Part[] = [];
  content.forEach((b, k) => {
    const at = `${path}.content[${k}]`;
    if (b.kind === "json" && typeof b.value === "object" && b.value !== null && !Array.isArray(b.value)) {
      parts.push({ type: "document", document: { data: b.value } });
      return;
    }
    const p = textPart(b, at, ledger);
    if (p !== undefined) parts.push(p);
    else ledger.add(at, "no_target_analog"); // tool content is text or documents only
  });
  return parts.length === 0 ? "" : collapse(parts);
}

type TextPart = { type: "text"; text: string };
type Part = TextPart | JsonObject;

/** Text (citations and cache markers recorded) and json (as its JSON text) → a text part; else undefined. */
function textPart(b: Block, at: string, ledger: Ledger): TextPart | undefined {
  if (b.kind === "json") return { type: "text", text: JSON.stringify(b.value) };
  if (b.kind !== "text") return undefined;
  cacheDrop(b.cache, at, ledger);
  if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
  return { type: "text", text: b.text };
}

/** Images by data URL or URL; documents (PDFs), vendor references and everything else recorded (§6.3 CO). */
function mediaPart(b: Block, at: string, ledger: Ledger): JsonObject | undefined {
  if (b.kind !== "image" || b.source.kind === "vendor") {
    ledger.add(at, "no_target_analog");
    return undefined;
  }
  cacheDrop(b.cache, at, ledger);
  const url = b.source.kind === "base64" ? dataUrl(b.source.mediaType, b.source.data) : b.source.url;
  return { type: "image_url", image_url: { url } };
}

/** One text part is written as a plain string; anything else stays a list of parts. */
function collapse(parts: Part[]): string | Part[] {
  const only = parts.length === 1 ? parts[0] : undefined;
  return only?.type === "text" && typeof only.text === "string" ? only.text : parts;
}

/** Cohere has no cache markers: each one is recorded. */
function cacheDrop(cache: Cache | undefined, path: string, ledger: Ledger): void {
  if (cache !== undefined) ledger.add(`${path}.cache_control`, "no_target_analog");
}

/** §6.4 CO: auto is the default (omitted); a forced tool degrades to REQUIRED, recorded; none without tools. */
function writeToolChoice(ir: IrRequest, hasTools: boolean, out: JsonObject, ledger: Ledger): void {
  const c = ir.toolChoice;
  if (c === undefined || c === "auto") return;
  // "REQUIRED … the `tools` parameter must be passed in the request" (V2ChatRequest.tool_choice).
  if (!hasTools) { ledger.add("tool_choice", "no_target_analog"); return; }
  if (c === "none") out.tool_choice = "NONE";
  else if (c === "required") out.tool_choice = "REQUIRED";
  else {
    out.tool_choice = "REQUIRED";
    ledger.add("tool_choice", "no_target_analog");
  }
}
