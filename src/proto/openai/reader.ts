// Chat Completions requests and error bodies → IR (protocols.md §6, §8): system and developer messages gather into `system`; `tool`
// messages become IR `tool` messages; every unmodeled top-level key goes to `extra`; what has no IR form at all is
// recorded in the ledger under its native path (`messages[2].audio`, `reasoning_effort`).
import * as v from "valibot";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { isIntegerLexeme, type RawNumber } from "../../ir/number.ts";
import { isEffort } from "../../ir/reasoning.ts";
import type { IrMessage, IrRequest, IrTool, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import type { JsonObject, ReadContext, UpstreamError } from "../codec.ts";
import { collectExtra, lastTopLevelLexeme } from "../extra.ts";
import { parseArguments, parseDataUrl, saysContextExceeded } from "../openai-family.ts";
import { mayCarryContextSignal } from "../status.ts";
import { optionalString, requiredString, wireContent, type WireMessage, wireMessage, wireToolCalls } from "./hot.ts";
import { kindOfError } from "./tables.ts";
import {
  ErrorBody, FilePart, FunctionTool, ImagePart, MODELED_MESSAGE_KEYS, MODELED_REQUEST_KEYS, RefusalPart, Request,
  type ResponseFormat as WireFormat, type ToolChoice as WireChoice,
} from "./wire.ts";

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parse(Request, body);
  const { ledger } = ctx;
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: req.stream === true, extra: { source: "openai", fields: {} } };

  req.messages.forEach((m, i) => {
    const path = `messages[${i}]`;
    readMessage(wireMessage(m, path), path, ir, ledger);
  });

  if (req.tools) {
    req.tools.forEach((t, k) => {
      // Custom (free-form grammar) tools have no IR form.
      if (t.type !== "function") { ledger.add(`tools[${k}]`, "no_target_analog"); return; }
      const f = parse(FunctionTool, t).function;
      const tool: IrTool = { name: f.name, schema: f.parameters ?? {} };
      if (typeof f.description === "string") tool.description = f.description;
      if (typeof f.strict === "boolean") tool.strict = f.strict;
      ir.tools.push(tool);
    });
  }
  if (req.tool_choice !== null && req.tool_choice !== undefined) {
    const choice = readToolChoice(req.tool_choice);
    if (choice === undefined) ledger.add("tool_choice", "no_target_analog");
    else ir.toolChoice = choice;
  }
  if (typeof req.parallel_tool_calls === "boolean") ir.parallelToolCalls = req.parallel_tool_calls;

  // D6: reasoning models take `max_completion_tokens`; older callers send `max_tokens`. Either is the cap.
  const max = req.max_completion_tokens ?? req.max_tokens;
  if (typeof max === "number") ir.maxTokens = max;
  if (typeof req.temperature === "number") ir.temperature = req.temperature;
  if (typeof req.top_p === "number") ir.topP = req.top_p;
  if (typeof req.n === "number") ir.n = req.n;
  if (typeof req.frequency_penalty === "number") ir.frequencyPenalty = req.frequency_penalty;
  if (typeof req.presence_penalty === "number") ir.presencePenalty = req.presence_penalty;
  if (typeof req.seed === "number") ir.seed = seedLexeme(req.seed, ctx.raw);
  if (typeof req.stop === "string") { if (req.stop !== "") ir.stop = [req.stop]; }
  else if (req.stop) ir.stop = req.stop.filter((s) => s !== "");
  if (req.response_format) ir.responseFormat = readFormat(req.response_format);
  if (typeof req.reasoning_effort === "string") {
    // §10.3 read: a known word is the ask; `none` (or a word the table lacks) is no ask, recorded.
    if (isEffort(req.reasoning_effort)) ir.reasoning = { effort: req.reasoning_effort };
    else ledger.add("reasoning_effort", "no_target_analog");
  }
  if (typeof req.logprobs === "boolean") ir.logprobs = req.logprobs;
  if (typeof req.top_logprobs === "number") ir.topLogprobs = req.top_logprobs;
  if (typeof req.user === "string") ir.user = req.user;
  if (req.stream_options) {
    if (typeof req.stream_options.include_usage === "boolean") ir.includeUsage = req.stream_options.include_usage;
    for (const k of Object.keys(req.stream_options)) {
      if (k !== "include_usage" && req.stream_options[k] != null) ledger.add(`stream_options.${k}`, "no_target_analog");
    }
  }

  collectExtra(body, MODELED_REQUEST_KEYS, ctx.raw, ir.extra.fields);
  return ir;
}

/**
 * A seed beyond 2^53 keeps the last lexeme as written (JSON.parse keeps the last duplicate), so 9007199254740993
 * stays exact (§5.2). A safe integer is its own lexeme: the body is not scanned (it can be large).
 */
function seedLexeme(seed: number, raw: string): RawNumber {
  if (Number.isSafeInteger(seed)) return { lexeme: String(seed) };
  const lexeme = lastTopLevelLexeme(raw, "seed");
  return { lexeme: isIntegerLexeme(lexeme) ? lexeme : String(seed) };
}

function readMessage(wire: WireMessage, path: string, ir: IrRequest, ledger: Ledger): void {
  const m = wire.raw;
  // The deprecated `function` role has no call id to pair it with; unknown roles have no IR form either.
  if (!ROLES.has(wire.role)) { ledger.add(path, "no_target_analog"); return; }
  for (const k in m) if (!MODELED_MESSAGE_KEYS.has(k) && m[k] != null) ledger.add(`${path}.${k}`, "no_target_analog");
  switch (wire.role) {
    case "system": case "developer":
      ir.system.push(...readContent(m.content, path, ledger));
      return;
    case "user":
      ir.messages.push({ role: "user", content: readContent(m.content, path, ledger) });
      return;
    case "assistant": {
      const content = readContent(m.content, path, ledger);
      const refusal = optionalString(m.refusal, `${path}.refusal`);
      if (refusal) content.push(text(refusal));
      wireToolCalls(m.tool_calls, `${path}.tool_calls`).forEach((c, k) => {
        if (c.fn === undefined) { ledger.add(`${path}.tool_calls[${k}]`, "no_target_analog"); return; }
        const args = c.fn.arguments;
        const input = parseArguments(args, () => `${path}.tool_calls[${k}].function.arguments`, ledger);
        content.push({ kind: "tool_use", id: c.id, name: c.fn.name, input, inputText: args });
      });
      ir.messages.push({ role: "assistant", content });
      return;
    }
    case "tool": {
      // §6.3: a tool message's text parts are one result, joined as the model would read them.
      const parts = readContent(m.content, path, ledger);
      let joined = "";
      parts.forEach((b, j) => {
        if (b.kind === "text") joined += b.text;
        else ledger.add(`${path}.content[${j}]`, "no_target_analog"); // tool messages carry text only
      });
      const result: Block = { kind: "tool_result", toolUseId: requiredString(m.tool_call_id, `${path}.tool_call_id`), content: [text(joined)], isError: false };
      const last = ir.messages.at(-1);
      // Consecutive tool messages answer one assistant turn: one IR tool message, results in order.
      if (last?.role === "tool") last.content.push(result);
      else ir.messages.push({ role: "tool", content: [result] } satisfies IrMessage);
      return;
    }
  }
}

const ROLES: ReadonlySet<string> = new Set(["system", "developer", "user", "assistant", "tool"]);

/** A message's `content` (string, null or parts) → blocks (§6.3). */
function readContent(raw: unknown, path: string, ledger: Ledger): Block[] {
  const content = wireContent(raw, path);
  if (content === undefined) return [];
  if (typeof content === "string") return [text(content)];
  const out: Block[] = [];
  content.forEach(({ type, raw: p }, j) => {
    const at = `${path}.content[${j}]`;
    // OpenAI's explicit cache breakpoints have no IR form (their TTLs are not Anthropic's).
    if (p.prompt_cache_breakpoint != null) ledger.add(`${at}.prompt_cache_breakpoint`, "no_target_analog");
    switch (type) {
      case "text":
        // Narrowed by hand: text parts are most parts, and a schema run each cost more than the rest of the read.
        if (typeof p.text !== "string") throw new Error(`${at}.text: expected a string`);
        out.push(text(p.text));
        return;
      case "refusal":
        out.push(text(parse(RefusalPart, p).refusal));
        return;
      case "image_url": {
        const { url, detail } = parse(ImagePart, p).image_url;
        if (detail && detail !== "auto") ledger.add(`${at}.image_url.detail`, "no_target_analog");
        const d = parseDataUrl(url);
        out.push({ kind: "image", source: d ? { kind: "base64", ...d } : { kind: "url", url } });
        return;
      }
      case "file": {
        const f = parse(FilePart, p).file;
        const name = f.filename ? { name: f.filename } : {};
        if (f.file_data) {
          // The API takes a data URL; bare base64 is read as the PDF it almost always is.
          const d = parseDataUrl(f.file_data) ?? { mediaType: "application/pdf", data: f.file_data };
          out.push({ kind: "document", source: { kind: "base64", ...d }, ...name });
        } else if (f.file_id) {
          out.push({ kind: "document", source: { kind: "vendor", proto: "openai", raw: p }, ...name });
        } else {
          ledger.add(at, "no_target_analog");
        }
        return;
      }
      default:
        ledger.add(at, "no_target_analog"); // input_audio and future part types
    }
  });
  return out;
}

function readToolChoice(c: WireChoice): ToolChoice | undefined {
  if (c === "auto" || c === "none" || c === "required") return c;
  if (typeof c === "object" && c.type === "function" && c.function) return { tool: c.function.name };
  return undefined; // allowed_tools, custom, unknown words
}

/** §6.5: text → json false; json_object → json; json_schema → json + schema and its metadata. */
function readFormat(f: WireFormat): ResponseFormat {
  switch (f.type) {
    case "text": return { json: false };
    case "json_object": return { json: true };
    case "json_schema": {
      const s = f.json_schema;
      const out: ResponseFormat = { json: true };
      if (s.schema !== undefined) out.schema = s.schema;
      if (typeof s.name === "string") out.name = s.name;
      if (typeof s.strict === "boolean") out.strict = s.strict;
      if (typeof s.description === "string") out.description = s.description;
      return out;
    }
  }
}

function text(t: string): Block {
  return { kind: "text", text: t };
}

// ---- errors ----

const MAX_MESSAGE = 500;

/** An upstream error body → kind, message (at most ~500 chars) and the vendor's code (§8), plus the stage-1a fields. */
export function readError(status: number, body: string): UpstreamError {
  let parsed: unknown;
  try {
    parsed = body.length <= 1_000_000 ? JSON.parse(body) : undefined;
  } catch {
    parsed = undefined;
  }
  const r = v.safeParse(ErrorBody, Array.isArray(parsed) ? parsed[0] : parsed);
  let message: string | undefined;
  let type: string | undefined;
  let code: string | number | undefined;
  if (r.success) {
    const e = r.output.error;
    if (typeof e === "string") message = e;
    else if (e) {
      message = e.message ?? undefined;
      type = e.type ?? undefined;
      code = e.code ?? undefined;
    }
    if (message === undefined && typeof r.output.message === "string") message = r.output.message;
  }
  const errorCode = code !== undefined ? String(code) : undefined;
  const out: UpstreamError = {
    kind: kindOfError(status, type, code),
    message: message ? clip(message) : `The upstream returned HTTP ${status}.`,
    ...(errorCode !== undefined && { errorCode }),
    ...(type !== undefined && { type }),
    contextSignal: mayCarryContextSignal(status) && (errorCode === "context_length_exceeded" || saysContextExceeded(message)),
    keyRejected: false,
  };
  const vendorCode = errorCode ?? type;
  return vendorCode !== undefined ? { ...out, code: vendorCode } : out;
}

function clip(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE)}…` : s;
}
