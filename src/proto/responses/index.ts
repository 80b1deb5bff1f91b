// OpenAI Responses (`responses`): wire paths, credentials, error envelope and the translation codec.
import type { Protocol } from "../types.ts";
import { bearerCredential } from "../openai/wire.ts";
import { responsesCodec } from "./codec.ts";
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
  // 16 is this API's minimum max_output_tokens (reliability.md §10).
  probeBody: (model) => `{"model":${JSON.stringify(model)},"input":"ping","max_output_tokens":16}`,
  renderError,
  renderAuthFailure,
  codec: responsesCodec,
};
