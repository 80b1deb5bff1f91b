// What every protocol module of the mock provides, and the per-request reply facts they render.
import { assertNever, type ProtocolName } from "../ir/protocol.ts";
import type { Thinking, ToolCall } from "./calls.ts";
import type { Conversation } from "./text.ts";
import { ids } from "./ids.ts";

/** The six chat protocols plus OpenAI-shaped embeddings, the keys of the mock's request log. */
export type MockProtocolName = ProtocolName | "embeddings";

/** Everything a protocol needs to render one successful reply. */
export interface Reply {
  /** The model exactly as requested (directives included), echoed where the protocol echoes it. */
  readonly model: string;
  /** The answer text; "" when the reply is tool calls. */
  readonly text: string;
  /** `text` split for streaming; concatenated they equal `text`. */
  readonly pieces: readonly string[];
  /** `@tool`: when non-empty the reply is these calls instead of text, with the vendor's tool stop reason. */
  readonly toolCalls: readonly ToolCall[];
  /** `@think`: a reasoning block that opens the reply; undefined when not asked for or not `reasoning`. */
  readonly thinking: Thinking | undefined;
  readonly inputTokens: number;
  /** Everything generated, reasoning included (calls.ts `answerTokens` + `reasoningTokens`). */
  readonly outputTokens: number;
  /** The part of `outputTokens` spent on `thinking`. */
  readonly reasoningTokens: number;
  /** The mock's request counter; seeds the deterministic ids. */
  readonly seq: number;
  /** Unix seconds. */
  readonly created: number;
  /** Milliseconds since the request arrived (Bedrock `metrics.latencyMs` is real elapsed time). */
  readonly elapsedMs: () => number;
  /** The parsed request body, for per-request options such as `stream_options.include_usage`. */
  readonly body: unknown;
  readonly query: URLSearchParams;
  /**
   * How the reply ends: `stop` as usual (end of turn or tool use); `content_filter` with the vendor's
   * content-filter stop; `none` with no terminal events at all (a stream that ends early but cleanly).
   */
  readonly finish: Finish;
}

export type Finish = "stop" | "content_filter" | "none";

export type Wire = string | Uint8Array;

/**
 * One event already framed for the wire. `content` marks the events that carry generated output (text,
 * reasoning or tool-argument deltas, a Gemini chunk): faults count these, and a gateway commits on the first.
 */
export interface Frame {
  readonly wire: Wire;
  readonly content: boolean;
}

export const metaFrame = (wire: Wire): Frame => ({ wire, content: false });
export const contentFrame = (wire: Wire): Frame => ({ wire, content: true });

/** A stream response: its content type and its events in order. */
export interface StreamPlan {
  readonly contentType: string;
  readonly events: Iterable<Frame>;
}

export interface ChatProtocol {
  readonly name: ProtocolName;
  /** Whether the vendor has a reasoning block at all (Cohere v2 has none, so `@think` is ignored there). */
  readonly reasoning: boolean;
  conversation(body: unknown): Conversation;
  /** A request the vendor would refuse with 400, and the message it would give; undefined to answer normally. */
  reject?(body: unknown, model: string): string | undefined;
  complete(reply: Reply): unknown;
  stream(reply: Reply): StreamPlan;
}

/** The vendor's request-id header for a response (protocols.md §7.1, §8). */
export function requestIdHeader(protocol: MockProtocolName, seq: number): readonly [string, string] {
  switch (protocol) {
    case "openai":
    case "responses":
    case "embeddings":
    case "gemini":
    case "cohere":
      return ["x-request-id", ids.requestId(seq)];
    case "anthropic":
      return ["request-id", ids.anthropicRequest(seq)];
    case "bedrock":
      return ["x-amzn-RequestId", ids.uuid(seq)];
    default:
      return assertNever(protocol, "protocol");
  }
}
