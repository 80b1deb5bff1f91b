// Gemini generateContent (`gemini`), with token counting and cross-protocol translation.
import type { Protocol } from "../types.ts";
import { geminiCodec } from "./codec.ts";
import { credentialHeaders, egressPath } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const gemini: Protocol = {
  name: "gemini",
  modelInBody: false,
  operations: ["generate", "count_tokens"],
  egressPath,
  forwardedHeaders: [],
  streamContentType: "text/event-stream",
  signing: "none",
  credentialHeaders,
  probeBody: (_model) => '{"contents":[{"role":"user","parts":[{"text":"ping"}]}],"generationConfig":{"maxOutputTokens":1}}',
  renderError,
  renderAuthFailure,
  codec: geminiCodec,
};
