// IR → Responses request (protocols.md §6, §10.3, §10.4), and the error envelope Responses shares with OpenAI
// Chat Completions (§8). Only Responses shapes are emitted; every IR field it cannot carry is a ledger entry under
// its IR path (`messages[2].content[0].cache_control`, `seed`).
import type { Block } from "../../ir/content.ts";
import type { Ledger } from "../../ir/ledger.ts";
import type { IrMessage, IrRequest, ResponseFormat, ToolChoice } from "../../ir/request.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { EgressOptions, JsonObject } from "../codec.ts";
import { dataUrl, effortWord } from "../openai-family.ts";

export { renderAuthFailure, renderError } from "../openai/writer.ts";

/** `max_output_tokens` below this is rejected by the API. */
const MIN_OUTPUT_TOKENS = 16;

/** Chat Completions knobs with the same meaning in Responses, honoured when an OpenAI caller sent them (§3.3 step 8). */
const SHARED_OPENAI_KNOBS: ReadonlySet<string> = new Set([
  "metadata", "store", "service_tier", "prompt_cache_key", "prompt_cache_retention", "safety_identifier",
]);

export function writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject {
  const out: JsonObject = { model: lane.model };
  const input: JsonObject[] = [];
  writeSystem(ir.system, out, input, ledger);
  for (let i = 0; i < ir.messages.length; i++) writeMessage(ir.messages[i]!, i, input, ledger);
  out.input = input;

  const own = ir.extra.source === "responses" ? ir.extra.fields : {};
  const tools: unknown[] = ir.tools.map((t, k) => {
    if (t.cache !== undefined) ledger.add(`tools[${k}].cache_control`, "no_target_analog");
    const tool: JsonObject = { type: "function", name: t.name };
    if (t.description !== undefined) tool.description = t.description;
    tool.parameters = t.schema ?? {};
    if (t.strict !== undefined) tool.strict = t.strict;
    return tool;
  });
  if (Array.isArray(own.tools)) tools.push(...own.tools); // hosted tools, from a Responses caller only
  if (tools.length > 0) out.tools = tools;
  if (ir.toolChoice !== undefined) {
    if (tools.length > 0) out.tool_choice = writeToolChoice(ir.toolChoice);
    else ledger.add("tool_choice", "no_target_analog");
  }
  if (ir.parallelToolCalls !== undefined) {
    if (tools.length > 0) out.parallel_tool_calls = ir.parallelToolCalls;
    else ledger.add("parallel_tool_calls", "no_target_analog");
  }

  if (ir.maxTokens !== undefined) {
    out.max_output_tokens = Math.max(ir.maxTokens, MIN_OUTPUT_TOKENS);
    if (ir.maxTokens < MIN_OUTPUT_TOKENS) ledger.add("max_tokens", "clamped");
  }
  if (ir.temperature !== undefined) out.temperature = ir.temperature;
  if (ir.topP !== undefined) out.top_p = ir.topP;
  if (ir.responseFormat !== undefined) out.text = { format: writeFormat(ir.responseFormat) };
  if (ir.reasoning !== undefined) {
    if (lane.reasoning) out.reasoning = { effort: effortWord(ir.reasoning) };
    else ledger.add("reasoning", "capability_gate"); // §10.3: the ask crosses only to reasoning lanes
  }
  if (ir.user !== undefined) out.user = ir.user;
  if (lane.stream) out.stream = true;

  // Parameters Responses does not have (§6.1); `n` was already clamped to 1 by the seam and is simply not written.
  if (ir.topK !== undefined) ledger.add("top_k", "no_target_analog");
  if (ir.frequencyPenalty !== undefined) ledger.add("frequency_penalty", "no_target_analog");
  if (ir.presencePenalty !== undefined) ledger.add("presence_penalty", "no_target_analog");
  if (ir.seed !== undefined) ledger.add("seed", "no_target_analog");
  if (ir.stop.length > 0) ledger.add("stop", "no_target_analog");
  if (ir.logprobs === true) ledger.add("logprobs", "no_target_analog");
  if (ir.topLogprobs !== undefined) ledger.add("top_logprobs", "no_target_analog");

  for (const [key, value] of Object.entries(ir.extra.fields)) {
    if (ir.extra.source === "responses") {
      if (key !== "tools") out[key] = value;
    } else if (ir.extra.source === "openai" && SHARED_OPENAI_KNOBS.has(key)) {
      out[key] = value;
    } else {
      ledger.add(`extra.${key}`, "source_only");
    }
  }
  return out;
}

/** A ledger path, built only when something is recorded (a long conversation records nothing most of the time). */
type Path = () => string;

/** One plain text block is `instructions`; anything richer is a leading system message item. */
function writeSystem(system: Block[], out: JsonObject, input: JsonObject[], ledger: Ledger): void {
  for (let j = 0; j < system.length; j++) cacheDrop(system[j]!, () => `system[${j}]`, ledger);
  const only = system.length === 1 ? system[0] : undefined;
  if (only?.kind === "text") {
    out.instructions = only.text;
    if (only.citations) ledger.add("system[0].citations", "no_target_analog");
    return;
  }
  const parts: JsonObject[] = [];
  for (let j = 0; j < system.length; j++) {
    const p = userPart(system[j]!, () => `system[${j}]`, ledger);
    if (p) parts.push(p);
  }
  if (parts.length > 0) input.push({ type: "message", role: "system", content: parts });
}

/** One IR turn → input items: content parts gather into message items; reasoning and calls are items of their own. */
function writeMessage(m: IrMessage, i: number, input: JsonObject[], ledger: Ledger): void {
  const role = m.role === "assistant" ? "assistant" : "user";
  if (m.content.length === 0) {
    input.push({ type: "message", role, content: [role === "assistant" ? { type: "output_text", text: "" } : { type: "input_text", text: "" }] });
    return;
  }
  let parts: JsonObject[] | undefined;
  const flush = () => {
    if (parts !== undefined) input.push({ type: "message", role, content: parts });
    parts = undefined;
  };
  for (let j = 0; j < m.content.length; j++) {
    const b = m.content[j]!;
    const at = () => `messages[${i}].content[${j}]`;
    cacheDrop(b, at, ledger);
    switch (b.kind) {
      case "text": case "image": case "document": case "json": {
        const p = role === "assistant" ? assistantPart(b, at, ledger) : userPart(b, at, ledger);
        if (p) (parts ??= []).push(p);
        break;
      }
      case "thinking":
        flush();
        // §10.4: a signature is valid only at its issuer; anything else (unsigned, or signed elsewhere) is dropped.
        if (b.signature?.origin === "responses") {
          input.push({ type: "reasoning", summary: b.text === "" ? [] : [{ type: "summary_text", text: b.text }], encrypted_content: b.signature.value });
        } else {
          ledger.add(at(), "no_target_analog");
        }
        break;
      case "redacted_thinking":
        ledger.add(at(), "no_target_analog");
        break;
      case "tool_use":
        flush();
        input.push({ type: "function_call", call_id: b.id, name: b.name, arguments: b.inputText ?? JSON.stringify(b.input ?? {}) });
        break;
      case "tool_result":
        flush();
        if (b.isError) ledger.add(`${at()}.is_error`, "no_target_analog");
        input.push({ type: "function_call_output", call_id: b.toolUseId, output: toolOutput(b.content, at, ledger) });
        break;
      default:
        assertNever(b, "block");
    }
  }
  flush();
}

/** A tool result's content: one text block is a string (the common case); richer content is a part list. */
function toolOutput(content: Block[], path: Path, ledger: Ledger): string | JsonObject[] {
  const first = content[0];
  if (content.length === 0 || first === undefined) return "";
  if (content.length === 1 && first.kind === "text" && first.cache === undefined && first.citations === undefined) return first.text;
  const parts: JsonObject[] = [];
  for (let k = 0; k < content.length; k++) {
    const b = content[k]!;
    const at = () => `${path()}.content[${k}]`;
    cacheDrop(b, at, ledger);
    const p = userPart(b, at, ledger);
    if (p) parts.push(p);
  }
  return parts.length === 1 && first.kind === "text" ? first.text : parts;
}

/** Content a user (or system, or tool output) may send: `input_text`, `input_image`, `input_file` (§6.3). */
function userPart(b: Block, at: Path, ledger: Ledger): JsonObject | undefined {
  switch (b.kind) {
    case "text":
      if (b.citations) ledger.add(`${at()}.citations`, "no_target_analog");
      return { type: "input_text", text: b.text };
    case "json":
      return { type: "input_text", text: JSON.stringify(b.value) };
    case "image": {
      const s = b.source;
      if (s.kind === "base64") return { type: "input_image", image_url: dataUrl(s.mediaType, s.data), detail: "auto" };
      if (s.kind === "url") return { type: "input_image", image_url: s.url, detail: "auto" };
      return vendorPart(s.proto, s.raw, at, ledger);
    }
    case "document": {
      const s = b.source;
      const name = b.name !== undefined ? { filename: b.name } : {};
      if (b.title !== undefined) ledger.add(`${at()}.title`, "no_target_analog");
      if (s.kind === "base64") return { type: "input_file", ...name, file_data: dataUrl(s.mediaType, s.data) };
      if (s.kind === "url") return { type: "input_file", ...name, file_url: s.url };
      return vendorPart(s.proto, s.raw, at, ledger);
    }
    default:
      ledger.add(at(), "no_target_analog");
      return undefined;
  }
}

/** Assistant messages carry only `output_text` (the API rejects input parts there). */
function assistantPart(b: Block, at: Path, ledger: Ledger): JsonObject | undefined {
  if (b.kind === "text") {
    if (b.citations) ledger.add(`${at()}.citations`, "no_target_analog");
    return { type: "output_text", text: b.text };
  }
  if (b.kind === "json") return { type: "output_text", text: JSON.stringify(b.value) };
  ledger.add(at(), "no_target_analog");
  return undefined;
}

/** File ids reach only their own protocol (§6.3). */
function vendorPart(proto: string, raw: unknown, at: Path, ledger: Ledger): JsonObject | undefined {
  if (proto === "responses" && typeof raw === "object" && raw !== null && !Array.isArray(raw)) return { ...raw };
  ledger.add(at(), "no_target_analog");
  return undefined;
}

/** Responses has no cache markers (§10.2): each one is recorded where it stood. */
function cacheDrop(b: Block, path: Path, ledger: Ledger): void {
  if (b.kind !== "json" && b.cache !== undefined) ledger.add(`${path()}.cache_control`, "no_target_analog");
}

function writeToolChoice(c: ToolChoice): unknown {
  return typeof c === "string" ? c : { type: "function", name: c.tool };
}

/** §6.5: `json_schema` when a schema exists (name default "response"), else `json_object`; flat under `text.format`. */
function writeFormat(f: ResponseFormat): JsonObject {
  if (!f.json) return { type: "text" };
  if (f.schema === undefined) return { type: "json_object" };
  const out: JsonObject = { type: "json_schema", name: f.name ?? "response", schema: f.schema };
  if (f.description !== undefined) out.description = f.description;
  if (f.strict !== undefined) out.strict = f.strict;
  return out;
}
