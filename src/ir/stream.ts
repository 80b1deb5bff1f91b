// Stream events in the IR (protocols.md §5.1, §9.2). Readers emit these in upstream order; the normaliser
// (proto/normalize.ts) turns them into the clean sequence writers consume.
import type { Citation, Signature } from "./content.ts";
import type { ErrorKind } from "./errors.ts";
import type { ProtocolName } from "./protocol.ts";
import type { TokenLogprob } from "./response.ts";
import type { StopReason } from "./stop.ts";
import type { Usage } from "./usage.ts";

export type BlockStart =
  | "text" | "thinking" | "redacted_thinking"
  /** `signature`: Gemini's `thoughtSignature` on a function call (see the tool_use block in content.ts). */
  | { readonly toolUse: { readonly id: string; readonly name: string; readonly signature?: Signature } };

export type BlockDelta =
  | { readonly text: string }
  | { readonly thinking: string }
  /** A signature, already unwrapped to its original value; `origin` is who issued it (protocols.md §10.4). */
  | { readonly signature: string; readonly origin: ProtocolName }
  | { readonly redacted: string; readonly origin: ProtocolName }
  | { readonly partialJson: string }
  | { readonly citation: Citation }
  | { readonly logprobs: TokenLogprob[] };

export type StreamEvent =
  | { readonly t: "message_start"; readonly model?: string; readonly usage?: Usage }
  | { readonly t: "block_start"; readonly index: number; readonly block: BlockStart }
  | { readonly t: "block_delta"; readonly index: number; readonly delta: BlockDelta }
  | { readonly t: "block_stop"; readonly index: number }
  | { readonly t: "message_delta"; readonly stopReason?: StopReason; readonly stopSequence?: string; readonly usage?: Usage }
  | { readonly t: "message_stop" }
  | { readonly t: "error"; readonly kind: ErrorKind; readonly message: string };
