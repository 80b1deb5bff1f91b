// The one table naming every protocol (STYLE habit 1): a missing row is a compile error.
import type { ProtocolName } from "../ir/protocol.ts";
import { anthropic } from "./anthropic/index.ts";
import { bedrock } from "./bedrock/index.ts";
import { cohere } from "./cohere/index.ts";
import { gemini } from "./gemini/index.ts";
import { openai } from "./openai/index.ts";
import { responses } from "./responses/index.ts";
import type { Protocol } from "./types.ts";

export const PROTOCOLS = {
  openai,
  responses,
  anthropic,
  gemini,
  bedrock,
  cohere,
} as const satisfies Record<ProtocolName, Protocol>;

export function protocol(name: ProtocolName): Protocol {
  return PROTOCOLS[name];
}
