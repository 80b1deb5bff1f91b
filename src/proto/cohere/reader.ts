// Cohere v2 chat requests and error bodies → IR (protocols.md §6, §8). System messages gather into `system`;
// consecutive `tool` messages become one IR `tool` message; `tool_choice` NONE/REQUIRED read as none/required
// (absent = auto); `strict_tools` sets every tool's `strict`. Vendor-bound fields (`documents`, `citation_options`,
// `safety_mode`, `logprobs`: own protocol only, §6.1; `thinking`: not carried in v1, D4) and every other unmodeled
// top-level key go to `extra`; what has no IR form at all is recorded under its native path.
import * as v from "valibot";
import { clipMessage, errorJson } from "../error-body.ts";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { isIntegerLexeme, rawNumberValue, type RawNumber } from "../../ir/number.ts";
import type { IrRequest, IrTool, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import type { JsonObject, ReadContext, UpstreamError } from "../codec.ts";
import { topLevelValueRanges } from "../splice.ts";
import { kindOfStatus, mayCarryContextSignal } from "../status.ts";
import { assistantBlocks, readContent, text } from "./blocks.ts";
import {
  ErrorBody, isObj, MODELED_MESSAGE_KEYS, MODELED_REQUEST_KEYS, Request, requiredString, type WireMessage, wireMessage,
} from "./wire.ts";

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parse(Request, body);
  const { ledger } = ctx;
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: req.stream === true, extra: { source: "cohere", fields: {} } };

  req.messages.forEach((m, i) => {
    const path = `messages[${i}]`;
    readMessage(wireMessage(m, path), path, ir, ledger);
  });

  if (req.tools) {
    req.tools.forEach((t, k) => {
      if (t.type !== "function" || t.function === undefined) { ledger.add(`tools[${k}]`, "no_target_analog"); return; }
      const f = t.function;
      const tool: IrTool = { name: f.name, schema: f.parameters ?? {} };
      if (typeof f.description === "string") tool.description = f.description;
      if (typeof req.strict_tools === "boolean") tool.strict = req.strict_tools;
      ir.tools.push(tool);
    });
  }
  if (typeof req.tool_choice === "string") {
    const choice = readToolChoice(req.tool_choice);
    if (choice === undefined) ledger.add("tool_choice", "no_target_analog");
    else ir.toolChoice = choice;
  }

  if (typeof req.max_tokens === "number") ir.maxTokens = req.max_tokens;
  if (typeof req.temperature === "number") ir.temperature = req.temperature;
  if (typeof req.p === "number") ir.topP = req.p;
  if (typeof req.k === "number") ir.topK = req.k;
  if (typeof req.frequency_penalty === "number") ir.frequencyPenalty = req.frequency_penalty;
  if (typeof req.presence_penalty === "number") ir.presencePenalty = req.presence_penalty;
  if (typeof req.seed === "number") ir.seed = seedLexeme(req.seed, ctx.raw);
  if (typeof req.stop_sequences === "string") { if (req.stop_sequences !== "") ir.stop = [req.stop_sequences]; }
  else if (req.stop_sequences) ir.stop = req.stop_sequences.filter((s) => s !== "");
  if (req.response_format) {
    const f = readFormat(req.response_format.type, req.response_format.json_schema);
    if (f === undefined) ledger.add("response_format", "no_target_analog");
    else ir.responseFormat = f;
  }

  for (const key of Object.keys(body)) {
    if (!MODELED_REQUEST_KEYS.has(key)) ir.extra.fields[key] = exactNumber(body[key], key, ctx.raw);
  }
  return ir;
}

function readMessage(wire: WireMessage, path: string, ir: IrRequest, ledger: Ledger): void {
  const m = wire.raw;
  if (!ROLES.has(wire.role)) { ledger.add(path, "no_target_analog"); return; }
  for (const k in m) if (!MODELED_MESSAGE_KEYS.has(k) && m[k] != null) ledger.add(`${path}.${k}`, "no_target_analog");
  switch (wire.role) {
    case "system":
      ir.system.push(...readContent(m.content, `${path}.content`, ledger));
      return;
    case "user":
      ir.messages.push({ role: "user", content: readContent(m.content, `${path}.content`, ledger) });
      return;
    case "assistant": {
      // Citations point into the request's documents and the reply's text: no other protocol can take them (§7.3).
      if (Array.isArray(m.citations) && m.citations.length > 0) ledger.add(`${path}.citations`, "no_target_analog");
      ir.messages.push({ role: "assistant", content: assistantBlocks(m.content, m.tool_plan, m.tool_calls, path, ledger) });
      return;
    }
    case "tool": {
      const content = readContent(m.content, `${path}.content`, ledger);
      const result: Block = {
        kind: "tool_result",
        toolUseId: requiredString(m.tool_call_id, `${path}.tool_call_id`),
        content: content.length > 0 ? content : [text("")],
        isError: false,
      };
      const last = ir.messages.at(-1);
      // Consecutive tool messages answer one assistant turn: one IR tool message, results in order.
      if (last?.role === "tool") last.content.push(result);
      else ir.messages.push({ role: "tool", content: [result] });
      return;
    }
  }
}

const ROLES: ReadonlySet<string> = new Set(["system", "user", "assistant", "tool"]);

function readToolChoice(c: string): ToolChoice | undefined {
  switch (c) {
    case "NONE": return "none";
    case "REQUIRED": return "required";
    default: return undefined;
  }
}

/** §6.5 CO: `text` → json false; `json_object` → json, with its `json_schema` when given. */
function readFormat(type: string, schema: unknown): ResponseFormat | undefined {
  if (type === "text") return { json: false };
  if (type !== "json_object") return undefined;
  return schema !== null && schema !== undefined ? { json: true, schema } : { json: true };
}

/** A seed beyond 2^53 keeps its (last) source lexeme, so 9007199254740993 stays exact (§5.2). */
function seedLexeme(seed: number, raw: string): RawNumber {
  if (Number.isSafeInteger(seed)) return { lexeme: String(seed) };
  const last = topLevelValueRanges(raw, "seed").at(-1);
  const lexeme = last === undefined ? "" : raw.slice(last[0], last[1]);
  return { lexeme: isIntegerLexeme(lexeme) ? lexeme : String(seed) };
}

/** An unmodeled integer JSON.parse could not hold exactly keeps its source lexeme, written back verbatim. */
function exactNumber(value: unknown, key: string, raw: string): unknown {
  if (typeof value !== "number" || Number.isSafeInteger(value) || !Number.isInteger(value)) return value;
  const last = topLevelValueRanges(raw, key).at(-1);
  const lexeme = last === undefined ? "" : raw.slice(last[0], last[1]);
  return isIntegerLexeme(lexeme) ? rawNumberValue({ lexeme }) : value;
}

// ---- errors ----


/**
 * Cohere's `{"message"}` envelope → kind and message (§8). The status decides the kind, with Cohere's own
 * statuses refined: 498 (invalid token) is an authentication failure, 402 (billing) a quota one. Stage 1a
 * (reliability.md §5): no code; the type is `error_type` when present; the message alone signals an exceeded context.
 */
export function readError(status: number, body: string): UpstreamError {
  const kind = status === 498 ? "authentication" : status === 402 ? "quota" : kindOfStatus(status);
  let message: string | undefined;
  let type: string | undefined;
  const json = errorJson(body);
  if (json !== undefined) {
    const r = v.safeParse(ErrorBody, json);
    if (r.success) {
      const { message: m, error: e, error_type: t } = r.output;
      if (typeof m === "string" && m !== "") message = m;
      else if (typeof e === "string" && e !== "") message = e;
      else if (isObj(e) && typeof e.message === "string" && e.message !== "") message = e.message;
      if (typeof t === "string" && t !== "") type = t;
    }
  }
  const signals = {
    ...(type !== undefined && { type }),
    contextSignal: message !== undefined && mayCarryContextSignal(status) && saysContextExceeded(message),
    keyRejected: false,
  };
  if (message === undefined) return { kind, message: `The upstream answered HTTP ${status}.`, ...signals };
  return { kind, message: clipMessage(message), ...signals };
}

/**
 * reliability.md §5: "too many tokens" (`too many tokens: total number of tokens in the prompt cannot exceed 4081 -
 * received 4507`); "too long" with "token", "context" or "input"; "token limit"; "exceeds" with "context".
 */
export function saysContextExceeded(message: string): boolean {
  const m = message.toLowerCase();
  return m.includes("too many tokens")
    || (m.includes("too long") && (m.includes("token") || m.includes("context") || m.includes("input")))
    || m.includes("token limit")
    || (m.includes("exceeds") && m.includes("context"));
}
