// The Anthropic Messages codec (proto/codec.ts): the pieces of a cross-protocol hop, assembled.
import type { Codec } from "../codec.ts";
import { readError, readRequest } from "./reader.ts";
import { readResponse, writeResponse } from "./response.ts";
import { streamReader, streamWriter } from "./stream.ts";
import { writeRequest } from "./writer.ts";

export const anthropicCodec: Codec = {
  readRequest,
  writeRequest,
  readResponse,
  writeResponse,
  readError,
  streamReader,
  streamWriter,
};
