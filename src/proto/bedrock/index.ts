// AWS Bedrock Converse / ConverseStream (`bedrock`), with cross-protocol translation.
import type { Protocol } from "../types.ts";
import { bedrockCodec } from "./codec.ts";
import { credentialHeaders, egressPath, EVENTSTREAM_CONTENT_TYPE } from "./wire.ts";
import { renderAuthFailure, renderError } from "./writer.ts";

export const bedrock: Protocol = {
  name: "bedrock",
  modelInBody: false,
  operations: ["generate"],
  egressPath: (_op, model, stream) => egressPath(model, stream),
  forwardedHeaders: [],
  streamContentType: EVENTSTREAM_CONTENT_TYPE,
  signing: "sigv4",
  credentialHeaders,
  probeBody: (_model) => '{"messages":[{"role":"user","content":[{"text":"ping"}]}],"inferenceConfig":{"maxTokens":1}}',
  renderError,
  renderAuthFailure,
  codec: bedrockCodec,
};
