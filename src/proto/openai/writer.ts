// IR → Chat Completions request (protocols.md §6, §10.3, §10.4), and OpenAI's error envelope, shared by Chat
// Completions and Responses (§8). Only Chat Completions shapes are emitted; every IR field it cannot carry is a
// ledger entry under its IR path (`messages[2].content[0].cache_control`, `top_k`).
import type { Block, Cache } from "../../ir/content.ts";
import type { ErrorContext, ErrorKind, GatewayError, RenderedError } from "../../ir/errors.ts";
import type { Ledger } from "../../ir/ledger.ts";
import { rawNumberValue } from "../../ir/number.ts";
import type { IrMessage, IrRequest, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { jsonError } from "../types.ts";
import { dataUrl, effortWord } from "../openai-family.ts";
import { argumentsText } from "./tables.ts";

/** Status and type per error kind; a missing kind is a compile error. */
const STATUS_AND_TYPE = {
  invalid_request: [400, "invalid_request_error"],
  authentication: [401, "authentication_error"],
  permission: [403, "permission_error"],
  not_found: [404, "not_found_error"],
  method_not_allowed: [405, "invalid_request_error"],
  too_large: [413, "invalid_request_error"],
  rate_limit: [429, "rate_limit_error"],
  quota: [429, "insufficient_quota"],
  server_error: [500, "server_error"],
  overloaded: [503, "server_error"],
  timeout: [504, "server_error"],
} as const satisfies Record<ErrorKind, readonly [number, string]>;

function defaultCode(kind: ErrorKind): string | null {
  if (kind === "authentication") return "invalid_api_key";
  if (kind === "quota") return "insufficient_quota";
  return null;
}

export function renderError(err: GatewayError, _ctx: ErrorContext): RenderedError {
  const [status, type] = STATUS_AND_TYPE[err.kind];
  const headers: Record<string, string> = err.retryAfter !== undefined ? { "retry-after": String(err.retryAfter) } : {};
  return jsonError(status, {
    error: { message: err.message, type, param: err.param ?? null, code: err.code ?? defaultCode(err.kind) },
  }, headers);
}

export function renderAuthFailure(ctx: ErrorContext): RenderedError {
  return renderError({ kind: "authentication", message: "Incorrect API key provided." }, ctx);
}

/** The mid-stream error frame's body (§9.6): the envelope's fields in the order the spec lists them. */
export function streamErrorJson(kind: ErrorKind, message: string): string {
  return JSON.stringify({ error: { message, type: STATUS_AND_TYPE[kind][1], code: defaultCode(kind), param: null } });
}

// ---- requests ----

/** The API caps `top_logprobs` at 20. */
const MAX_TOP_LOGPROBS = 20;

/** Responses knobs with the same meaning in Chat Completions, honoured when a Responses caller sent them (§3.3 step 8). */
const SHARED_RESPONSES_KNOBS: ReadonlySet<string> = new Set([
  "metadata", "store", "service_tier", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
]);

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const messages: JsonObject[] = [];
  writeSystem(ir.system, messages, ledger);
  ir.messages.forEach((m, i) => writeMessage(m, `messages[${i}]`, messages, ledger));
  const out: JsonObject = { model: lane.model, messages };

  if (ir.tools.length > 0) {
    out.tools = ir.tools.map((t, k) => {
      cacheDrop(t.cache, `tools[${k}]`, ledger);
      const fn: JsonObject = { name: t.name };
      if (t.description !== undefined) fn.description = t.description;
      fn.parameters = t.schema ?? {};
      if (t.strict !== undefined) fn.strict = t.strict;
      return { type: "function", function: fn };
    });
  }
  // A tool choice or parallel switch without tools is rejected by the API.
  if (ir.toolChoice !== undefined) {
    if (ir.tools.length > 0) out.tool_choice = writeToolChoice(ir.toolChoice);
    else ledger.add("tool_choice", "no_target_analog");
  }
  if (ir.parallelToolCalls !== undefined) {
    if (ir.tools.length > 0) out.parallel_tool_calls = ir.parallelToolCalls;
    else ledger.add("parallel_tool_calls", "no_target_analog");
  }

  // D6: reasoning models reject `max_tokens`.
  if (ir.maxTokens !== undefined) out[lane.reasoning ? "max_completion_tokens" : "max_tokens"] = ir.maxTokens;
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  if (ir.topK !== undefined) ledger.add("top_k", "no_target_analog");
  if (ir.n !== undefined) out.n = ir.n;
  if (ir.frequencyPenalty !== undefined) out.frequency_penalty = ir.frequencyPenalty;
  if (ir.presencePenalty !== undefined) out.presence_penalty = ir.presencePenalty;
  if (ir.seed !== undefined) out.seed = rawNumberValue(ir.seed);
  if (ir.stop.length > 0) out.stop = ir.stop;
  if (ir.responseFormat !== undefined) out.response_format = writeFormat(ir.responseFormat);
  if (ir.reasoning !== undefined) {
    if (lane.reasoning) out.reasoning_effort = effortWord(ir.reasoning);
    else ledger.add("reasoning", "capability_gate"); // §10.3: the ask crosses only to reasoning lanes
  }
  if (ir.logprobs !== undefined) out.logprobs = ir.logprobs;
  if (ir.topLogprobs !== undefined) {
    out.top_logprobs = Math.min(ir.topLogprobs, MAX_TOP_LOGPROBS);
    if (ir.topLogprobs > MAX_TOP_LOGPROBS) ledger.add("top_logprobs", "clamped");
  }
  if (ir.user !== undefined) out.user = ir.user;
  if (lane.stream) {
    out.stream = true;
    out.stream_options = { include_usage: true }; // §3.3: usage is always observable
  }

  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (key in out) continue; // a modeled field wins over a stray copy
    if (ir.extra.source === "openai" || (ir.extra.source === "responses" && SHARED_RESPONSES_KNOBS.has(key))) out[key] = value;
    else ledger.add(`extra.${key}`, "source_only");
  }
  return out;
}

/** System blocks → one `system` message: a string for one text block, text parts for several (§6.2). */
function writeSystem(system: Block[], messages: JsonObject[], ledger: Ledger): void {
  const parts: JsonObject[] = [];
  system.forEach((b, j) => {
    const at = `system[${j}]`;
    if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
    if (b.kind === "text") {
      if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
      parts.push({ type: "text", text: b.text });
    } else if (b.kind === "json") {
      parts.push({ type: "text", text: JSON.stringify(b.value) });
    } else {
      ledger.add(at, "no_target_analog"); // system messages carry text only
    }
  });
  if (parts.length === 0) return;
  messages.push({ role: "system", content: parts.length === 1 ? parts[0]!.text : parts });
}

function writeMessage(m: IrMessage, path: string, messages: JsonObject[], ledger: Ledger): void {
  if (m.role === "assistant") { writeAssistant(m.content, path, messages, ledger); return; }
  // Tool results go first, as `tool` messages right after the assistant turn that called; anything else in the
  // turn follows as a user message (§6.2).
  const parts: JsonObject[] = [];
  m.content.forEach((b, j) => {
    const at = `${path}.content[${j}]`;
    if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
    if (b.kind === "tool_result") {
      if (b.isError) ledger.add(`${at}.is_error`, "no_target_analog");
      messages.push({ role: "tool", tool_call_id: b.toolUseId, content: toolOutput(b.content, at, ledger) });
      return;
    }
    const p = userPart(b, at, ledger);
    if (p) parts.push(p);
  });
  if (m.role === "tool" && parts.length === 0) return;
  const only = parts.length === 1 ? parts[0] : undefined;
  const content = parts.length === 0 ? "" : only?.type === "text" ? only.text : parts;
  messages.push({ role: "user", content });
}

/** Assistant text joins into `content`; tool calls keep their exact argument text; thinking has no request form. */
function writeAssistant(blocks: Block[], path: string, messages: JsonObject[], ledger: Ledger): void {
  let content: string | undefined;
  const calls: JsonObject[] = [];
  blocks.forEach((b, j) => {
    const at = `${path}.content[${j}]`;
    if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
    switch (b.kind) {
      case "text":
        if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
        content = (content ?? "") + b.text;
        return;
      case "json":
        content = (content ?? "") + JSON.stringify(b.value);
        return;
      case "tool_use":
        calls.push({ id: b.id, type: "function", function: { name: b.name, arguments: argumentsText(b.input, b.inputText) } });
        return;
      default:
        // Thinking (signed or not: Chat Completions takes no reasoning back, §6.3), redacted thinking, media.
        ledger.add(at, "no_target_analog");
    }
  });
  const msg: JsonObject = { role: "assistant", content: content ?? (calls.length > 0 ? null : "") };
  if (calls.length > 0) msg.tool_calls = calls;
  messages.push(msg);
}

/** A tool result's content → the tool message's text: text blocks joined by newlines, json as its JSON text. */
function toolOutput(content: Block[], path: string, ledger: Ledger): string {
  const texts: string[] = [];
  content.forEach((b, k) => {
    const at = `${path}.content[${k}]`;
    if (b.kind !== "json") cacheDrop(b.cache, at, ledger);
    if (b.kind === "text") texts.push(b.text);
    else if (b.kind === "json") texts.push(JSON.stringify(b.value));
    else ledger.add(at, "no_target_analog"); // tool messages carry text only
  });
  return texts.join("\n");
}

/** Content a user message may carry: text, `image_url`, `file` (§6.3). */
function userPart(b: Block, at: string, ledger: Ledger): JsonObject | undefined {
  switch (b.kind) {
    case "text":
      if (b.citations) ledger.add(`${at}.citations`, "no_target_analog");
      return { type: "text", text: b.text };
    case "json":
      return { type: "text", text: JSON.stringify(b.value) };
    case "image": {
      const s = b.source;
      if (s.kind === "base64") return { type: "image_url", image_url: { url: dataUrl(s.mediaType, s.data) } };
      if (s.kind === "url") return { type: "image_url", image_url: { url: s.url } };
      return vendorPart(s.proto, s.raw, at, ledger);
    }
    case "document": {
      const s = b.source;
      if (b.title !== undefined) ledger.add(`${at}.title`, "no_target_analog");
      const name = b.name !== undefined ? { filename: b.name } : {};
      if (s.kind === "base64") return { type: "file", file: { ...name, file_data: dataUrl(s.mediaType, s.data) } };
      if (s.kind === "url") { ledger.add(at, "no_target_analog"); return undefined; } // `file` takes no URL
      return vendorPart(s.proto, s.raw, at, ledger);
    }
    default:
      ledger.add(at, "no_target_analog");
      return undefined;
  }
}

/** File ids reach only their own protocol (§6.3). */
function vendorPart(proto: string, raw: unknown, at: string, ledger: Ledger): JsonObject | undefined {
  if (proto === "openai" && typeof raw === "object" && raw !== null && !Array.isArray(raw)) return { ...raw };
  ledger.add(at, "no_target_analog");
  return undefined;
}

/** Chat Completions has no cache markers a foreign IR could map to: each one is recorded. */
function cacheDrop(cache: Cache | undefined, path: string, ledger: Ledger): void {
  if (cache !== undefined) ledger.add(`${path}.cache_control`, "no_target_analog");
}

function writeToolChoice(c: ToolChoice): unknown {
  return typeof c === "string" ? c : { type: "function", function: { name: c.tool } };
}

/** §6.5: `json_schema` when a schema exists (name default "response"), else `json_object`. */
function writeFormat(f: ResponseFormat): JsonObject {
  if (!f.json) return { type: "text" };
  if (f.schema === undefined) return { type: "json_object" };
  const s: JsonObject = { name: f.name ?? "response" };
  if (f.description !== undefined) s.description = f.description;
  s.schema = f.schema;
  if (f.strict !== undefined) s.strict = f.strict;
  return { type: "json_schema", json_schema: s };
}
