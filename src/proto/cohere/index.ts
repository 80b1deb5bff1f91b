// Cohere v2 chat (`cohere`).
import type { Protocol } from "../types.ts";
import { bearerCredential } from "../openai/wire.ts";
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
  renderError,
  renderAuthFailure,
};
