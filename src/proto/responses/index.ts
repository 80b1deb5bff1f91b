// OpenAI Responses (`responses`).
import type { Protocol } from "../types.ts";
import { bearerCredential } from "../openai/wire.ts";
import { RESPONSES_PATH } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const responses: Protocol = {
  name: "responses",
  modelInBody: true,
  operations: ["generate"],
  egressPath: () => RESPONSES_PATH,
  forwardedHeaders: ["openai-beta"],
  streamContentType: "text/event-stream",
  signing: "none",
  credentialHeaders: bearerCredential,
  renderError,
  renderAuthFailure,
};
