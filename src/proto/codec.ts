// The translation contract every protocol implements (protocols.md §3.3, §5–§9). Same-protocol hops never come
// here; a cross-protocol hop is: ingress readRequest → egress writeRequest → upstream → egress readResponse (or
// streamReader) → ingress writeResponse (or streamWriter). Drops go to the Ledger, never silently away.
import type { ErrorKind } from "../ir/errors.ts";
import type { IdMinter } from "../ir/ids.ts";
import type { Ledger } from "../ir/ledger.ts";
import type { IrRequest } from "../ir/request.ts";
import type { IrResponse } from "../ir/response.ts";
import type { StreamEvent } from "../ir/stream.ts";
import type { Usage } from "../ir/usage.ts";

export type JsonObject = Record<string, unknown>;

export interface ReadContext {
  /** The request body exactly as received, for lexemes JSON.parse cannot keep (a big `seed`). */
  readonly raw: string;
  readonly ledger: Ledger;
}

/** What the egress writer knows about the lane it writes for. */
export interface EgressOptions {
  /** Model id sent upstream; writers of OA/RS/AN/CO put it in body `model`, GM/BR never write it. */
  readonly model: string;
  readonly stream: boolean;
  /** Anthropic needs `max_tokens`: the lane's `default_max_tokens`, else 4096 (§3.3 step 2). */
  readonly defaultMaxTokens: number;
  /** The lane declares `reasoning: true`: the reasoning ask may cross (§10.3). */
  readonly reasoning: boolean;
  /** The lane declares `prompt_caching: true`: model-gated cache markers may cross (§3.3 step 6). */
  readonly promptCaching: boolean;
}

/** What a caller-facing writer needs: ids and clock (injectable), and caller options. */
export interface ResponseContext {
  readonly ids: IdMinter;
  /** Epoch milliseconds. */
  readonly now: () => number;
  /** Used when the upstream did not name its model. */
  readonly model: string;
  /** OpenAI callers: usage chunk only when they asked (`stream_options.include_usage`). */
  readonly includeUsage: boolean;
  /** OpenAI callers: `reasoning_content` is emitted only when the pool opts in (spec README D11). */
  readonly reasoningContent: boolean;
}

/**
 * An upstream error, extracted from its native body (reliability.md §5: stage 1a). `kind` and `message` serve the
 * caller-facing render (protocols.md §8); `errorCode`, `type`, `contextSignal` and `keyRejected` are the raw fields
 * failure attribution normalises (upstream/attribution.ts).
 */
export interface UpstreamError {
  readonly kind: ErrorKind;
  readonly message: string;
  /** The vendor's one word for the error, for logs and the native render: its code, else its type. */
  readonly code?: string;
  /** §5 `code`: the body's error code only, never the type (an integer code as its decimal string). */
  readonly errorCode?: string;
  /** §5 `type`: the body's error type (Bedrock: the exception name without its namespace). */
  readonly type?: string;
  /** The body says the context window was exceeded. Only ever true on 400 or 413 (Bedrock: 400). */
  readonly contextSignal: boolean;
  /** The body says the lane's key was rejected though the status does not (Gemini's 400 `API_KEY_INVALID`). */
  readonly keyRejected: boolean;
}

/** Incremental decoder of an upstream stream: correct at any split point (STYLE habit 7). */
export interface StreamReader {
  push(chunk: Uint8Array): StreamEvent[];
  /** Upstream EOF. */
  end(): StreamEvent[];
}

/**
 * Incremental encoder of a caller stream. It receives the normalised sequence (proto/normalize.ts): one
 * message_start; sequential blocks with dense indices; one message_delta carrying stop reason and usage;
 * message_stop. Returns wire text for each event ("" when the event has no wire form).
 */
export interface StreamWriter {
  /** Text for SSE dialects; bytes for binary framings (Bedrock's event stream). */
  write(ev: StreamEvent): string | Uint8Array;
  /** Ends the stream with the dialect's mid-stream error (protocols.md §9.6). */
  fail(kind: ErrorKind, message: string): string | Uint8Array;
}

export interface Codec {
  readRequest(body: JsonObject, ctx: ReadContext): IrRequest;
  writeRequest(ir: IrRequest, lane: EgressOptions, ledger: Ledger): JsonObject;
  readResponse(body: JsonObject, ledger: Ledger): IrResponse;
  writeResponse(ir: IrResponse, ctx: ResponseContext, ledger: Ledger): JsonObject;
  /** `headers` refine the body where a protocol puts error fields there (Bedrock's `x-amzn-errortype`). */
  readError(status: number, body: string, headers?: Headers): UpstreamError;
  /** The usage in a parsed non-streaming response body, for spend (platform.md §3.3); undefined when absent. */
  responseUsage(body: JsonObject): Usage | undefined;
  streamReader(ledger: Ledger): StreamReader;
  streamWriter(ctx: ResponseContext, ledger: Ledger): StreamWriter;
}
