// Which upstream endpoint a request is for, by method and path, as the real providers lay them out
// (protocols.md §1 egress paths). Unmatched paths get an error in the dialect the path resembles (§2.1).
import { anthropic } from "./anthropic.ts";
import { bedrock } from "./bedrock.ts";
import { cohere } from "./cohere.ts";
import { gemini } from "./gemini.ts";
import { openai } from "./openai.ts";
import type { ChatProtocol, MockProtocolName } from "./protocol.ts";
import { responses } from "./responses.ts";

export type Route =
  | { readonly kind: "stats" }
  /** Anything else under `/__mock/`: the control API (control-api.ts) answers it. */
  | { readonly kind: "control" }
  /** `model`/`stream` are set when the URL decides them (Gemini, Bedrock), else read from the body. */
  | { readonly kind: "chat"; readonly protocol: ChatProtocol; readonly model?: string; readonly stream?: boolean }
  | { readonly kind: "count_tokens"; readonly protocol: ChatProtocol; readonly model?: string }
  | { readonly kind: "embeddings" }
  | { readonly kind: "unmatched"; readonly dialect: MockProtocolName; readonly status: 400 | 404 | 405; readonly message: string };

/** A Map, not an object literal, so `/constructor` is not found on the prototype. */
const POST_ROUTES: ReadonlyMap<string, Route> = new Map<string, Route>([
  ["/v1/chat/completions", { kind: "chat", protocol: openai }],
  ["/v1/responses", { kind: "chat", protocol: responses }],
  ["/v1/messages", { kind: "chat", protocol: anthropic }],
  ["/v1/messages/count_tokens", { kind: "count_tokens", protocol: anthropic }],
  ["/v1/embeddings", { kind: "embeddings" }],
  ["/v2/chat", { kind: "chat", protocol: cohere }],
]);

const GEMINI = /^\/(v1|v1beta)\/models\/(.+)$/;
const BEDROCK = /^\/model\/([^/]+)\/(converse|converse-stream)$/;

function decodeOnce(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** The dialect an unknown path resembles (protocols.md §2.1). */
function dialectOf(path: string): MockProtocolName {
  if (path.startsWith("/v1beta/")) return "gemini";
  if (path.startsWith("/model/")) return "bedrock";
  if (path.endsWith("/v1/messages")) return "anthropic";
  if (path.startsWith("/v2/")) return "cohere";
  return "openai";
}

/** 405 when the path exists (`known`) but not for this method, else 404. */
function unmatched(method: string, path: string, known: boolean, dialect = dialectOf(path)): Route {
  return known
    ? { kind: "unmatched", dialect, status: 405, message: `Method ${method} is not allowed on ${path}.` }
    : { kind: "unmatched", dialect, status: 404, message: `Unknown path ${method} ${path}.` };
}

function geminiRoute(method: string, path: string, version: string, rest: string): Route {
  // The model may itself contain colons, so the action is what follows the LAST one (protocols.md §2.1).
  const colon = rest.lastIndexOf(":");
  const action = colon < 0 ? "" : rest.slice(colon + 1);
  const known = action === "generateContent" || action === "streamGenerateContent" || action === "countTokens";
  if (!known) {
    // `/v1/models/...` without a Gemini action is OpenAI's model-retrieve namespace.
    return unmatched(method, path, false, version === "v1beta" ? "gemini" : "openai");
  }
  if (method !== "POST") return unmatched(method, path, true, "gemini");
  const model = decodeOnce(rest.slice(0, colon).replace(/^models\//, ""));
  if (model === undefined) return { kind: "unmatched", dialect: "gemini", status: 400, message: "Malformed model name in the path." };
  if (action === "countTokens") return { kind: "count_tokens", protocol: gemini, model };
  return { kind: "chat", protocol: gemini, model, stream: action === "streamGenerateContent" };
}

export function matchRoute(method: string, path: string): Route {
  if (path === "/__mock/stats") return method === "GET" ? { kind: "stats" } : unmatched(method, path, true);
  if (path.startsWith("/__mock/")) return { kind: "control" };
  const fixed = POST_ROUTES.get(path);
  if (fixed !== undefined) return method === "POST" ? fixed : unmatched(method, path, true);
  const gm = GEMINI.exec(path);
  if (gm !== null) return geminiRoute(method, path, gm[1] ?? "", gm[2] ?? "");
  const br = BEDROCK.exec(path);
  if (br !== null) {
    if (method !== "POST") return unmatched(method, path, true);
    // SDKs send `:` as %3A and ARN slashes as %2F; decode exactly once (protocols.md §2.1).
    const model = decodeOnce(br[1] ?? "");
    if (model === undefined) return { kind: "unmatched", dialect: "bedrock", status: 400, message: "Malformed model id in the path." };
    return { kind: "chat", protocol: bedrock, model, stream: br[2] === "converse-stream" };
  }
  return unmatched(method, path, false);
}
