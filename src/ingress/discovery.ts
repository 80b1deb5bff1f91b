// Model discovery in the caller's dialect (protocols.md §2.4): pools sorted, then models sorted.
import type { Runtime } from "../runtime.ts";
import { modelNotFoundMessage } from "../proto/gemini/writer.ts";
import { errorResponse, type Dialect } from "./respond.ts";

const EPOCH = "1970-01-01T00:00:00Z";

function entry(d: Dialect, n: string): unknown {
  switch (d.protocol) {
    case "anthropic": return { type: "model", id: n, display_name: n, created_at: EPOCH };
    case "gemini": return { name: `models/${n}`, displayName: n, supportedGenerationMethods: ["generateContent", "streamGenerateContent"] };
    default: return { id: n, object: "model", created: 0, owned_by: "busbar" };
  }
}

export function listModels(rt: Runtime, d: Dialect): Response {
  const names = rt.resolver.names();
  switch (d.protocol) {
    case "anthropic":
      return Response.json({ data: names.map((n) => entry(d, n)), has_more: false, first_id: names[0] ?? null, last_id: names.at(-1) ?? null });
    case "gemini":
      return Response.json({ models: names.map((n) => entry(d, n)) });
    default:
      return Response.json({ object: "list", data: names.map((n) => entry(d, n)) });
  }
}

export function getModel(rt: Runtime, d: Dialect, rawId: string, requestId: string): Response {
  const id = rawId.startsWith("models/") ? rawId.slice("models/".length) : rawId;
  if (rt.resolver.has(id)) return Response.json(entry(d, id));
  const message = d.protocol === "gemini"
    ? modelNotFoundMessage(id, d.apiVersion ?? "v1beta")
    : `The model '${id}' does not exist or you do not have access to it.`;
  return errorResponse(d, { kind: "not_found", message, param: "model", code: "model_not_found" }, requestId);
}
