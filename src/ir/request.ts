// The request IR: a superset of the six protocols' chat requests (protocols.md §5.1, §6).
import type { Block, Cache } from "./content.ts";
import type { RawNumber } from "./number.ts";
import type { ProtocolName } from "./protocol.ts";

export interface IrMessage {
  /** System content is gathered into `IrRequest.system`; tool results travel in `tool` messages (§6.2). */
  role: "user" | "assistant" | "tool";
  content: Block[];
}

export interface IrTool {
  name: string;
  description?: string;
  /** JSON Schema of the arguments; a null schema reads as `{}`. */
  schema: unknown;
  strict?: boolean;
  cache?: Cache;
}

export type ToolChoice = "auto" | "none" | "required" | { readonly tool: string };

export type ReasoningEffort = "minimal" | "low" | "medium" | "high";
export type ReasoningAsk = { readonly effort: ReasoningEffort } | { readonly budget: number } | "dynamic";

export interface ResponseFormat {
  json: boolean;
  schema?: unknown;
  name?: string;
  strict?: boolean;
  description?: string;
}

export interface IrRequest {
  system: Block[];
  messages: IrMessage[];
  tools: IrTool[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  n?: number;
  frequencyPenalty?: number;
  presencePenalty?: number;
  seed?: RawNumber;
  /** Empty strings removed; empty = absent. */
  stop: string[];
  responseFormat?: ResponseFormat;
  reasoning?: ReasoningAsk;
  logprobs?: boolean;
  topLogprobs?: number;
  user?: string;
  stream: boolean;
  /** OpenAI callers: `stream_options.include_usage` (usage chunk delivered only when asked). */
  includeUsage?: boolean;
  /** Top-level fields the reader did not model, tagged with their protocol (§3.3 step 1). */
  extra: { source: ProtocolName; fields: Record<string, unknown> };
}
