// The Gemini generateContent codec (proto/codec.ts): the pieces of a cross-protocol hop, assembled.
import type { Codec } from "../codec.ts";
import { usageFrom } from "../usage.ts";
import { readUsage } from "./tables.ts";
import { UsageMetadata as WireUsageSchema } from "./wire.ts";
import { readError, readRequest } from "./reader.ts";
import { readResponse, writeResponse } from "./response.ts";
import { streamReader } from "./stream.ts";
import { streamWriter } from "./stream-writer.ts";
import { writeRequest } from "./writer.ts";

export const geminiCodec: Codec = {
  readRequest,
  writeRequest,
  readResponse,
  writeResponse,
  readError,
  responseUsage: (body) => usageFrom(body["usageMetadata"], WireUsageSchema, readUsage),
  streamReader,
  streamWriter,
};
