// Parsing of the path-carried parts of ingress routes, from the raw (still percent-encoded) URL.
import type { GatewayError } from "../ir/errors.ts";
import { isGeminiAction, splitModelAction } from "../proto/gemini/wire.ts";
import type { IngressRoute } from "./generate.ts";

/** The path exactly as sent, before any decoding (Hono's own path is partly decoded). */
export function rawPath(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const q = url.indexOf("?", start);
  return q < 0 ? url.slice(start) : url.slice(start, q);
}

export function queryParam(url: string, name: string): string | undefined {
  const q = url.indexOf("?");
  if (q < 0) return undefined;
  return new URLSearchParams(url.slice(q + 1)).get(name) ?? undefined;
}

/** Percent-decodes exactly once; a malformed escape is kept verbatim rather than failing the request. */
export function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export type GeminiRouteParse =
  | { readonly kind: "route"; readonly route: IngressRoute }
  /** Not a Gemini action: on `/v1/models/` it is OpenAI's model-retrieve namespace. */
  | { readonly kind: "not_gemini" }
  | { readonly kind: "unsupported"; readonly error: GatewayError };

/** `POST /{v1|v1beta}/models/{rest}`: `{rest}` split on its last colon into model and action (protocols.md §2.1). */
export function parseGeminiRoute(url: string, apiVersion: "v1" | "v1beta"): GeminiRouteParse {
  const prefix = `/${apiVersion}/models/`;
  const rest = decodeOnce(rawPath(url).slice(prefix.length));
  const split = splitModelAction(rest);
  if (split === undefined || !/^[A-Za-z]+$/.test(split.action)) return { kind: "not_gemini" };
  const { model, action } = split;
  if (!isGeminiAction(action)) {
    if (apiVersion === "v1" && !KNOWN_OTHER_ACTIONS.has(action)) return { kind: "not_gemini" };
    return {
      kind: "unsupported",
      error: { kind: "not_found", message: `Action '${action}' is not served by this gateway for API version ${apiVersion}.` },
    };
  }
  const stream = action === "streamGenerateContent";
  return {
    kind: "route",
    route: {
      protocol: "gemini",
      op: action === "countTokens" ? "count_tokens" : "generate",
      name: model,
      stream,
      apiVersion,
      geminiJsonArray: stream && queryParam(url, "alt") !== "sse",
    },
  };
}

/** Gemini actions we recognise but do not serve yet (protocols.md §2.1, D14: embeddings later). */
const KNOWN_OTHER_ACTIONS = new Set(["embedContent", "batchEmbedContents", "batchGenerateContent"]);

/** `/model/{modelId}/converse[-stream]`: the id is percent-decoded exactly once (`%3A` → `:`, `%2F` → `/`). */
export function parseBedrockModel(url: string): string {
  const path = rawPath(url);
  const end = path.lastIndexOf("/");
  return decodeOnce(path.slice("/model/".length, end));
}
