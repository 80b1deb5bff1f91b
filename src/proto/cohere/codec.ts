// The Cohere v2 chat codec (proto/codec.ts): the pieces of a cross-protocol hop, assembled.
import type { Codec } from "../codec.ts";
import { usageFrom } from "../usage.ts";
import { readUsage } from "./tables.ts";
import { Usage as WireUsageSchema } from "./wire.ts";
import { readError, readRequest } from "./reader.ts";
import { readResponse, writeResponse } from "./response.ts";
import { CohereStreamReader, CohereStreamWriter } from "./stream.ts";
import { writeRequest } from "./writer.ts";

export const cohereCodec: Codec = {
  readRequest,
  writeRequest,
  readResponse,
  writeResponse,
  readError,
  responseUsage: (body) => usageFrom(body["usage"], WireUsageSchema, readUsage),
  streamReader: (ledger) => new CohereStreamReader(ledger),
  streamWriter: (ctx, ledger) => new CohereStreamWriter(ctx, ledger),
};
