// OpenAI Chat Completions (`openai`): chat and embeddings, and translation to and from the IR.
import type { Protocol } from "../types.ts";
import { openaiCodec } from "./codec.ts";
import { bearerCredential, egressPath } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const openai: Protocol = {
  name: "openai",
  modelInBody: true,
  operations: ["generate", "embeddings"],
  egressPath: (op) => egressPath(op),
  forwardedHeaders: ["openai-beta"],
  streamContentType: "text/event-stream",
  signing: "none",
  credentialHeaders: bearerCredential,
  probeBody: (model) => `{"model":${JSON.stringify(model)},"max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`,
  renderError,
  renderAuthFailure,
  codec: openaiCodec,
};
