// Anthropic Messages request → IR (protocols.md §6), and upstream error bodies → kinds (§8). `system` and stray
// `role:"system"` messages gather into `ir.system`; each `tool_result` block of a user turn becomes its own IR
// `tool` message (order kept); server tools and every unmodeled top-level key go to `extra`; what has no IR form
// at all is recorded in the ledger under its native path.
import * as v from "valibot";
import { clipMessage, errorJson } from "../error-body.ts";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrMessage, IrRequest, IrTool, ToolChoice } from "../../ir/request.ts";
import type { JsonObject, ReadContext, UpstreamError } from "../codec.ts";
import { collectExtra } from "../extra.ts";
import { kindOfStatus, mayCarryContextSignal } from "../status.ts";
import { readBlock, readCache, readContent } from "./blocks.ts";
import { hotMessages } from "./hot.ts";
import { kindOfErrorType } from "./tables.ts";
import {
  type AnyBlock, ErrorBody, MODELED_REQUEST_KEYS, Request, RequestShell, Tool, ToolChoice as ToolChoiceWire,
} from "./wire.ts";

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parseRequest(body);
  const { ledger } = ctx;
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: req.stream === true, extra: { source: "anthropic", fields: {} } };
  const extra = ir.extra.fields;

  if (req.system !== null && req.system !== undefined) ir.system.push(...readContent(req.system, "system", ledger));

  req.messages.forEach((m, i) => {
    const at = `messages[${i}]`;
    if (m.role === "system") ir.system.push(...readContent(m.content, `${at}.content`, ledger));
    else if (m.role === "assistant") ir.messages.push({ role: "assistant", content: readContent(m.content, `${at}.content`, ledger) });
    else readUserTurn(m.content, at, ir.messages, ledger);
  });

  if (req.tools) {
    const server: unknown[] = [];
    req.tools.forEach((t, k) => {
      if (typeof t.type === "string" && t.type !== "custom") { server.push(t); return; }
      ir.tools.push(readTool(parse(Tool, t), `tools[${k}]`, ledger));
    });
    // Server tools (web search, code execution, …) run only at Anthropic: a foreign writer records them.
    if (server.length > 0) extra.tools = server;
  }
  if (req.tool_choice) readToolChoice(req.tool_choice, ir, ledger);

  if (typeof req.max_tokens === "number") ir.maxTokens = req.max_tokens;
  if (typeof req.temperature === "number") ir.temperature = req.temperature;
  if (typeof req.top_p === "number") ir.topP = req.top_p;
  if (typeof req.top_k === "number") ir.topK = req.top_k;
  if (req.stop_sequences) ir.stop = req.stop_sequences.filter((s) => s !== "");
  if (req.metadata) {
    if (typeof req.metadata.user_id === "string") ir.user = req.metadata.user_id;
    for (const k of Object.keys(req.metadata)) if (k !== "user_id") ledger.add(`metadata.${k}`, "no_target_analog");
  }
  if (req.thinking) {
    // §10.3 read: `enabled` is a budget; `adaptive` lets the model decide (dynamic); `disabled` is no ask.
    const t = req.thinking;
    if (t.type === "enabled" && typeof t.budget_tokens === "number") ir.reasoning = { budget: t.budget_tokens };
    else if (t.type === "adaptive") ir.reasoning = "dynamic";
    else if (t.type !== "disabled") ledger.add("thinking", "no_target_analog");
    if (t.display !== undefined && t.display !== null) ledger.add("thinking.display", "no_target_analog");
  }

  collectExtra(body, MODELED_REQUEST_KEYS, ctx.raw, extra);
  return ir;
}

/**
 * The request through its schema, its messages narrowed by hand (hot.ts: a schema per message cost as much as the
 * rest of the read). On any miss the full schema parses the body, so a malformed request fails with its own error.
 */
function parseRequest(body: JsonObject) {
  const shell = v.safeParse(RequestShell, body);
  const messages = shell.success ? hotMessages(shell.output.messages) : undefined;
  if (shell.success && messages !== undefined) return { ...shell.output, messages };
  return parse(Request, body);
}

/** A user turn: `tool_result` blocks become `tool` messages; the blocks between them stay user messages, in order. */
function readUserTurn(content: string | AnyBlock[], at: string, out: IrMessage[], ledger: Ledger): void {
  if (typeof content === "string") {
    out.push({ role: "user", content: [{ kind: "text", text: content }] });
    return;
  }
  let user: Block[] | undefined;
  content.forEach((raw, j) => {
    const b = readBlock(raw, `${at}.content[${j}]`, ledger);
    if (b === undefined) return;
    if (b.kind === "tool_result") {
      if (user) out.push({ role: "user", content: user });
      user = undefined;
      out.push({ role: "tool", content: [b] });
    } else {
      (user ??= []).push(b);
    }
  });
  if (user || content.length === 0) out.push({ role: "user", content: user ?? [] });
}

function readTool(t: v.InferOutput<typeof Tool>, at: string, ledger: Ledger): IrTool {
  const tool: IrTool = { name: t.name, schema: t.input_schema ?? {} };
  if (typeof t.description === "string") tool.description = t.description;
  if (typeof t.strict === "boolean") tool.strict = t.strict;
  const c = readCache(t.cache_control);
  if (c) tool.cache = c;
  for (const k of Object.keys(t)) {
    if (!TOOL_KEYS.has(k) && t[k] !== null && t[k] !== undefined) ledger.add(`${at}.${k}`, "no_target_analog");
  }
  return tool;
}

const TOOL_KEYS: ReadonlySet<string> = new Set(["type", "name", "description", "input_schema", "cache_control", "strict"]);

/** `tool_choice` → toolChoice, and `disable_parallel_tool_use` → parallelToolCalls = NOT value (§6.1). */
function readToolChoice(c: v.InferOutput<typeof ToolChoiceWire>, ir: IrRequest, ledger: Ledger): void {
  let choice: ToolChoice | undefined;
  switch (c.type) {
    case "auto": choice = "auto"; break;
    case "any": choice = "required"; break;
    case "none": choice = "none"; break;
    case "tool":
      if (typeof c.name === "string") choice = { tool: c.name };
      break;
  }
  if (choice === undefined) ledger.add("tool_choice", "no_target_analog");
  else ir.toolChoice = choice;
  if (typeof c.disable_parallel_tool_use === "boolean") ir.parallelToolCalls = !c.disable_parallel_tool_use;
}

// ---- errors ----


/**
 * `{"type":"error","error":{"type","message"}}` → kind and message; anything else → the status's generic kind.
 * Stage 1a (reliability.md §5): Anthropic sends a type and no code (compatible providers may add `error.code`); the
 * message alone signals an exceeded context.
 */
export function readError(status: number, body: string): UpstreamError {
  let kind = kindOfStatus(status);
  let message = `The upstream answered HTTP ${status}.`;
  let type: string | undefined;
  let errorCode: string | undefined;
  let contextSignal = false;
  const json = errorJson(body);
  if (json !== undefined) {
    const parsed = v.safeParse(ErrorBody, json);
    if (parsed.success) {
      const e = parsed.output.error;
      if (typeof e.message === "string" && e.message !== "") {
        message = clipMessage(e.message);
        contextSignal = mayCarryContextSignal(status) && saysContextExceeded(e.message);
      }
      if (typeof e.type === "string") {
        type = e.type;
        kind = kindOfErrorType(e.type) ?? kind;
      }
      if (typeof e.code === "string" || typeof e.code === "number") errorCode = String(e.code);
    }
  }
  const out = { kind, message, ...(errorCode !== undefined && { errorCode }), contextSignal, keyRejected: false };
  return type === undefined ? out : { ...out, code: type, type };
}

/**
 * reliability.md §5: "prompt is too long" (`prompt is too long: 215000 tokens > 200000 maximum`), or "exceeds the
 * maximum" with "token" or "context". Also the real 400 for input plus `max_tokens` over the window, "input length
 * and `max_tokens` exceed context limit: 197626 + 8192 > 200000", which a larger member can serve too.
 */
export function saysContextExceeded(message: string): boolean {
  const m = message.toLowerCase();
  return m.includes("prompt is too long")
    || (m.includes("exceeds the maximum") && (m.includes("token") || m.includes("context")))
    || m.includes("exceed context limit");
}
