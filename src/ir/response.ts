// The response IR (protocols.md §5.1, §7).
import type { Block } from "./content.ts";
import type { StopReason } from "./stop.ts";
import type { Usage } from "./usage.ts";

export interface TokenLogprob {
  token: string;
  logprob: number;
  bytes?: number[];
  top?: { token: string; logprob: number; bytes?: number[] }[];
}

export interface IrResponse {
  content: Block[];
  stopReason?: StopReason;
  /** The matched stop sequence (Anthropic carries it; others write null). */
  stopSequence?: string;
  usage: Usage;
  /** The serving model, kept across hops. */
  model?: string;
  /** Epoch seconds, kept across hops where the source has it. */
  created?: number;
  logprobs: TokenLogprob[];
}
