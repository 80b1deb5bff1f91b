// Content blocks shared by requests, responses and streams (protocols.md §5.1, §6.3).
import type { ProtocolName } from "./protocol.ts";

/** Prompt-cache marker (Anthropic `cache_control`, Bedrock `cachePoint`). */
export interface Cache {
  readonly type: "ephemeral";
  readonly ttl?: string;
}

/** Where an image or document comes from. `vendor` references (S3 locations, file ids) reach only their own protocol. */
export type Media =
  | { readonly kind: "base64"; readonly mediaType: string; readonly data: string }
  | { readonly kind: "url"; readonly url: string; readonly mediaType?: string }
  | { readonly kind: "vendor"; readonly proto: ProtocolName; readonly raw: unknown };

/**
 * A reasoning signature with its provenance (protocols.md §10.4): only the issuing protocol can verify it, so a
 * request writer emits it only when the lane speaks `origin`, and drops the signed block otherwise.
 */
export interface Signature {
  readonly value: string;
  readonly origin: ProtocolName;
}

/** A citation in neutral fields, with the producer's raw object re-emitted unchanged to its own protocol (§7.3). */
export interface Citation {
  readonly startIndex?: number;
  readonly endIndex?: number;
  readonly uri?: string;
  readonly title?: string;
  readonly citedText?: string;
  readonly origin: ProtocolName;
  readonly raw: unknown;
}

export type Block =
  | { kind: "text"; text: string; cache?: Cache; citations?: Citation[] }
  | { kind: "image"; source: Media; cache?: Cache }
  | { kind: "document"; source: Media; name?: string; title?: string; cache?: Cache }
  | { kind: "thinking"; text: string; signature?: Signature; cache?: Cache }
  | { kind: "redacted_thinking"; data: string; origin: ProtocolName; cache?: Cache }
  | {
    kind: "tool_use";
    id: string;
    name: string;
    /** Arguments as an object (AN/BR/GM shape). */
    input: unknown;
    /** The exact argument text when the source carried a string (OA/RS/CO), so string writers re-emit it verbatim. */
    inputText?: string;
    /**
     * Gemini's `thoughtSignature` on a function call (spec README D1). Callers of other protocols cannot carry it,
     * so the seam keeps it in the signature stash and re-attaches it when the tool result comes back.
     */
    signature?: Signature;
    cache?: Cache;
  }
  | { kind: "tool_result"; toolUseId: string; content: Block[]; isError: boolean; cache?: Cache }
  /** Bedrock's structured tool-result content. */
  | { kind: "json"; value: unknown };

export type BlockKind = Block["kind"];
