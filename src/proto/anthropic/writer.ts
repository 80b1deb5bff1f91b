// IR → Anthropic Messages request (protocols.md §6, §10.3, §10.4), and Anthropic's error envelope (§8; overloaded
// is 529, as Anthropic itself sends, spec README D15). Only Messages shapes are emitted; every IR field it cannot
// carry is a ledger entry under its IR path (`messages[2].content[0]`, `seed`, `response_format`).
import type { Block } from "../../ir/content.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { claudeSampling, claudeThinkingBudget } from "../../ir/reasoning.ts";
import type { IrRequest, IrTool } from "../../ir/request.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { jsonError } from "../types.ts";
import { cached, writeMedia } from "./blocks.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_TYPE = {
  invalid_request: [400, "invalid_request_error"],
  authentication: [401, "authentication_error"],
  permission: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  too_large: [413, "request_too_large"],
  rate_limit: [429, "rate_limit_error"],
  quota: [429, "rate_limit_error"],
  server_error: [500, "api_error"],
  overloaded: [529, "overloaded_error"],
  timeout: [504, "timeout_error"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

/** The Anthropic `error.type` for a kind (also used by the stream writer's `event: error`). */
export function errorType(kind: ErrorKind): string {
  return STATUS_AND_TYPE[kind][1];
}

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_TYPE[err.kind];
  const headers: Record<string, string> = { "request-id": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { type: "error", error: { type, message: err.message }, request_id: ctx.requestId }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "invalid x-api-key" }, ctx);
}

// ---- request ----

type Turn = { role: "user" | "assistant"; content: JsonObject[] };

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  // §3.3 step 2: Anthropic requires max_tokens; the caller's value is never changed.
  const maxTokens = ir.maxTokens ?? lane.defaultMaxTokens;
  const out: JsonObject = { model: lane.model, max_tokens: maxTokens };
  const system = writeSystem(ir.system, ledger);
  if (system !== undefined) out.system = system;
  const messages = writeMessages(ir, ledger);
  out.messages = messages;

  const own = ir.extra.source === "anthropic" ? ir.extra.fields : {};
  const tools: unknown[] = ir.tools.map(writeTool);
  if (Array.isArray(own.tools)) tools.push(...own.tools); // server tools, from an Anthropic caller only
  if (tools.length > 0) out.tools = tools;

  const budget = thinkingBudget(ir, lane, maxTokens, messages, ledger);
  const thinking = budget !== undefined;
  if (thinking) out.thinking = { type: "enabled", budget_tokens: budget };
  const choice = writeToolChoice(ir, tools.length > 0, thinking, ledger);
  if (choice !== undefined) out.tool_choice = choice;

  const sampling = claudeSampling(ir, thinking, ledger);
  if (sampling.temperature !== undefined) out.temperature = sampling.temperature;
  if (sampling.topP !== undefined) out.top_p = sampling.topP;
  if (sampling.topK !== undefined) out.top_k = sampling.topK;
  if (ir.stop.length > 0) out.stop_sequences = ir.stop;
  if (ir.user !== undefined) out.metadata = { user_id: ir.user };
  if (lane.stream) out.stream = true;

  // No Messages analog (§6.1; structured output per D5).
  if (ir.responseFormat !== undefined) ledger.add("response_format", "no_target_analog");
  if (ir.seed !== undefined) ledger.add("seed", "no_target_analog");
  if (ir.frequencyPenalty !== undefined) ledger.add("frequency_penalty", "no_target_analog");
  if (ir.presencePenalty !== undefined) ledger.add("presence_penalty", "no_target_analog");
  if (ir.logprobs === true) ledger.add("logprobs", "no_target_analog");
  if (ir.topLogprobs !== undefined) ledger.add("top_logprobs", "no_target_analog");

  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (ir.extra.source !== "anthropic") ledger.add(`extra.${key}`, "source_only");
    else if (key !== "tools") out[key] = value;
  }
  return out;
}

/** Text blocks only; one plain text block is written as a string. */
function writeSystem(system: Block[], ledger: Ledger): string | JsonObject[] | undefined {
  const out: JsonObject[] = [];
  system.forEach((b, j) => {
    if (b.kind === "text") out.push(writeText(b, `system[${j}]`, ledger));
    else ledger.add(`system[${j}]`, "no_target_analog");
  });
  if (out.length === 0) return undefined;
  const only = out.length === 1 ? out[0]! : undefined;
  if (only && Object.keys(only).length === 2) return only.text as string;
  return out;
}

/** §6.2: adjacent turns of one AN role merge; in user turns `tool_result` blocks come first; never an empty turn. */
function writeMessages(ir: IrRequest, ledger: Ledger): Turn[] {
  const turns: Turn[] = [];
  ir.messages.forEach((m, i) => {
    const role = m.role === "assistant" ? "assistant" : "user";
    const blocks: JsonObject[] = [];
    m.content.forEach((b, j) => {
      const w = writeBlock(b, `messages[${i}].content[${j}]`, ledger);
      if (w) blocks.push(w);
    });
    const last = turns.at(-1);
    if (last?.role === role) last.content.push(...blocks);
    else turns.push({ role, content: blocks });
  });
  for (const t of turns) {
    if (t.role === "user" && t.content.some((b) => b.type === "tool_result")) {
      t.content = [...t.content.filter((b) => b.type === "tool_result"), ...t.content.filter((b) => b.type !== "tool_result")];
    }
    if (t.content.length === 0) t.content.push({ type: "text", text: "" });
  }
  return turns;
}

function writeText(b: Extract<Block, { kind: "text" }>, at: string, ledger: Ledger): JsonObject {
  const out = cached({ type: "text", text: b.text }, b.cache);
  if (b.citations) {
    // A citation is checked against the request's documents: only Anthropic's own can go back (§7.3).
    const own = b.citations.filter((c) => c.origin === "anthropic").map((c) => c.raw);
    if (own.length < b.citations.length) ledger.add(`${at}.citations`, "no_target_analog");
    if (own.length > 0) out.citations = own;
  }
  return out;
}

/** One IR block → an AN request block, or undefined (recorded) when AN cannot take it. */
function writeBlock(b: Block, at: string, ledger: Ledger): JsonObject | undefined {
  switch (b.kind) {
    case "text":
      return writeText(b, at, ledger);
    case "json":
      return { type: "text", text: JSON.stringify(b.value) };
    case "image": {
      const source = writeMedia(b.source, false);
      if (source === undefined) break;
      return cached({ type: "image", source }, b.cache);
    }
    case "document": {
      const source = writeMedia(b.source, true);
      if (source === undefined) break;
      const out: JsonObject = { type: "document", source };
      const title = b.title ?? b.name;
      if (title !== undefined) out.title = title;
      return cached(out, b.cache);
    }
    case "thinking":
      // §10.4: a signature verifies only at its issuer; AN also rejects unsigned thinking (§6.3).
      if (b.signature?.origin !== "anthropic") break;
      return cached({ type: "thinking", thinking: b.text, signature: b.signature.value }, b.cache);
    case "redacted_thinking":
      if (b.origin !== "anthropic") break;
      return cached({ type: "redacted_thinking", data: b.data }, b.cache);
    case "tool_use":
      return cached({ type: "tool_use", id: b.id, name: b.name, input: b.input ?? {} }, b.cache);
    case "tool_result": {
      const out: JsonObject = { type: "tool_result", tool_use_id: b.toolUseId };
      const content: JsonObject[] = [];
      b.content.forEach((x, k) => {
        const w = writeBlock(x, `${at}.content[${k}]`, ledger);
        if (w) content.push(w);
      });
      const only = content.length === 1 ? content[0]! : undefined;
      if (only?.type === "text" && Object.keys(only).length === 2) out.content = only.text;
      else if (content.length > 0) out.content = content;
      if (b.isError) out.is_error = true;
      return cached(out, b.cache);
    }
  }
  ledger.add(at, "no_target_analog");
  return undefined;
}

/** AN wants an object schema (`input_schema.type: "object"`); a null schema reads as `{}` (§6.4). */
function writeTool(t: IrTool): JsonObject {
  const out: JsonObject = { name: t.name };
  if (t.description !== undefined) out.description = t.description;
  const schema = typeof t.schema === "object" && t.schema !== null && !Array.isArray(t.schema) ? t.schema : {};
  out.input_schema = "type" in schema ? schema : { type: "object", ...schema };
  if (t.strict !== undefined) out.strict = t.strict;
  return cached(out, t.cache);
}

/** §6.4 table; `parallelToolCalls` rides as `disable_parallel_tool_use` = NOT value (§6.1). */
function writeToolChoice(ir: IrRequest, hasTools: boolean, thinking: boolean, ledger: Ledger): JsonObject | undefined {
  const c = ir.toolChoice;
  const p = ir.parallelToolCalls;
  if (c === undefined && p === undefined) return undefined;
  if (!hasTools) {
    // AN rejects tool_choice without tools.
    if (c !== undefined) ledger.add("tool_choice", "no_target_analog");
    if (p !== undefined) ledger.add("parallel_tool_calls", "no_target_analog");
    return undefined;
  }
  let out: JsonObject;
  if (c === undefined) {
    if (p === true) return undefined; // parallel calls are AN's default: nothing to say
    out = { type: "auto" };
  } else if (c === "auto") out = { type: "auto" };
  else if (c === "none") out = { type: "none" };
  else if (c === "required") out = { type: "any" };
  else out = { type: "tool", name: c.tool };
  if (thinking && (out.type === "any" || out.type === "tool")) {
    // §10.3: AN rejects forced tool use with thinking on.
    out = { type: "auto" };
    ledger.add("tool_choice", "capability_gate");
  }
  if (p !== undefined) {
    if (out.type === "none") ledger.add("parallel_tool_calls", "no_target_analog");
    else out.disable_parallel_tool_use = !p;
  }
  return out;
}

/** §10.3 AN write: the budget, capped at max_tokens − 1024; dropped below 1024 or when AN would reject it. */
function thinkingBudget(ir: IrRequest, lane: EgressOptions, maxTokens: number, turns: Turn[], ledger: Ledger): number | undefined {
  const budget = claudeThinkingBudget(ir.reasoning, lane.reasoning, maxTokens, ledger);
  if (budget === undefined) return undefined;
  // A tool-use continuation whose assistant turn lacks its signed thinking is rejected with thinking on.
  const lastAssistant = turns.findLast((t) => t.role === "assistant");
  if (lastAssistant && lastAssistant.content.some((b) => b.type === "tool_use")
    && !lastAssistant.content.some((b) => b.type === "thinking" || b.type === "redacted_thinking")) {
    ledger.add("reasoning", "capability_gate");
    return undefined;
  }
  return budget;
}
