// Bedrock's error envelope: `{"message","__type"}` plus `x-amzn-ErrorType` / `x-amzn-RequestId` (protocols.md §8),
// and the IR → Converse request writer (§6): only Converse shapes, never `model` or `stream` (the URL carries
// them), `cachePoint` after each marked block on prompt-caching lanes (§3.3 step 6), the Claude thinking ask on
// reasoning lanes (spec README D4), and a ledger entry for everything else that cannot cross.
import type { Block, Cache } from "../../ir/content.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { claudeSampling, claudeThinkingBudget } from "../../ir/reasoning.ts";
import type { IrRequest } from "../../ir/request.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { jsonError } from "../types.ts";
import { type WriteState, writeBlock } from "./blocks.ts";
import { writeCachePoint } from "./tables.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_EXCEPTION = {
  invalid_request: [400, "ValidationException"],
  authentication: [403, "AccessDeniedException"],
  permission: [403, "AccessDeniedException"],
  not_found: [404, "ResourceNotFoundException"],
  method_not_allowed: [405, "ValidationException"],
  too_large: [400, "ValidationException"],
  rate_limit: [429, "ThrottlingException"],
  quota: [400, "ServiceQuotaExceededException"],
  server_error: [500, "InternalServerException"],
  overloaded: [503, "ServiceUnavailableException"],
  timeout: [408, "ModelTimeoutException"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

export function renderError(err: GatewayError, ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_EXCEPTION[err.kind];
  const headers: Record<string, string> = { "x-amzn-errortype": type, "x-amzn-requestid": ctx.requestId };
  if (err.retryAfter !== undefined) headers["retry-after"] = String(err.retryAfter);
  return jsonError(status, { message: err.message, __type: type }, headers);
}

/** A bad key or signature looks like AWS's own: 403 AccessDeniedException with an empty message (platform.md §2). */
export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "" }, ctx);
}

// ---- request ----

/** A written block and the `cachePoint` that follows it, kept together when a user turn is reordered. */
type Unit = { block: JsonObject; cachePoint?: JsonObject };
type Turn = { role: "user" | "assistant"; units: Unit[] };

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const st: WriteState = { ledger, documents: 0 };
  const cache = (c: Cache | undefined, at: string): JsonObject | undefined => {
    if (c === undefined) return undefined;
    if (lane.promptCaching) return writeCachePoint(c);
    ledger.add(`${at}.cache_control`, "capability_gate"); // §3.3 step 6: cachePoint is model-gated
    return undefined;
  };

  const system = writeSystem(ir.system, st, cache);
  const turns = writeMessages(ir, st, cache);
  const out: JsonObject = {
    messages: turns.map((t) => ({ role: t.role, content: t.units.flatMap((u) => (u.cachePoint ? [u.block, u.cachePoint] : [u.block])) })),
  };
  if (system.length > 0) out.system = system;

  const own = ir.extra.source === "bedrock" ? ir.extra.fields : {};
  const amrf: JsonObject = isObject(own.additionalModelRequestFields) ? { ...own.additionalModelRequestFields } : {};
  const inference: JsonObject = {};
  // §10.3 via D4: Claude on Bedrock wants maxTokens above the budget, so a thinking request without one gets the
  // lane's default (as §3.3 step 2 does for Anthropic).
  const maxTokens = ir.maxTokens ?? lane.defaultMaxTokens;
  const budget = thinkingBudget(ir, lane, maxTokens, turns, ledger);
  const thinking = budget !== undefined;
  if (thinking) {
    amrf.thinking = { type: "enabled", budget_tokens: budget };
    inference.maxTokens = maxTokens;
  } else if (ir.maxTokens !== undefined) inference.maxTokens = ir.maxTokens;

  // Claude's rules (§6.1, §10.3); top_k is judged below, where it is written, so the ledger keeps its order.
  const sampling = claudeSampling({ temperature: ir.temperature, topP: ir.topP }, thinking, ledger);
  if (sampling.temperature !== undefined) inference.temperature = sampling.temperature;
  if (sampling.topP !== undefined) inference.topP = sampling.topP;
  if (ir.stop.length > 0) inference.stopSequences = ir.stop;
  if (Object.keys(inference).length > 0) out.inferenceConfig = inference;

  const toolConfig = writeToolConfig(ir, thinking, st, cache);
  if (toolConfig !== undefined) out.toolConfig = toolConfig;

  const topK = claudeSampling({ topK: ir.topK }, thinking, ledger).topK;
  if (topK !== undefined) amrf.top_k = topK;
  if (Object.keys(amrf).length > 0) out.additionalModelRequestFields = amrf;

  // No Converse analog (§6.1; structured output per D5).
  if (ir.responseFormat !== undefined) ledger.add("response_format", "no_target_analog");
  if (ir.seed !== undefined) ledger.add("seed", "no_target_analog");
  if (ir.frequencyPenalty !== undefined) ledger.add("frequency_penalty", "no_target_analog");
  if (ir.presencePenalty !== undefined) ledger.add("presence_penalty", "no_target_analog");
  if (ir.logprobs === true) ledger.add("logprobs", "no_target_analog");
  if (ir.topLogprobs !== undefined) ledger.add("top_logprobs", "no_target_analog");
  if (ir.user !== undefined) ledger.add("user", "no_target_analog");

  // The URL carries model and stream (§1): never in the body.
  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (ir.extra.source !== "bedrock") ledger.add(`extra.${key}`, "source_only");
    else if (!(key in out) && key !== "additionalModelRequestFields" && key !== "model" && key !== "stream") out[key] = value;
  }
  return out;
}

function isObject(x: unknown): x is JsonObject {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

type CacheWriter = (c: Cache | undefined, at: string) => JsonObject | undefined;

/** Text blocks only (§6.2), each followed by its cachePoint. */
function writeSystem(system: Block[], st: WriteState, cache: CacheWriter): JsonObject[] {
  const out: JsonObject[] = [];
  system.forEach((b, j) => {
    const at = `system[${j}]`;
    if (b.kind !== "text") { st.ledger.add(at, "no_target_analog"); return; }
    if (b.citations) st.ledger.add(`${at}.citations`, "no_target_analog");
    out.push({ text: b.text });
    const cp = cache(b.cache, at);
    if (cp) out.push(cp);
  });
  return out;
}

/** §6.2: adjacent turns of one role merge; in user turns `toolResult` blocks come first; never an empty turn. */
function writeMessages(ir: IrRequest, st: WriteState, cache: CacheWriter): Turn[] {
  const turns: Turn[] = [];
  ir.messages.forEach((m, i) => {
    const role = m.role === "assistant" ? "assistant" : "user";
    const units: Unit[] = [];
    m.content.forEach((b, j) => {
      const at = `messages[${i}].content[${j}]`;
      const block = writeBlock(b, at, st);
      if (block === undefined) return;
      const cachePoint = b.kind === "json" ? undefined : cache(b.cache, at);
      units.push(cachePoint ? { block, cachePoint } : { block });
    });
    const last = turns.at(-1);
    if (last?.role === role) last.units.push(...units);
    else turns.push({ role, units });
  });
  for (const t of turns) {
    if (t.role === "user" && t.units.some((u) => "toolResult" in u.block)) {
      t.units = [...t.units.filter((u) => "toolResult" in u.block), ...t.units.filter((u) => !("toolResult" in u.block))];
    }
    if (t.units.length === 0) t.units.push({ block: { text: "" } });
  }
  return turns;
}

/** §6.4: `toolConfig` only with tools; `none` has no Converse form; forced choices yield to thinking (§10.3). */
function writeToolConfig(ir: IrRequest, thinking: boolean, st: WriteState, cache: CacheWriter): JsonObject | undefined {
  const { ledger } = st;
  if (ir.parallelToolCalls !== undefined) ledger.add("parallel_tool_calls", "no_target_analog");
  if (ir.tools.length === 0) {
    if (ir.toolChoice !== undefined) ledger.add("tool_choice", "no_target_analog"); // Converse rejects toolChoice without tools
    return undefined;
  }
  const tools: JsonObject[] = [];
  ir.tools.forEach((t, k) => {
    const spec: JsonObject = { name: t.name };
    if (t.description !== undefined) spec.description = t.description;
    const schema = isObject(t.schema) ? t.schema : {};
    spec.inputSchema = { json: "type" in schema ? schema : { type: "object", ...schema } };
    if (t.strict !== undefined) spec.strict = t.strict;
    tools.push({ toolSpec: spec });
    const cp = cache(t.cache, `tools[${k}]`);
    if (cp) tools.push(cp);
  });
  const out: JsonObject = { tools };
  const c = ir.toolChoice;
  if (c === undefined) return out;
  if (c === "none") {
    ledger.add("tool_choice", "no_target_analog");
    return out;
  }
  if (c === "auto" || (thinking && (c === "required" || typeof c === "object"))) {
    if (c !== "auto") ledger.add("tool_choice", "capability_gate"); // Claude rejects forced tool use with thinking on
    out.toolChoice = { auto: {} };
  } else if (c === "required") out.toolChoice = { any: {} };
  else out.toolChoice = { tool: { name: c.tool } };
  return out;
}

/** §10.3 write (Anthropic's rules, Claude being the D4 family): capped at maxTokens − 1024, dropped below 1024. */
function thinkingBudget(ir: IrRequest, lane: EgressOptions, maxTokens: number, turns: Turn[], ledger: Ledger): number | undefined {
  const budget = claudeThinkingBudget(ir.reasoning, lane.reasoning, maxTokens, ledger);
  if (budget === undefined) return undefined;
  // A tool-use continuation whose assistant turn lacks its signed reasoning is rejected with thinking on.
  const lastAssistant = turns.findLast((t) => t.role === "assistant");
  if (lastAssistant && lastAssistant.units.some((u) => "toolUse" in u.block) && !lastAssistant.units.some((u) => "reasoningContent" in u.block)) {
    ledger.add("reasoning", "capability_gate");
    return undefined;
  }
  return budget;
}
