// The Responses codec (proto/codec.ts): one object naming the reader and writer of each direction.
import type { Codec } from "../codec.ts";
import { usageFrom } from "../usage.ts";
import { readUsage } from "./tables.ts";
import { Usage as WireUsageSchema } from "./wire.ts";
import { readError } from "./errors.ts";
import { readRequest } from "./reader.ts";
import { readResponse, writeResponse } from "./response.ts";
import { streamReader, streamWriter } from "./stream.ts";
import { writeRequest } from "./writer.ts";

export const responsesCodec: Codec = {
  readRequest,
  writeRequest,
  readResponse,
  writeResponse,
  readError,
  responseUsage: (body) => usageFrom(body["usage"], WireUsageSchema, readUsage),
  streamReader,
  streamWriter,
};
