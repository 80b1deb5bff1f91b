// The Cohere v2 chat codec (proto/codec.ts): the pieces of a cross-protocol hop, assembled.
import type { Codec } from "../codec.ts";
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
  streamReader: (ledger) => new CohereStreamReader(ledger),
  streamWriter: (ctx, ledger) => new CohereStreamWriter(ctx, ledger),
};
