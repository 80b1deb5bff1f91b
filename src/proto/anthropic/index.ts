// Anthropic Messages (`anthropic`), with token counting and cross-protocol translation.
import type { Protocol } from "../types.ts";
import { anthropicCodec } from "./codec.ts";
import { credentialHeaders, egressPath } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const anthropic: Protocol = {
  name: "anthropic",
  modelInBody: true,
  operations: ["generate", "count_tokens"],
  egressPath: (op) => egressPath(op),
  forwardedHeaders: ["anthropic-version", "anthropic-beta"],
  streamContentType: "text/event-stream",
  signing: "none",
  credentialHeaders,
  probeBody: (model) => `{"model":${JSON.stringify(model)},"max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`,
  renderError,
  renderAuthFailure,
  codec: anthropicCodec,
};
