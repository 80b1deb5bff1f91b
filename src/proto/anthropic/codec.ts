// The Anthropic Messages codec (proto/codec.ts): the pieces of a cross-protocol hop, assembled.
import type { Codec } from "../codec.ts";
import { usageFrom } from "../usage.ts";
import { readUsage } from "./tables.ts";
import { WireUsage as WireUsageSchema } from "./wire.ts";
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
  responseUsage: (body) => usageFrom(body["usage"], WireUsageSchema, readUsage),
  streamReader,
  streamWriter,
};
