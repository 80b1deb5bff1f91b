// Gemini generateContent request → IR (protocols.md §6), and upstream error bodies → kinds (§8). `model` turns are
// assistant messages, `functionResponse` parts become IR `tool` messages paired with the calls they answer (§6.6),
// hosted tools and unmodeled knobs go to `extra` (a Gemini lane writes them back; others record them), and what has
// no IR form at all is recorded in the ledger under its native path (`contents[2].parts[0]`).
import * as v from "valibot";
import { clipMessage, errorJson } from "../error-body.ts";
import { parse } from "../check.ts";
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { isIntegerLexeme, type RawNumber } from "../../ir/number.ts";
import type { IrMessage, IrRequest, IrTool, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import type { JsonObject, ReadContext, UpstreamError } from "../codec.ts";
import { topLevelValueRanges } from "../splice.ts";
import { kindOfStatus, mayCarryContextSignal } from "../status.ts";
import { readModelParts, readResponseObject, wireContent, wirePart } from "./parts.ts";
import { readOpenApiSchema } from "./schema.ts";
import { effortOfLevel, kindOfRpcStatus, syntheticCallId } from "./tables.ts";
import {
  ErrorBody, type GenerationConfig, MODELED_GENERATION_KEYS, MODELED_REQUEST_KEYS, Request,
  type Tool, type ToolConfig,
} from "./wire.ts";

export function readRequest(body: JsonObject, ctx: ReadContext): IrRequest {
  const req = parse(Request, body);
  const { ledger } = ctx;
  // The stream switch is the URL's action, which the seam knows; a Gemini body never says.
  const ir: IrRequest = { system: [], messages: [], tools: [], stop: [], stream: false, extra: { source: "gemini", fields: {} } };
  const extra = ir.extra.fields;

  const sys = req.systemInstruction;
  if (typeof sys === "string") ir.system.push({ kind: "text", text: sys });
  else if (sys) readSystem(sys.parts ?? [], ir.system, ledger);

  readContents(req.contents, ir.messages, ledger);
  if (req.tools) readTools(req.tools, ir, ledger);
  if (req.toolConfig) readToolConfig(req.toolConfig, ir, ledger);
  if (req.generationConfig) readGeneration(req.generationConfig, ir, ledger, ctx.raw);

  for (const key of Object.keys(body)) {
    if (!MODELED_REQUEST_KEYS.has(key)) extra[key] = body[key];
  }
  return ir;
}

/** `systemInstruction.parts`: text and media; anything else has no place in IR system content. */
function readSystem(parts: readonly unknown[], out: Block[], ledger: Ledger): void {
  parts.forEach((raw, j) => {
    const p = wirePart(raw, `systemInstruction.parts[${j}]`);
    if (p.kind === "text" && !p.thought) out.push({ kind: "text", text: p.text });
    else if (p.kind === "media") out.push(p.block);
    else ledger.add(`systemInstruction.parts[${j}]`, "no_target_analog");
  });
}

/** A call of the latest model turn, for pairing the responses that follow it (§6.6). */
interface Call { readonly name: string; readonly id: string }

function readContents(contents: readonly unknown[], out: IrMessage[], ledger: Ledger): void {
  let calls: Call[] = [];
  /** Responses already paired per name since the latest model turn: the n-th answers the n-th call. */
  let answered = new Map<string, number>();
  contents.forEach((raw, i) => {
    const at = `contents[${i}]`;
    const { role, parts } = wireContent(raw, at);
    if (role === "model") {
      const content = readModelParts(parts, `${at}.parts`, ledger, (n) => `${i}.${n}`);
      calls = content.flatMap((b) => (b.kind === "tool_use" ? [{ name: b.name, id: b.id }] : []));
      answered = new Map();
      out.push({ role: "assistant", content });
      return;
    }
    // `user`, an absent role, and the legacy `function` role.
    const pair = (name: string, j: number) => {
      const n = answered.get(name) ?? 0;
      answered.set(name, n + 1);
      return calls.filter((x) => x.name === name)[n]?.id ?? syntheticCallId(`${i}.${j}`, name, undefined);
    };
    const runs = readUserParts(parts, `${at}.parts`, ledger, pair);
    out.push(...runs);
    if (runs.length === 0) out.push({ role: "user", content: [] });
  });
}

/** A user turn's parts → IR messages in order: runs of `functionResponse` parts are `tool` messages. */
function readUserParts(parts: readonly unknown[], at: string, ledger: Ledger, pair: (name: string, j: number) => string): IrMessage[] {
  const out: IrMessage[] = [];
  const push = (role: "user" | "tool", b: Block) => {
    const last = out.at(-1);
    if (last?.role === role) last.content.push(b);
    else out.push({ role, content: [b] });
  };
  parts.forEach((raw, j) => {
    const p = wirePart(raw, `${at}[${j}]`);
    switch (p.kind) {
      case "text":
        if (p.thought) { ledger.add(`${at}[${j}]`, "no_target_analog"); return; } // thoughts belong to model turns
        push("user", { kind: "text", text: p.text });
        return;
      case "media":
        push("user", p.block);
        return;
      case "response": {
        push("tool", { kind: "tool_result", toolUseId: p.id ?? pair(p.name, j), ...readResponseObject(p.response) });
        return;
      }
      case "call": case "other":
        ledger.add(`${at}[${j}]`, "no_target_analog");
        return;
    }
  });
  return out;
}

/** Function declarations → IR tools; hosted tools (`googleSearch`, `codeExecution`, …) → `extra.tools`. */
function readTools(tools: v.InferOutput<typeof Tool>[], ir: IrRequest, ledger: Ledger): void {
  const hosted: unknown[] = [];
  tools.forEach((t, k) => {
    (t.functionDeclarations ?? []).forEach((f, m) => {
      const schema = f.parametersJsonSchema ?? (f.parameters !== undefined && f.parameters !== null ? readOpenApiSchema(f.parameters) : {});
      const tool: IrTool = { name: f.name, schema };
      if (typeof f.description === "string") tool.description = f.description;
      for (const key of Object.keys(f)) {
        if (!DECLARATION_KEYS.has(key) && f[key] != null) ledger.add(`tools[${k}].functionDeclarations[${m}].${key}`, "no_target_analog");
      }
      ir.tools.push(tool);
    });
    const rest = Object.fromEntries(Object.entries(t).filter(([key, value]) => key !== "functionDeclarations" && value != null));
    if (Object.keys(rest).length > 0) hosted.push(rest);
  });
  if (hosted.length > 0) ir.extra.fields.tools = hosted;
}

const DECLARATION_KEYS: ReadonlySet<string> = new Set(["name", "description", "parameters", "parametersJsonSchema"]);

/** `functionCallingConfig` → toolChoice (§6.4); other toolConfig keys ride in `extra.toolConfig`. */
function readToolConfig(tc: v.InferOutput<typeof ToolConfig>, ir: IrRequest, ledger: Ledger): void {
  const at = "toolConfig.functionCallingConfig";
  const f = tc.functionCallingConfig;
  if (f) {
    const names = f.allowedFunctionNames ?? [];
    let choice: ToolChoice | undefined;
    switch (f.mode) {
      case "AUTO": choice = "auto"; break;
      case "NONE": choice = "none"; break;
      case "ANY": choice = names.length === 1 ? { tool: names[0]! } : "required"; break;
      case "VALIDATED": choice = "auto"; ledger.add(`${at}.mode`, "no_target_analog"); break; // calls or text, schema-checked
      case undefined: case null: case "MODE_UNSPECIFIED": break;
      default: ledger.add(`${at}.mode`, "no_target_analog");
    }
    if (choice !== undefined) ir.toolChoice = choice;
    // Several allowed names read as `required` (§6.4); names with a mode other than ANY narrow nothing the IR says.
    if (names.length > 1 || (names.length > 0 && f.mode !== "ANY")) ledger.add(`${at}.allowedFunctionNames`, "no_target_analog");
    for (const key of Object.keys(f)) {
      if (key !== "mode" && key !== "allowedFunctionNames" && f[key] != null) ledger.add(`${at}.${key}`, "no_target_analog");
    }
  }
  const rest = Object.fromEntries(Object.entries(tc).filter(([key, value]) => key !== "functionCallingConfig" && value != null));
  if (Object.keys(rest).length > 0) ir.extra.fields.toolConfig = rest;
}

type Generation = v.InferOutput<typeof GenerationConfig>;

function readGeneration(g: Generation, ir: IrRequest, ledger: Ledger, raw: string): void {
  const at = "generationConfig";
  if (typeof g.maxOutputTokens === "number") ir.maxTokens = g.maxOutputTokens;
  if (typeof g.temperature === "number") ir.temperature = g.temperature;
  if (typeof g.topP === "number") ir.topP = g.topP;
  if (typeof g.topK === "number") ir.topK = g.topK;
  if (typeof g.candidateCount === "number") ir.n = g.candidateCount;
  if (typeof g.frequencyPenalty === "number") ir.frequencyPenalty = g.frequencyPenalty;
  if (typeof g.presencePenalty === "number") ir.presencePenalty = g.presencePenalty;
  if (typeof g.seed === "number") ir.seed = seedLexeme(g.seed, raw);
  if (g.stopSequences) ir.stop = g.stopSequences.filter((s) => s !== "");
  const format = readFormat(g, ledger);
  if (format !== undefined) ir.responseFormat = format;
  if (typeof g.responseLogprobs === "boolean") ir.logprobs = g.responseLogprobs;
  if (typeof g.logprobs === "number") ir.topLogprobs = g.logprobs;
  const t = g.thinkingConfig;
  if (t) {
    // §10.3 read: a budget > 0 is the ask, −1 is dynamic, 0 is no ask; Gemini 3's level is an effort word.
    const b = t.thinkingBudget;
    const effort = typeof t.thinkingLevel === "string" ? effortOfLevel(t.thinkingLevel) : undefined;
    if (typeof b === "number" && b > 0) ir.reasoning = { budget: b };
    else if (b === -1) ir.reasoning = "dynamic";
    else if (effort !== undefined && b === undefined) ir.reasoning = { effort };
    if (typeof t.thinkingLevel === "string" && effort === undefined) ledger.add(`${at}.thinkingConfig.thinkingLevel`, "no_target_analog");
    // Thinking that stays hidden has no IR form: other protocols return what their model thinks.
    if (t.includeThoughts === false && ir.reasoning !== undefined) ledger.add(`${at}.thinkingConfig.includeThoughts`, "no_target_analog");
  }
  const rest = Object.fromEntries(Object.entries(g).filter(([key, value]) => !MODELED_GENERATION_KEYS.has(key) && value != null));
  if (Object.keys(rest).length > 0) ir.extra.fields.generationConfig = rest;
}

/** §6.5: `application/json` (+ schema) is JSON output, `text/plain` plain text; other MIME types have no IR form. */
function readFormat(g: Generation, ledger: Ledger): ResponseFormat | undefined {
  const schema = g.responseJsonSchema ?? (g.responseSchema != null ? readOpenApiSchema(g.responseSchema) : undefined);
  switch (g.responseMimeType) {
    case "application/json":
      return schema !== undefined ? { json: true, schema } : { json: true };
    case "text/plain":
      return { json: false };
    case undefined: case null:
      if (schema !== undefined) ledger.add("generationConfig.responseSchema", "no_target_analog"); // Gemini needs the MIME type too
      return undefined;
    default:
      ledger.add("generationConfig.responseMimeType", "no_target_analog"); // text/x.enum and friends
      if (schema !== undefined) ledger.add("generationConfig.responseSchema", "no_target_analog");
      return undefined;
  }
}

/**
 * A seed beyond 2^53 keeps its lexeme (§5.2). It sits inside `generationConfig`, so the raw text of that object is
 * found first and the seed within it. A safe integer is its own lexeme: the body is not scanned.
 */
function seedLexeme(seed: number, raw: string): RawNumber {
  if (Number.isSafeInteger(seed)) return { lexeme: String(seed) };
  const g = topLevelValueRanges(raw, "generationConfig").at(-1);
  const s = g === undefined ? undefined : topLevelValueRanges(raw.slice(g[0], g[1]), "seed").at(-1);
  const lexeme = g === undefined || s === undefined ? "" : raw.slice(g[0] + s[0], g[0] + s[1]);
  return { lexeme: isIntegerLexeme(lexeme) ? lexeme : String(seed) };
}

// ---- errors ----


/**
 * `{"error":{"code","message","status","details"}}` (also as the one element of an array, as `:streamGenerateContent`
 * without `alt=sse` sends it) → kind, message and the google.rpc status. The body refines the HTTP status: Google
 * answers a bad key with 400 and `API_KEY_INVALID`, an authentication error. Stage 1a (reliability.md §5): the code
 * is `error.code` as a string (else the status name), the type is the status name.
 */
export function readError(status: number, body: string): UpstreamError {
  const statusKind = kindOfStatus(status);
  let kind = statusKind;
  let message = `The upstream answered HTTP ${status}.`;
  let code: string | undefined;
  let errorCode: string | undefined;
  let contextSignal = false;
  let keyRejected = false;
  const json = errorJson(body);
  if (json !== undefined) {
    const parsed = v.safeParse(ErrorBody, Array.isArray(json) ? json[0] : json);
    if (parsed.success) {
      const e = parsed.output.error;
      if (typeof e.message === "string" && e.message !== "") {
        message = clip(e.message);
        contextSignal = mayCarryContextSignal(status) && saysContextExceeded(e.message);
      }
      if (typeof e.status === "string") {
        code = e.status;
        const k = kindOfRpcStatus(e.status);
        // 413 says more than INVALID_ARGUMENT; otherwise the body's status is the more precise word.
        if (k !== undefined && statusKind !== "too_large") kind = k;
      }
      errorCode = typeof e.code === "number" ? String(e.code) : code;
      if (e.details?.some((d) => d.reason === "API_KEY_INVALID")) {
        kind = "authentication";
        keyRejected = status === 400 || status === 403;
      }
    }
  }
  const out = { kind, message, ...(errorCode !== undefined && { errorCode }), contextSignal, keyRejected };
  return code === undefined ? out : { ...out, code, type: code };
}

/**
 * reliability.md §5, Gemini's phrases (Bedrock reads them too): "input is longer than the maximum number of
 * tokens"; "token count … exceeds … maximum" (`The input token count (1200000) exceeds the maximum number of tokens
 * allowed (1048576).`); "exceeds the maximum" with "token" or "context".
 */
export function saysContextExceeded(message: string): boolean {
  const m = message.toLowerCase();
  return m.includes("input is longer than the maximum number of tokens")
    || inOrder(m, "token count", "exceeds", "maximum")
    || (m.includes("exceeds the maximum") && (m.includes("token") || m.includes("context")));
}

/** The words occur in this order (indexOf, not a backtracking regex: a message may be 64 KiB). */
function inOrder(text: string, ...words: string[]): boolean {
  let at = 0;
  for (const w of words) {
    const i = text.indexOf(w, at);
    if (i < 0) return false;
    at = i + w.length;
  }
  return true;
}

export const clip = clipMessage;
