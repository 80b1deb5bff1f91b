// The Bedrock rows of the spec's mapping tables: usage (protocols.md §5.3, D9), stop reasons (§7.2), exception
// names (§8, §9.4), media formats (§6.3) and the Claude thinking floor (§10.3, reached through D4).
import type { Cache } from "../../ir/content.ts";
import type { ErrorKind } from "../../ir/errors.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { StopReason } from "../../ir/stop.ts";
import type { Usage } from "../../ir/usage.ts";
import type { CachePoint, WireUsage } from "./wire.ts";

// ---- usage ----

/** BR usage → IR: `inputTokens` is already uncached; cache reads and writes are additive (§5.3). */
export function readUsage(u: WireUsage | null | undefined): Usage {
  const out: Usage = { input: u?.inputTokens ?? 0, output: u?.outputTokens ?? 0 };
  if (typeof u?.cacheReadInputTokens === "number") out.cacheRead = u.cacheReadInputTokens;
  if (typeof u?.cacheWriteInputTokens === "number") out.cacheWrite = u.cacheWriteInputTokens;
  return out;
}

export interface UsageOut {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  cacheReadInputTokens?: number;
  cacheWriteInputTokens?: number;
}

/** IR → BR usage; `totalTokens` is the sum of all four counts (spec README D9). Cache counts only when known. */
export function writeUsage(u: Usage | undefined): UsageOut {
  const input = u?.input ?? 0;
  const output = u?.output ?? 0;
  const out: UsageOut = { inputTokens: input, outputTokens: output, totalTokens: input + output + (u?.cacheRead ?? 0) + (u?.cacheWrite ?? 0) };
  if (u?.cacheRead !== undefined) out.cacheReadInputTokens = u.cacheRead;
  if (u?.cacheWrite !== undefined) out.cacheWriteInputTokens = u.cacheWrite;
  return out;
}

// ---- stop reasons ----

/** §7.2 read: namesakes; guardrail and content filter → safety; malformed output → error; unknown → `other`. */
export function readStop(s: string | null | undefined): StopReason | undefined {
  switch (s) {
    case null: case undefined: return undefined;
    case "end_turn": case "stop_sequence": case "max_tokens": case "tool_use": return s;
    case "model_context_window_exceeded": return "max_tokens";
    case "guardrail_intervened": case "content_filtered": return "safety";
    case "malformed_model_output": case "malformed_tool_use": return "error";
    default: return "other";
  }
}

export type WireStop = "end_turn" | "stop_sequence" | "max_tokens" | "tool_use" | "content_filtered";

/** §7.2 write: always a member of the Converse enum. */
export function writeStop(s: StopReason | undefined): WireStop {
  if (s === undefined) return "end_turn";
  switch (s) {
    case "end_turn": case "stop_sequence": case "max_tokens": case "tool_use": return s;
    case "safety": return "content_filtered";
    case "refusal": case "pause_turn": case "error": case "other": return "end_turn";
    default: return assertNever(s, "stop reason");
  }
}

// ---- errors ----

/**
 * An AWS error or exception name → kind. Accepts `ThrottlingException`, `throttlingException` and
 * `com.amazonaws.bedrock#ThrottlingException` (and the `:http://…` tail some `x-amzn-ErrorType` values carry).
 */
export function kindOfException(name: string | null | undefined): ErrorKind | undefined {
  if (typeof name !== "string") return undefined;
  let n = name;
  const hash = n.lastIndexOf("#");
  if (hash >= 0) n = n.slice(hash + 1);
  const colon = n.indexOf(":");
  if (colon >= 0) n = n.slice(0, colon);
  switch (n.charAt(0).toLowerCase() + n.slice(1)) {
    case "validationException": return "invalid_request";
    case "unrecognizedClientException": case "invalidSignatureException": case "incompleteSignatureException":
    case "expiredTokenException": case "missingAuthenticationTokenException": return "authentication";
    case "accessDeniedException": return "permission";
    case "resourceNotFoundException": return "not_found";
    case "throttlingException": return "rate_limit";
    case "serviceQuotaExceededException": return "quota";
    case "internalServerException": case "modelStreamErrorException": case "modelErrorException": return "server_error";
    case "serviceUnavailableException": case "modelNotReadyException": return "overloaded";
    case "modelTimeoutException": return "timeout";
    default: return undefined;
  }
}

/**
 * Kind → the exception member of ConverseStreamOutput a BR caller's SDK can raise mid-stream (§9.4: the
 * deserializer keys on these lower-camel names; the union has only these five).
 */
export function streamExceptionOf(kind: ErrorKind): string {
  switch (kind) {
    case "rate_limit": case "quota": return "throttlingException";
    case "overloaded": return "serviceUnavailableException";
    case "server_error": return "internalServerException";
    case "timeout": return "modelStreamErrorException";
    case "invalid_request": case "authentication": case "permission": case "not_found": case "method_not_allowed":
    case "too_large": return "validationException";
    default: return assertNever(kind, "error kind");
  }
}

// ---- cache markers ----

export function readCachePoint(c: CachePoint): Cache {
  return typeof c.ttl === "string" ? { type: "ephemeral", ttl: c.ttl } : { type: "ephemeral" };
}

export function writeCachePoint(c: Cache): { cachePoint: { type: "default"; ttl?: string } } {
  return { cachePoint: c.ttl !== undefined ? { type: "default", ttl: c.ttl } : { type: "default" } };
}

// ---- media ----

const IMAGE_FORMATS: ReadonlySet<string> = new Set(["png", "jpeg", "gif", "webp"]);

/** Image media type → Converse format, or undefined outside png/jpeg/gif/webp. */
export function imageFormatOf(mediaType: string): string | undefined {
  const sub = mediaType.toLowerCase().replace(/^image\//, "");
  const f = sub === "jpg" ? "jpeg" : sub;
  return IMAGE_FORMATS.has(f) ? f : undefined;
}

/** Converse document formats and their media types (DocumentFormat in the SDK's enums). */
const DOCUMENT_TYPES: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  csv: "text/csv",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  html: "text/html",
  txt: "text/plain",
  md: "text/markdown",
};
const DOCUMENT_FORMATS: Readonly<Record<string, string>> = Object.fromEntries(Object.entries(DOCUMENT_TYPES).map(([f, t]) => [t, f]));

export function documentMediaType(format: string | null | undefined): string {
  return (format != null && Object.hasOwn(DOCUMENT_TYPES, format) ? DOCUMENT_TYPES[format] : undefined) ?? "application/octet-stream";
}

export function documentFormatOf(mediaType: string): string | undefined {
  const t = mediaType.toLowerCase();
  return Object.hasOwn(DOCUMENT_FORMATS, t) ? DOCUMENT_FORMATS[t] : undefined;
}

/**
 * A document `name` Converse accepts: letters, digits, single spaces, hyphens, parentheses and square brackets
 * (the API rejects anything else, including the dot of `report.pdf`).
 */
export function documentName(name: string): string {
  return name.replace(/[^A-Za-z0-9\s\-()[\]]/g, "-").replace(/\s+/g, " ").trim().slice(0, 200) || "document";
}
