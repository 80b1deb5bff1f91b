// The two shapes on the hot path, narrowed by hand instead of by a valibot schema (STYLE habit 4 names valibot;
// this file is the measured exception): every message of a request and every frame of a stream. On a 32 KB
// conversation, valibot over the messages cost as much as JSON.parse of the body, and a schema run per stream
// frame doubled the reader's cost per chunk (protocols.md §9; PERF-NOTES: stream translation is the hot cost).
// Narrowing is still parsing at the edge: type guards, no casts; a malformed request message throws.

type Obj = Record<string, unknown>;

export function isObj(x: unknown): x is Obj {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

// ---- request messages ----

/** A request message before dispatch on `role`; the reader narrows the fields it uses. */
export interface WireMessage {
  readonly role: string;
  readonly raw: Obj;
}

export function wireMessage(x: unknown, path: string): WireMessage {
  if (!isObj(x) || typeof x.role !== "string") throw new Error(`${path}: expected a message object with a string role`);
  return { role: x.role, raw: x };
}

/** `undefined`, `null` or a string; anything else is a malformed request. */
export function optionalString(x: unknown, path: string): string | undefined {
  if (x === undefined || x === null) return undefined;
  if (typeof x !== "string") throw new Error(`${path}: expected a string`);
  return x;
}

/** A part of a message's `content` array: an object with a string `type`, dispatched on by the reader. */
export interface WirePart {
  readonly type: string;
  readonly raw: Obj;
}

/** A message's `content`: a string (the common case), absent, or parts. */
export function wireContent(x: unknown, path: string): string | WirePart[] | undefined {
  if (x === undefined || x === null || typeof x === "string") return x ?? undefined;
  if (!Array.isArray(x)) throw new Error(`${path}.content: expected a string or an array of parts`);
  return x.map((p: unknown, j): WirePart => {
    if (!isObj(p) || typeof p.type !== "string") throw new Error(`${path}.content[${j}]: expected a part with a string type`);
    return { type: p.type, raw: p };
  });
}

export function requiredString(x: unknown, path: string): string {
  if (typeof x !== "string") throw new Error(`${path}: expected a string`);
  return x;
}

/** An assistant tool call; `fn` is absent for custom (grammar) tool calls, which have no IR form. */
export interface WireToolCall {
  readonly id: string;
  readonly fn?: { readonly name: string; readonly arguments: string };
}

export function wireToolCalls(x: unknown, path: string): WireToolCall[] {
  if (x === undefined || x === null) return [];
  if (!Array.isArray(x)) throw new Error(`${path}: expected an array`);
  return x.map((c: unknown, k): WireToolCall => {
    const at = `${path}[${k}]`;
    if (!isObj(c) || typeof c.id !== "string") throw new Error(`${at}: expected a tool call with a string id`);
    const f = c.function;
    if (f === undefined || f === null) return { id: c.id };
    if (!isObj(f) || typeof f.name !== "string" || typeof f.arguments !== "string") {
      throw new Error(`${at}.function: expected a name and an arguments string`);
    }
    return { id: c.id, fn: { name: f.name, arguments: f.arguments } };
  });
}

// ---- stream chunks ----

export interface ChunkToolCall {
  readonly index: number;
  readonly id?: string;
  readonly name?: string;
  readonly arguments?: string;
}

/** What the reader uses of one `chat.completion.chunk` (choice 0 only: the gateway asks for one candidate). */
export interface ChunkView {
  readonly model?: string;
  readonly content?: string;
  readonly refusal?: string;
  /** `reasoning_content` (DeepSeek, vLLM) or `reasoning` (OpenRouter, Ollama). */
  readonly reasoning?: string;
  readonly toolCalls: ChunkToolCall[];
  readonly finishReason?: string;
  /** Parsed by its schema only when present (rare). */
  readonly logprobs?: unknown;
  readonly usage?: unknown;
}

const NO_CALLS: ChunkToolCall[] = [];

/** A frame's JSON → its view; fields of the wrong type read as absent (a lenient reader, never a crash). */
export function chunkView(x: Obj): ChunkView {
  const choices = x.choices;
  const choice = Array.isArray(choices) ? choices.find((c: unknown) => isObj(c) && (c.index === 0 || c.index === undefined)) : undefined;
  const delta = isObj(choice) && isObj(choice.delta) ? choice.delta : undefined;
  let toolCalls = NO_CALLS;
  if (delta !== undefined && Array.isArray(delta.tool_calls)) {
    toolCalls = [];
    for (const tc of delta.tool_calls) {
      if (!isObj(tc) || typeof tc.index !== "number") continue;
      const f = isObj(tc.function) ? tc.function : undefined;
      toolCalls.push({ index: tc.index, id: str(tc.id), name: str(f?.name), arguments: str(f?.arguments) });
    }
  }
  return {
    model: str(x.model),
    content: str(delta?.content),
    refusal: str(delta?.refusal),
    reasoning: str(delta?.reasoning_content) ?? str(delta?.reasoning),
    toolCalls,
    finishReason: isObj(choice) ? str(choice.finish_reason) : undefined,
    logprobs: isObj(choice) && choice.logprobs != null ? choice.logprobs : undefined,
    usage: x.usage != null ? x.usage : undefined,
  };
}
