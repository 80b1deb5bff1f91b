// The Chat Completions codec (proto/codec.ts): request, response, error and stream translation to and from the IR.
import type { Codec } from "../codec.ts";
import { usageFrom } from "../usage.ts";
import { readUsage } from "./tables.ts";
import { Usage as WireUsageSchema } from "./wire.ts";
import { readError, readRequest } from "./reader.ts";
import { readResponse, writeResponse } from "./response.ts";
import { OpenAiStreamReader, OpenAiStreamWriter } from "./stream.ts";
import { writeRequest } from "./writer.ts";

export const openaiCodec: Codec = {
  readRequest,
  writeRequest,
  readResponse,
  writeResponse,
  readError,
  responseUsage: (body) => usageFrom(body["usage"], WireUsageSchema, readUsage),
  streamReader: (ledger) => new OpenAiStreamReader(ledger),
  streamWriter: (ctx, ledger) => new OpenAiStreamWriter(ctx, ledger),
};
