// Cohere v2 chat (`cohere`): chat, and translation to and from the IR.
import type { Protocol } from "../types.ts";
import { bearerCredential } from "../openai/wire.ts";
import { cohereCodec } from "./codec.ts";
import { COHERE_CHAT_PATH } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const cohere: Protocol = {
  name: "cohere",
  modelInBody: true,
  operations: ["generate"],
  egressPath: () => COHERE_CHAT_PATH,
  forwardedHeaders: [],
  streamContentType: "text/event-stream",
  signing: "none",
  credentialHeaders: bearerCredential,
  probeBody: (model) => `{"model":${JSON.stringify(model)},"max_tokens":1,"messages":[{"role":"user","content":"ping"}]}`,
  renderError,
  renderAuthFailure,
  codec: cohereCodec,
};
