// IR → Gemini generateContent request (protocols.md §6, §10.3, §10.4), and Gemini's google.rpc error envelope
// (§8; messages echo the caller's API version). Only Gemini shapes are emitted, never `model` or `stream` (they
// live in the URL); every IR field it cannot carry is a ledger entry under its IR path (`messages[2].content[0]`).
import type { Block, Cache } from "../../ir/content.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { rawNumberValue } from "../../ir/number.ts";
import type { IrRequest, IrTool, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { jsonError } from "../types.ts";
import { isObj, responseObject, writeMedia } from "./parts.ts";
import { isEmptyObjectSchema, sanitizeSchema } from "./schema.ts";
import { thinkingBudget } from "./tables.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_CODE = {
  invalid_request: [400, "INVALID_ARGUMENT"],
  authentication: [401, "UNAUTHENTICATED"],
  permission: [403, "PERMISSION_DENIED"],
  not_found: [404, "NOT_FOUND"],
  method_not_allowed: [405, "INVALID_ARGUMENT"],
  too_large: [400, "INVALID_ARGUMENT"],
  rate_limit: [429, "RESOURCE_EXHAUSTED"],
  quota: [429, "RESOURCE_EXHAUSTED"],
  server_error: [500, "INTERNAL"],
  overloaded: [503, "UNAVAILABLE"],
  timeout: [504, "DEADLINE_EXCEEDED"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

/** The google.rpc envelope's body for a kind (also the stream writer's mid-stream error frame, §9.6). */
export function errorEnvelope(kind: ErrorKind, message: string): { error: { code: number; message: string; status: string } } {
  const [code, status] = STATUS_AND_CODE[kind];
  return { error: { code, message, status } };
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, code] = STATUS_AND_CODE[err.kind];
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status, { error: { code: status, message: err.message, status: code } }, headers);
}

/** Google answers a bad key with 400 INVALID_ARGUMENT plus an ErrorInfo detail (platform.md §2). */
export function renderAuthFailure(_ctx: ErrorContext): RenderedError {
  return jsonError(400, {
    error: {
      code: 400,
      message: "API key not valid. Please pass a valid API key.",
      status: "INVALID_ARGUMENT",
      details: [{
        "@type": "type.googleapis.com/google.rpc.ErrorInfo",
        reason: "API_KEY_INVALID",
        domain: "googleapis.com",
        metadata: { service: "generativelanguage.googleapis.com" },
      }],
    },
  });
}

/** The not-found text Google uses for an unknown model. */
export function modelNotFoundMessage(name: string, apiVersion: string): string {
  return `models/${name} is not found for API version ${apiVersion}, or is not supported for the task you are trying to perform.`;
}

// ---- requests ----

/** Gemini accepts at most this many stop sequences and top logprobs (§6.1: logprobs clamp 5). */
const MAX_STOP = 5;
const MAX_LOGPROBS = 5;

type Turn = { role: "user" | "model"; parts: JsonObject[] };

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const own = ir.extra.source === "gemini" ? ir.extra.fields : {};
  const out: JsonObject = { contents: writeContents(ir, ledger) };
  const system = writeSystem(ir.system, ledger);
  if (system !== undefined) out.systemInstruction = system;

  const tools: unknown[] = [];
  if (ir.tools.length > 0) tools.push({ functionDeclarations: ir.tools.map((t, k) => writeTool(t, k, ledger)) });
  if (Array.isArray(own.tools)) tools.push(...own.tools); // hosted tools, from a Gemini caller only
  if (tools.length > 0) out.tools = tools;
  const toolConfig: JsonObject = isObj(own.toolConfig) ? { ...own.toolConfig } : {};
  if (ir.toolChoice !== undefined) {
    // Gemini rejects a function-calling mode without function declarations.
    if (ir.tools.length > 0) toolConfig.functionCallingConfig = writeToolChoice(ir.toolChoice);
    else ledger.add("tool_choice", "no_target_analog");
  }
  if (Object.keys(toolConfig).length > 0) out.toolConfig = toolConfig;
  // Gemini may always call several functions at once: only a request to call one at a time is lost.
  if (ir.parallelToolCalls === false) ledger.add("parallel_tool_calls", "no_target_analog");
  if (ir.user !== undefined) ledger.add("user", "no_target_analog");

  const generation = writeGeneration(ir, lane, ledger);
  if (isObj(own.generationConfig)) {
    for (const [k, v] of Object.entries(own.generationConfig)) if (!(k in generation)) generation[k] = v;
  }
  if (Object.keys(generation).length > 0) out.generationConfig = generation;

  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (ir.extra.source !== "gemini") ledger.add(`extra.${key}`, "source_only");
    else if (key !== "tools" && key !== "toolConfig" && key !== "generationConfig" && key !== "model" && key !== "stream") out[key] = value;
  }
  return out;
}

/** `systemInstruction.parts`: text only (§6.2); other system blocks are recorded. */
function writeSystem(system: Block[], ledger: Ledger): JsonObject | undefined {
  const parts: JsonObject[] = [];
  system.forEach((b, j) => {
    const at = `system[${j}]`;
    if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
    if (b.kind === "text") {
      if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
      parts.push({ text: b.text });
    } else if (b.kind === "json") parts.push({ text: JSON.stringify(b.value) });
    else ledger.add(at, "no_target_analog");
  });
  return parts.length > 0 ? { parts } : undefined;
}

/**
 * §6.2: adjacent turns of one Gemini role merge; in a user turn the `functionResponse` parts come first, in the
 * order of the calls they answer (Gemini pairs them by name and position, §6.6); never an empty turn.
 */
function writeContents(ir: IrRequest, ledger: Ledger): Turn[] {
  /** Tool-call id → its name and its position in its model turn: `functionResponse` needs both. */
  const calls = new Map<string, { name: string; order: number }>();
  for (const m of ir.messages) {
    if (m.role !== "assistant") continue;
    let order = 0;
    for (const b of m.content) if (b.kind === "tool_use") calls.set(b.id, { name: b.name, order: order++ });
  }
  /** Each `functionResponse` part → the id of the call it answers. */
  const answers = new Map<JsonObject, string>();
  const turns: Turn[] = [];
  ir.messages.forEach((m, i) => {
    const role = m.role === "assistant" ? "model" : "user";
    const parts: JsonObject[] = [];
    m.content.forEach((b, j) => {
      const p = writePart(b, `messages[${i}].content[${j}]`, calls, ledger);
      if (p === undefined) return;
      if (b.kind === "tool_result") answers.set(p, b.toolUseId);
      parts.push(p);
    });
    const last = turns.at(-1);
    if (last?.role === role) last.parts.push(...parts);
    else turns.push({ role, parts });
  });
  for (const t of turns) {
    if (t.role === "user") {
      const order = (p: JsonObject) => calls.get(answers.get(p) ?? "")?.order ?? Infinity;
      const responses = t.parts.filter((p) => answers.has(p)).sort((a, b) => order(a) - order(b));
      if (responses.length > 0) t.parts = [...responses, ...t.parts.filter((p) => !answers.has(p))];
    }
    if (t.parts.length === 0) t.parts.push({ text: "" });
  }
  return turns;
}

function writePart(b: Block, at: string, calls: Map<string, { name: string }>, ledger: Ledger): JsonObject | undefined {
  if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
  switch (b.kind) {
    case "text":
      if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
      return { text: b.text };
    case "json":
      return { text: JSON.stringify(b.value) };
    case "image": case "document": {
      const p = writeMedia(b.source);
      if (p === undefined) break;
      if (b.kind === "document" && b.name !== undefined) ledger.add(`${at}.name`, "no_target_analog");
      if (b.kind === "document" && b.title !== undefined) ledger.add(`${at}.title`, "no_target_analog");
      return p;
    }
    case "thinking":
      // §10.4: a signature verifies only at its issuer; unsigned thinking is plain thought text.
      if (b.signature === undefined) return { text: b.text, thought: true };
      if (b.signature.origin !== "gemini") break;
      return { text: b.text, thought: true, thoughtSignature: b.signature.value };
    case "redacted_thinking":
      break;
    case "tool_use": {
      // No `id`: Gemini pairs calls and responses by name and order, and its API has rejected ids in requests.
      const p: JsonObject = { functionCall: { name: b.name, args: isObj(b.input) ? b.input : { input: b.input } } };
      if (b.signature?.origin === "gemini") p.thoughtSignature = b.signature.value;
      else if (b.signature !== undefined) ledger.add(`${at}.signature`, "no_target_analog");
      return p;
    }
    case "tool_result": {
      const name = calls.get(b.toolUseId)?.name ?? "";
      const response = responseObject(b.content, b.isError, at, ledger);
      // No `id` either: the ids only order the parts (writeContents); Gemini pairs them by name (§6.6).
      return { functionResponse: { name, response } };
    }
  }
  ledger.add(at, "no_target_analog");
  return undefined;
}

/** A declaration; its schema sanitised (§6.4). A tool without arguments is declared without `parameters`. */
function writeTool(t: IrTool, k: number, ledger: Ledger): JsonObject {
  cacheDrop(t.cache, `tools[${k}]`, ledger);
  // Strict argument validation is a promise Gemini cannot make; `strict: false` is everyone's default.
  if (t.strict === true) ledger.add(`tools[${k}].strict`, "no_target_analog");
  const out: JsonObject = { name: t.name };
  if (t.description !== undefined) out.description = t.description;
  if (!isEmptyObjectSchema(t.schema)) out.parameters = sanitizeSchema(t.schema, `tools[${k}].schema`, ledger);
  return out;
}

/** §6.4 table. */
function writeToolChoice(c: ToolChoice): JsonObject {
  if (c === "auto") return { mode: "AUTO" };
  if (c === "none") return { mode: "NONE" };
  if (c === "required") return { mode: "ANY" };
  return { mode: "ANY", allowedFunctionNames: [c.tool] };
}

function writeGeneration(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const g: JsonObject = {};
  if (ir.stop.length > 0) {
    g.stopSequences = ir.stop.slice(0, MAX_STOP);
    if (ir.stop.length > MAX_STOP) ledger.add("stop", "clamped");
  }
  if (ir.maxTokens !== undefined) g.maxOutputTokens = ir.maxTokens;
  if (ir.temperature !== undefined) g.temperature = ir.temperature;
  if (ir.topP !== undefined) g.topP = ir.topP;
  if (ir.topK !== undefined) g.topK = ir.topK;
  if (ir.n !== undefined) g.candidateCount = ir.n;
  if (ir.seed !== undefined) g.seed = rawNumberValue(ir.seed);
  if (ir.presencePenalty !== undefined) g.presencePenalty = ir.presencePenalty;
  if (ir.frequencyPenalty !== undefined) g.frequencyPenalty = ir.frequencyPenalty;
  if (ir.responseFormat !== undefined) writeFormat(ir.responseFormat, g, ledger);
  if (ir.logprobs !== undefined) g.responseLogprobs = ir.logprobs;
  if (ir.topLogprobs !== undefined) {
    g.logprobs = Math.min(ir.topLogprobs, MAX_LOGPROBS);
    if (ir.topLogprobs > MAX_LOGPROBS) ledger.add("top_logprobs", "clamped");
  }
  if (ir.reasoning !== undefined) {
    // §10.3: the ask crosses only to reasoning lanes.
    if (lane.reasoning) g.thinkingConfig = { thinkingBudget: thinkingBudget(ir.reasoning), includeThoughts: true };
    else ledger.add("reasoning", "capability_gate");
  }
  return g;
}

/**
 * §6.5: JSON output is `responseMimeType: application/json` + the sanitised `responseSchema`. The schema's name and
 * strictness need no field (Gemini always enforces the schema it is given); a description the model would read does.
 */
function writeFormat(f: ResponseFormat, g: JsonObject, ledger: Ledger): void {
  if (!f.json) {
    g.responseMimeType = "text/plain";
    return;
  }
  g.responseMimeType = "application/json";
  if (f.schema !== undefined) g.responseSchema = sanitizeSchema(f.schema, "response_format.schema", ledger);
  if (f.description !== undefined) ledger.add("response_format.description", "no_target_analog");
}

/** Gemini has no cache markers (context caching is `cachedContent`, a different thing): each one is recorded. */
function cacheDrop(cache: Cache | undefined, at: string, ledger: Ledger): void {
  if (cache !== undefined) ledger.add(`${at}.cache_control`, "no_target_analog");
}
