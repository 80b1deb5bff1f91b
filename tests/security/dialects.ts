// The six ingress dialects for table tests: how each asks for a model, and what each vendor's error looks like.
// The expected envelopes are written out from protocols.md §8 and platform.md §2, not taken from src/proto, so the
// tests check the renderers instead of repeating them.
import { expect } from "bun:test";
import type { ErrorKind } from "../../src/ir/errors.ts";

export const DIALECTS = ["openai", "responses", "anthropic", "gemini", "bedrock", "cohere"] as const;
export type Dialect = (typeof DIALECTS)[number];

/** The mock member (upstream model) behind `pool-<dialect>` in `sixProtocolYaml`. */
export const MEMBER: Record<Dialect, string> = {
  openai: "upstream-openai", responses: "upstream-responses", anthropic: "upstream-anthropic",
  gemini: "upstream-gemini", bedrock: "vendor.model-v1:0", cohere: "upstream-cohere",
};

const seg = (model: string) => encodeURIComponent(model);

/** Path and JSON body asking `model` for a short answer in dialect `d`; `extra` is merged into the body. */
export function ask(d: Dialect, model: string, o: { stream?: boolean; extra?: Record<string, unknown> } = {}): { path: string; body: string } {
  const stream = o.stream === true;
  const user = [{ role: "user", content: "hi" }];
  const withStream = stream ? { stream: true } : {};
  switch (d) {
    case "openai": return { path: "/v1/chat/completions", body: JSON.stringify({ model, messages: user, ...withStream, ...o.extra }) };
    case "responses": return { path: "/v1/responses", body: JSON.stringify({ model, input: "hi", ...withStream, ...o.extra }) };
    case "anthropic": return { path: "/v1/messages", body: JSON.stringify({ model, max_tokens: 16, messages: user, ...withStream, ...o.extra }) };
    case "cohere": return { path: "/v2/chat", body: JSON.stringify({ model, messages: user, ...withStream, ...o.extra }) };
    case "gemini": return {
      path: `/v1beta/models/${seg(model)}:${stream ? "streamGenerateContent?alt=sse" : "generateContent"}`,
      body: JSON.stringify({ contents: [{ role: "user", parts: [{ text: "hi" }] }], ...o.extra }),
    };
    case "bedrock": return {
      path: `/model/${seg(model)}/${stream ? "converse-stream" : "converse"}`,
      body: JSON.stringify({ messages: [{ role: "user", content: [{ text: "hi" }] }], ...o.extra }),
    };
  }
}

/** Where the model name goes: in the body, or in the path (Gemini, Bedrock). */
export const MODEL_IN_PATH: Record<Dialect, boolean> = {
  openai: false, responses: false, anthropic: false, cohere: false, gemini: true, bedrock: true,
};

/** The path a dialect posts a raw body to, with `pool-<d>` named in the path where the dialect puts it there. */
export function pathFor(d: Dialect): string {
  return ask(d, `pool-${d}`).path;
}

type Kind = Extract<ErrorKind, "invalid_request" | "not_found" | "too_large" | "overloaded" | "server_error">;

const STATUS: Record<Kind, Record<Dialect, number>> = {
  invalid_request: { openai: 400, responses: 400, anthropic: 400, gemini: 400, bedrock: 400, cohere: 400 },
  not_found: { openai: 404, responses: 404, anthropic: 404, gemini: 404, bedrock: 404, cohere: 404 },
  too_large: { openai: 413, responses: 413, anthropic: 413, gemini: 400, bedrock: 400, cohere: 413 },
  overloaded: { openai: 503, responses: 503, anthropic: 529, gemini: 503, bedrock: 503, cohere: 503 },
  server_error: { openai: 500, responses: 500, anthropic: 500, gemini: 500, bedrock: 500, cohere: 500 },
};
const OA_TYPE: Record<Kind, string> = {
  invalid_request: "invalid_request_error", not_found: "not_found_error", too_large: "invalid_request_error",
  overloaded: "server_error", server_error: "server_error",
};
const AN_TYPE: Record<Kind, string> = {
  invalid_request: "invalid_request_error", not_found: "not_found_error", too_large: "request_too_large",
  overloaded: "overloaded_error", server_error: "api_error",
};
const GM_STATUS: Record<Kind, string> = {
  invalid_request: "INVALID_ARGUMENT", not_found: "NOT_FOUND", too_large: "INVALID_ARGUMENT", overloaded: "UNAVAILABLE", server_error: "INTERNAL",
};
const BR_TYPE: Record<Kind, string> = {
  invalid_request: "ValidationException", not_found: "ResourceNotFoundException", too_large: "ValidationException",
  overloaded: "ServiceUnavailableException", server_error: "InternalServerException",
};

/** What a test compares: status, parsed body, and the one header a dialect's SDK reads the error type from. */
export interface Seen {
  readonly status: number;
  readonly body: unknown;
  readonly amznType: string | undefined;
}

export async function seen(res: Response): Promise<Seen> {
  const text = await res.text();
  let body: unknown = text;
  try { body = JSON.parse(text); } catch { /* keep the text */ }
  return { status: res.status, body, amznType: res.headers.get("x-amzn-errortype") ?? undefined };
}

/** The vendor's own error for `kind` in dialect `d`; `oa` overrides OpenAI's param/code (model-not-found sets both). */
export function nativeError(d: Dialect, kind: Kind, message: string | ReturnType<typeof expect.stringContaining>, oa: { param?: string; code?: string } = {}): Seen {
  const status = STATUS[kind][d];
  switch (d) {
    case "openai":
    case "responses":
      return { status, body: { error: { message, type: OA_TYPE[kind], param: oa.param ?? null, code: oa.code ?? null } }, amznType: undefined };
    case "anthropic":
      return { status, body: { type: "error", error: { type: AN_TYPE[kind], message }, request_id: expect.any(String) }, amznType: undefined };
    case "gemini":
      return { status, body: { error: { code: status, message, status: GM_STATUS[kind] } }, amznType: undefined };
    case "bedrock":
      return { status, body: { message, __type: BR_TYPE[kind] }, amznType: BR_TYPE[kind] };
    case "cohere":
      return { status, body: { message }, amznType: undefined };
  }
}

/** platform.md §2: the gateway's auth failure, per dialect. */
export function authFailure(d: Dialect): Seen {
  switch (d) {
    case "openai":
    case "responses":
      return { status: 401, body: { error: { message: "Incorrect API key provided.", type: "authentication_error", param: null, code: "invalid_api_key" } }, amznType: undefined };
    case "anthropic":
      return { status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" }, request_id: expect.any(String) }, amznType: undefined };
    case "gemini":
      return { status: 400, body: { error: { code: 400, message: "API key not valid. Please pass a valid API key.", status: "INVALID_ARGUMENT", details: expect.any(Array) } }, amznType: undefined };
    case "bedrock":
      return { status: 403, body: { message: "", __type: "AccessDeniedException" }, amznType: "AccessDeniedException" };
    case "cohere":
      return { status: 401, body: { message: "invalid api token" }, amznType: undefined };
  }
}

/** The model-not-found answer for a name the gateway does not know. */
export function modelNotFound(d: Dialect, name: string): Seen {
  if (d === "gemini") {
    return nativeError(d, "not_found", `models/${name} is not found for API version v1beta, or is not supported for the task you are trying to perform.`);
  }
  return nativeError(d, "not_found", `The model '${name}' does not exist or you do not have access to it.`, { param: "model", code: "model_not_found" });
}
