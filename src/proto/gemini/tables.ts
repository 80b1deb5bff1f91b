// The Gemini rows of the spec's mapping tables: usage (protocols.md §5.3), finish reasons (§7.2), error statuses
// (§8), reasoning budgets (§10.3), logprobs and citations (§7.3), and the synthetic tool-call ids (§6.6).
import type { Citation } from "../../ir/content.ts";
import type { ErrorKind } from "../../ir/errors.ts";
import { assertNever } from "../../ir/protocol.ts";
import type { ReasoningAsk, ReasoningEffort } from "../../ir/request.ts";
import type { TokenLogprob } from "../../ir/response.ts";
import type { StopReason } from "../../ir/stop.ts";
import { saturatingSub, totalInput, type Usage } from "../../ir/usage.ts";
import type { CitationMetadata, LogprobsResult, UsageMetadata } from "./wire.ts";

// ---- usage ----

/**
 * GM usage → IR: `input = promptTokenCount − cachedContentTokenCount` (saturating), `output = candidates +
 * thoughts`. Tool-use prompt tokens (hosted tools' results fed back) are input too: Google bills them as such.
 */
export function readUsage(u: UsageMetadata | null | undefined): Usage {
  if (u === null || u === undefined) return { input: 0, output: 0 };
  const cached = u.cachedContentTokenCount;
  const thoughts = u.thoughtsTokenCount;
  const out: Usage = {
    input: saturatingSub(u.promptTokenCount ?? 0, cached ?? 0) + (u.toolUsePromptTokenCount ?? 0),
    output: (u.candidatesTokenCount ?? 0) + (thoughts ?? 0),
  };
  if (typeof cached === "number") out.cacheRead = cached;
  if (typeof thoughts === "number") out.reasoning = thoughts;
  return out;
}

export interface UsageOut {
  promptTokenCount: number;
  candidatesTokenCount: number;
  totalTokenCount: number;
  cachedContentTokenCount?: number;
  thoughtsTokenCount?: number;
}

/** IR → GM usage (§5.3 write column): cache writes fold into the prompt total; thoughts reported apart. Key order as Google writes it. */
export function writeUsage(u: Usage): UsageOut {
  const prompt = totalInput(u);
  const out: UsageOut = { promptTokenCount: prompt, candidatesTokenCount: saturatingSub(u.output, u.reasoning ?? 0), totalTokenCount: prompt + u.output };
  if (u.cacheRead !== undefined) out.cachedContentTokenCount = u.cacheRead;
  if (u.reasoning !== undefined) out.thoughtsTokenCount = u.reasoning;
  return out;
}

// ---- finish reasons ----

/**
 * `finishReason` → IR (§7.2 read): STOP is a tool stop when the candidate called functions; the safety family
 * (recitation, blocklists, PII, prohibited content, image safety) is `safety`; an invalid function call is an
 * `error`; unknown values are `other`.
 */
export function readStop(reason: string | null | undefined, calledFunctions: boolean): StopReason | undefined {
  switch (reason) {
    case null: case undefined: return undefined;
    case "STOP": return calledFunctions ? "tool_use" : "end_turn";
    case "MAX_TOKENS": return "max_tokens";
    case "SAFETY": case "RECITATION": case "BLOCKLIST": case "PROHIBITED_CONTENT": case "SPII": case "IMAGE_SAFETY":
    case "IMAGE_PROHIBITED_CONTENT": case "IMAGE_RECITATION":
      return "safety";
    case "MALFORMED_FUNCTION_CALL": case "UNEXPECTED_TOOL_CALL": return "error";
    default: return "other";
  }
}

export type FinishReason = "STOP" | "MAX_TOKENS" | "SAFETY" | "OTHER";

/** IR → `finishReason` (§7.2 write): always a member of the SDK's enum. */
export function writeStop(s: StopReason | undefined): FinishReason {
  if (s === undefined) return "STOP";
  switch (s) {
    case "end_turn": case "stop_sequence": case "tool_use": return "STOP";
    case "max_tokens": return "MAX_TOKENS";
    case "safety": return "SAFETY";
    case "refusal": case "pause_turn": case "error": case "other": return "OTHER";
    default: return assertNever(s, "stop reason");
  }
}

// ---- errors ----

/** google.rpc status names → kind, where the body says more than the HTTP status (or there is none, mid-stream). */
export function kindOfRpcStatus(status: string | null | undefined): ErrorKind | undefined {
  switch (status) {
    case "INVALID_ARGUMENT": case "FAILED_PRECONDITION": case "OUT_OF_RANGE": return "invalid_request";
    case "UNAUTHENTICATED": return "authentication";
    case "PERMISSION_DENIED": return "permission";
    case "NOT_FOUND": return "not_found";
    case "RESOURCE_EXHAUSTED": return "rate_limit";
    case "INTERNAL": case "UNKNOWN": case "DATA_LOSS": return "server_error";
    case "UNAVAILABLE": return "overloaded";
    case "DEADLINE_EXCEEDED": return "timeout";
    default: return undefined;
  }
}

// ---- reasoning ----

/** §10.3 effort table (ascending, > 0). */
export const EFFORT_BUDGET = { minimal: 1024, low: 4096, medium: 8192, high: 16384 } as const satisfies Record<ReasoningEffort, number>;

/** §10.3 GM write: a budget as given, a word through the table, dynamic as −1 (the model decides). */
export function thinkingBudget(ask: ReasoningAsk): number {
  if (ask === "dynamic") return -1;
  return "budget" in ask ? ask.budget : EFFORT_BUDGET[ask.effort];
}

/** Gemini 3's `thinkingLevel` words → the IR effort they name. */
export function effortOfLevel(level: string): ReasoningEffort | undefined {
  switch (level.toUpperCase()) {
    case "MINIMAL": return "minimal";
    case "LOW": return "low";
    case "MEDIUM": return "medium";
    case "HIGH": return "high";
    default: return undefined;
  }
}

// ---- tool-call ids ----

/**
 * A call without `functionCall.id` gets a deterministic id (§6.6): `call_` + 16 hex of a 64-bit hash of its
 * position, name and signature. The signature (unique per generation) keeps ids of different conversations apart,
 * so the signature stash, keyed by the id the caller saw, never hands one conversation's signature to another.
 * wyhash, not SHA-256: an id needs no secrecy, and SHA-256 per call was most of a 32 KB request's read time.
 */
export function syntheticCallId(position: string, name: string, signature: string | undefined): string {
  return `call_${Bun.hash.wyhash(`${position}\u0000${name}\u0000${signature ?? ""}`).toString(16).padStart(16, "0")}`;
}

// ---- logprobs ----

/** `chosenCandidates[i]` zipped with `topCandidates[i].candidates` (§7.3). */
export function readLogprobs(r: LogprobsResult | null | undefined): TokenLogprob[] {
  const chosen = r?.chosenCandidates;
  if (!chosen) return [];
  return chosen.map((c, i) => {
    const out: TokenLogprob = { token: c.token ?? "", logprob: c.logProbability ?? 0 };
    const top = r.topCandidates?.[i]?.candidates;
    if (top) out.top = top.map((t) => ({ token: t.token ?? "", logprob: t.logProbability ?? 0 }));
    return out;
  });
}

export function writeLogprobs(lp: TokenLogprob[]): unknown {
  return {
    topCandidates: lp.map((t) => ({ candidates: (t.top ?? []).map((x) => ({ token: x.token, logProbability: x.logprob })) })),
    chosenCandidates: lp.map((t) => ({ token: t.token, logProbability: t.logprob })),
  };
}

// ---- citations ----

export function readCitations(m: CitationMetadata | null | undefined): Citation[] {
  const sources = m?.citationSources ?? m?.citations ?? [];
  return sources.map((raw): Citation => ({
    ...(typeof raw.startIndex === "number" && { startIndex: raw.startIndex }),
    ...(typeof raw.endIndex === "number" && { endIndex: raw.endIndex }),
    ...(typeof raw.uri === "string" && { uri: raw.uri }),
    ...(typeof raw.title === "string" && { title: raw.title }),
    origin: "gemini",
    raw,
  }));
}

/** Ours come back unchanged; a foreign citation (Anthropic's) through its neutral fields (§7.3). */
export function writeCitation(c: Citation): unknown {
  if (c.origin === "gemini") return c.raw;
  return {
    ...(c.startIndex !== undefined && { startIndex: c.startIndex }),
    ...(c.endIndex !== undefined && { endIndex: c.endIndex }),
    ...(c.uri !== undefined && { uri: c.uri }),
    ...(c.title !== undefined && { title: c.title }),
  };
}
