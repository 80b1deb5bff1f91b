// Which dialect a request "looks like" when no route claims it, or before its route is known
// (protocols.md §2.1, §2.4; platform.md §2): used for 404/405 and auth rejections.
import type { Dialect } from "./respond.ts";

const GEMINI_ACTION_TAIL = /^\/v1\/models\/[^/]+:[A-Za-z]+$/;

export function dialectOfPath(method: string, path: string, headers: Headers): Dialect {
  if (path.startsWith("/v1beta/") || path === "/v1beta") return { protocol: "gemini", apiVersion: "v1beta" };
  if (method === "POST" && GEMINI_ACTION_TAIL.test(path) && isGeminiActionPath(path)) return { protocol: "gemini", apiVersion: "v1" };
  if (path.startsWith("/model/")) return { protocol: "bedrock" };
  if (path.endsWith("/v1/messages") || path.endsWith("/v1/messages/count_tokens")) return { protocol: "anthropic" };
  if (path.startsWith("/v2/")) return { protocol: "cohere" };
  if (path === "/v1/models" || path === "/models" || path.startsWith("/v1/models/")) return discoveryDialect(path, headers);
  if (path.endsWith("/responses")) return { protocol: "responses" };
  return { protocol: "openai" };
}

function isGeminiActionPath(path: string): boolean {
  const action = path.slice(path.lastIndexOf(":") + 1);
  return action === "generateContent" || action === "streamGenerateContent" || action === "countTokens"
    || action === "embedContent" || action === "batchEmbedContents" || action === "batchGenerateContent";
}

/** `GET /v1/models` is shared: `anthropic-version` → Anthropic; `x-goog-api-key` or `/v1beta` → Gemini; else OpenAI. */
export function discoveryDialect(path: string, headers: Headers): Dialect {
  if (path.startsWith("/v1beta")) return { protocol: "gemini", apiVersion: "v1beta" };
  if (headers.has("anthropic-version")) return { protocol: "anthropic" };
  if (headers.has("x-goog-api-key")) return { protocol: "gemini", apiVersion: "v1" };
  return { protocol: "openai" };
}
