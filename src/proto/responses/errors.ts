// An upstream Responses error body → kind + message (protocols.md §8; reliability.md §5 stage 1a). The envelope is
// OpenAI's `{"error":{"message","type","param","code"}}`; the status decides the kind (proto/status.ts) unless the
// body says more. Bodies are never relayed across protocols, so only a bounded message is kept.
import * as v from "valibot";
import type { ErrorKind } from "../../ir/errors.ts";
import type { UpstreamError } from "../codec.ts";
import { saysContextExceeded } from "../openai-family.ts";
import { kindOfStatus, mayCarryContextSignal } from "../status.ts";
import { ErrorBody } from "./wire.ts";

const MAX_MESSAGE = 500;
/** Larger bodies are not parsed: an error envelope is small, and a huge body is a proxy page or worse. */
const MAX_BODY = 64 * 1024;

export function readError(status: number, body: string): UpstreamError {
  const kind = kindOfStatus(status);
  const generic = { kind, message: `The upstream answered with HTTP ${status}.`, contextSignal: false, keyRejected: false };
  if (body.length > MAX_BODY) return generic;
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return generic;
  }
  const parsed = v.safeParse(ErrorBody, json);
  if (!parsed.success) return generic;
  const e = parsed.output.error;
  const code = typeof e.code === "string" ? e.code : e.type ?? undefined;
  const errorCode = e.code === null || e.code === undefined ? undefined : String(e.code);
  const message = typeof e.message === "string" && e.message.trim() !== "" ? clip(e.message) : generic.message;
  return {
    kind: refine(kind, e.code, e.type),
    message,
    ...(code !== undefined && { code }),
    ...(errorCode !== undefined && { errorCode }),
    ...(typeof e.type === "string" && { type: e.type }),
    contextSignal: mayCarryContextSignal(status) && (errorCode === "context_length_exceeded" || saysContextExceeded(e.message ?? undefined)),
    keyRejected: false,
  };
}

/** The body refines the status where OpenAI says more than HTTP can (§8: `insufficient_quota` is a quota, not a 429). */
export function refine(kind: ErrorKind, code: unknown, type: unknown): ErrorKind {
  if (code === "insufficient_quota" || type === "insufficient_quota") return "quota";
  return kind;
}

/** A mid-stream error code (`response.failed`, `error` events) → kind. */
export function kindOfCode(code: unknown): ErrorKind {
  switch (code) {
    case "rate_limit_exceeded": return "rate_limit";
    case "insufficient_quota": return "quota";
    case "vector_store_timeout": return "timeout";
    case "server_error": case null: case undefined: return "server_error";
    default:
      return typeof code === "string" && /^(invalid_|image_|empty_|unsupported_|failed_to_download)/.test(code) ? "invalid_request" : "server_error";
  }
}

export function clip(s: string): string {
  return s.length <= MAX_MESSAGE ? s : `${s.slice(0, MAX_MESSAGE - 1)}…`;
}
