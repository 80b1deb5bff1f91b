// Reply-shape directives: `@tool=<name>[,<name>…]` (repeatable) answers with one tool call per name
// instead of text; `@think` opens the reply with a reasoning block. Unlike faults they are honoured from
// the model name whether or not the mock runs with `faults` (they change what a good reply looks like, not
// whether it fails); the `x-mock-tool` / `x-mock-think` headers mirror them only with `faults` on.
import { modelDirectives } from "./directives.ts";

export interface ReplyShape {
  /** Tool names, in call order; duplicates allowed (two calls of one tool). Empty: a text reply. */
  readonly tools: readonly string[];
  readonly think: boolean;
}

export const TEXT_SHAPE: ReplyShape = { tools: [], think: false };

/** Enough for any parallel-call test; a longer list is cut here rather than growing a reply unboundedly. */
export const MAX_TOOLS = 16;

/** The intersection of what OpenAI (`^[a-zA-Z0-9_-]{1,64}$`), Gemini and Bedrock accept, plus `.`. */
const TOOL_NAME = /^[A-Za-z0-9_.-]{1,64}$/;

function toolNames(value: string): string[] {
  return value.split(",").map((n) => n.trim()).filter((n) => TOOL_NAME.test(n));
}

/** A bare flag, or any value but `0`, `false`, `no`, `off`, turns a switch on. */
function flagOn(value: string | undefined): boolean {
  return value === undefined || !/^\s*(0|false|no|off)\s*$/i.test(value);
}

export function shapeFromModel(model: string): ReplyShape {
  const tools: string[] = [];
  let think = false;
  for (const { key, value } of modelDirectives(model)) {
    if (key === "tool" && value !== undefined) tools.push(...toolNames(value));
    else if (key === "think") think = flagOn(value);
  }
  return { tools: tools.slice(0, MAX_TOOLS), think };
}

/** Only the headers present: `x-mock-tool: a,b` (may be sent twice; Fetch joins them with `, `) and `x-mock-think: 1`. */
export function shapeFromHeaders(headers: Headers): Partial<ReplyShape> {
  const tool = headers.get("x-mock-tool");
  const think = headers.get("x-mock-think");
  return {
    ...(tool === null ? {} : { tools: toolNames(tool).slice(0, MAX_TOOLS) }),
    ...(think === null ? {} : { think: flagOn(think) }),
  };
}

/** Headers win over model-name directives, field by field (as in faults.ts). */
export function mergeShape(fromModel: ReplyShape, fromHeaders: Partial<ReplyShape>): ReplyShape {
  return { ...fromModel, ...fromHeaders };
}
