// Bedrock Converse request → IR (protocols.md §6), and upstream error bodies → kinds (§8). `system` and any
// stray `role:"system"` message gather into `ir.system`; each `toolResult` block of a user turn becomes its own IR
// `tool` message (order kept); `additionalModelRequestFields` gives `top_k` and the Claude thinking ask (spec
// README D4), its other keys and every unmodeled top-level key (guardrailConfig, performanceConfig,
// promptVariables, requestMetadata, outputConfig, …) go to `extra`. The body carries neither model nor stream:
// the route does (§1), so `stream` reads false and the seam decides.
import * as v from "valibot";
import { clipMessage, errorJson } from "../error-body.ts";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrMessage, IrRequest, IrTool } from "../../ir/request.ts";
import type { JsonObject, ReadContext, UpstreamError } from "../codec.ts";
import { collectExtra } from "../extra.ts";
import { saysContextExceeded as geminiSaysContextExceeded } from "../gemini/reader.ts";
import { kindOfStatus } from "../status.ts";
import { readBlocks } from "./blocks.ts";
import { hotMessages } from "./hot.ts";
import { kindOfException, readCachePoint } from "./tables.ts";
import { ErrorBody, MODELED_REQUEST_KEYS, Request, RequestShell, Thinking, type Tool, type ToolChoice } from "./wire.ts";

const INFERENCE_KEYS: ReadonlySet<string> = new Set(["maxTokens", "temperature", "topP", "stopSequences"]);

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parseRequest(body);
  const { ledger } = ctx;
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: false, extra: { source: "bedrock", fields: {} } };
  const extra = ir.extra.fields;

  if (req.system) {
    let last: Block | undefined;
    req.system.forEach((s, j) => {
      if (s.cachePoint) {
        if (last && last.kind !== "json") last.cache = readCachePoint(s.cachePoint);
        else ledger.add(`system[${j}]`, "no_target_analog");
        return;
      }
      last = typeof s.text === "string" ? { kind: "text", text: s.text } : undefined;
      if (last) ir.system.push(last);
      else ledger.add(`system[${j}]`, "no_target_analog"); // guardContent
    });
  }

  req.messages?.forEach((m, i) => {
    const blocks = readBlocks(m.content, `messages[${i}].content`, ledger);
    if (m.role === "system") ir.system.push(...blocks);
    else if (m.role === "assistant") ir.messages.push({ role: "assistant", content: blocks });
    else readUserTurn(blocks, m.content.length === 0, ir.messages);
  });

  const tc = req.toolConfig;
  if (tc?.tools) readTools(tc.tools, ir.tools, ledger);
  if (tc?.toolChoice) readToolChoice(tc.toolChoice, ir, ledger);

  const inf = req.inferenceConfig;
  if (inf) {
    if (typeof inf.maxTokens === "number") ir.maxTokens = inf.maxTokens;
    if (typeof inf.temperature === "number") ir.temperature = inf.temperature;
    if (typeof inf.topP === "number") ir.topP = inf.topP;
    if (inf.stopSequences) ir.stop = inf.stopSequences.filter((s) => s !== "");
    for (const k of Object.keys(inf)) if (!INFERENCE_KEYS.has(k) && inf[k] != null) ledger.add(`inferenceConfig.${k}`, "no_target_analog");
  }

  const amrf = req.additionalModelRequestFields;
  if (amrf) {
    const rest: Record<string, unknown> = {};
    for (const [k, value] of Object.entries(amrf)) {
      if (k === "top_k" && typeof value === "number") ir.topK = value;
      else if (k === "thinking") readThinking(value, ir, ledger);
      else rest[k] = value;
    }
    if (Object.keys(rest).length > 0) extra.additionalModelRequestFields = rest;
  }

  collectExtra(body, MODELED_REQUEST_KEYS, ctx.raw, extra);
  return ir;
}

/**
 * The request through its schema, its messages narrowed by hand (hot.ts: a schema per block cost most of the read).
 * On any miss the full schema parses the body, so a malformed request fails with its own error.
 */
function parseRequest(body: JsonObject) {
  const shell = v.safeParse(RequestShell, body);
  const messages = shell.success && shell.output.messages ? hotMessages(shell.output.messages) : undefined;
  if (shell.success && (messages !== undefined || shell.output.messages == null)) return { ...shell.output, messages };
  return parse(Request, body);
}

/** A user turn: `toolResult` blocks become `tool` messages; the blocks between them stay user messages, in order. */
function readUserTurn(blocks: Block[], empty: boolean, out: IrMessage[]): void {
  let user: Block[] | undefined;
  for (const b of blocks) {
    if (b.kind === "tool_result") {
      if (user) out.push({ role: "user", content: user });
      user = undefined;
      out.push({ role: "tool", content: [b] });
    } else {
      (user ??= []).push(b);
    }
  }
  if (user || empty) out.push({ role: "user", content: user ?? [] });
}

/** `toolSpec`s → IR tools; a `cachePoint` marks the tool before it; system tools run only at Bedrock (recorded). */
function readTools(tools: v.InferOutput<typeof Tool>[], out: IrTool[], ledger: Ledger): void {
  let last: IrTool | undefined;
  tools.forEach((t, k) => {
    if (t.cachePoint) {
      if (last) last.cache = readCachePoint(t.cachePoint);
      else ledger.add(`toolConfig.tools[${k}]`, "no_target_analog");
      return;
    }
    if (!t.toolSpec) {
      last = undefined;
      ledger.add(`toolConfig.tools[${k}]`, "no_target_analog");
      return;
    }
    const s = t.toolSpec;
    last = { name: s.name, schema: s.inputSchema.json ?? {} };
    if (typeof s.description === "string") last.description = s.description;
    if (typeof s.strict === "boolean") last.strict = s.strict;
    out.push(last);
  });
}

function readToolChoice(c: v.InferOutput<typeof ToolChoice>, ir: IrRequest, ledger: Ledger): void {
  if (c.auto) ir.toolChoice = "auto";
  else if (c.any) ir.toolChoice = "required";
  else if (c.tool) ir.toolChoice = { tool: c.tool.name };
  else ledger.add("toolConfig.toolChoice", "no_target_analog");
}

/** §10.3 read, Claude's shape (D4): `enabled` is a budget, `adaptive` lets the model decide, `disabled` is no ask. */
function readThinking(value: unknown, ir: IrRequest, ledger: Ledger): void {
  const t = v.safeParse(Thinking, value);
  if (t.success && t.output.type === "enabled" && typeof t.output.budget_tokens === "number") ir.reasoning = { budget: t.output.budget_tokens };
  else if (t.success && t.output.type === "adaptive") ir.reasoning = "dynamic";
  else if (!t.success || t.output.type !== "disabled") ledger.add("additionalModelRequestFields.thinking", "no_target_analog");
}

// ---- errors ----


/** A vendor message, clipped. */
export const clip = clipMessage;

/**
 * `{"message"}` (AWS also sends `Message`, and `__type` on some paths) → kind and message. The exception name
 * refines the status where it says more: a 400 `ServiceQuotaExceededException` is quota, a 403 with a bad
 * signature is authentication (the lane's own key: reliability D1). Stage 1a (reliability.md §5): no code; the type
 * is the exception name from `__type` (or `code`), else from the `x-amzn-errortype` header.
 */
export function readError(status: number, body: string, headers?: Headers): UpstreamError {
  let kind = kindOfStatus(status);
  let message = `The upstream answered HTTP ${status}.`;
  let code: string | undefined;
  let type: string | undefined;
  let contextSignal = false;
  const json = errorJson(body);
  if (json !== undefined) {
    const parsed = v.safeParse(ErrorBody, json);
    if (parsed.success) {
      const e = parsed.output;
      const m = e.message ?? e.Message;
      if (typeof m === "string" && m !== "") {
        message = clip(m);
        // Bedrock sends an oversized input only as a 400 ValidationException (§5: "on 400 only").
        contextSignal = status === 400 && saysContextExceeded(m);
      }
      const name = e.__type ?? e.code;
      if (typeof name === "string" && name !== "") {
        code = name;
        kind = kindOfException(name) ?? kind;
        type = exceptionName(name);
      }
    }
  }
  type ??= exceptionName(headers?.get("x-amzn-errortype") ?? "");
  const out = { kind, message, ...(type !== undefined && { type }), contextSignal, keyRejected: false };
  return code === undefined ? out : { ...out, code };
}

/**
 * `com.amazon.coral.validate#ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/` →
 * `ValidationException`: cut at the first `:` (the Smithy AWS JSON rule for `x-amzn-errortype`), then keep what
 * follows the last `#` or `/` (reliability.md §5). Undefined when nothing is left.
 */
export function exceptionName(raw: string): string | undefined {
  const colon = raw.indexOf(":");
  const head = colon >= 0 ? raw.slice(0, colon) : raw;
  const name = head.slice(Math.max(head.lastIndexOf("#"), head.lastIndexOf("/")) + 1).trim();
  return name === "" ? undefined : name;
}

/**
 * reliability.md §5: the Gemini phrases. Also what Bedrock really sends for an oversized input: Converse's "Input is
 * too long for requested model." and the Claude model's own "prompt is too long: 200049 tokens > 200000 maximum".
 */
export function saysContextExceeded(message: string): boolean {
  const m = message.toLowerCase();
  return geminiSaysContextExceeded(message) || m.includes("too long for requested model") || m.includes("prompt is too long");
}
