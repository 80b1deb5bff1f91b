// Gemini generateContent on the wire (protocols.md §1, §2.1). Egress always streams with `alt=sse`.
import * as v from "valibot";
import { assertNever } from "../../ir/protocol.ts";
import type { CredentialStyle, Operation } from "../types.ts";
import { encodePathSegment } from "../types.ts";

export const GEMINI_ACTIONS = ["generateContent", "streamGenerateContent", "countTokens"] as const;
export type GeminiAction = (typeof GEMINI_ACTIONS)[number];

/** `{rest}` after `/models/`: optional leading `models/` stripped, split on the LAST colon. */
export function splitModelAction(rest: string): { model: string; action: string } | undefined {
  const tail = rest.startsWith("models/") ? rest.slice("models/".length) : rest;
  const i = tail.lastIndexOf(":");
  if (i <= 0) return undefined;
  return { model: tail.slice(0, i), action: tail.slice(i + 1) };
}

export function isGeminiAction(a: string): a is GeminiAction {
  return (GEMINI_ACTIONS as readonly string[]).includes(a);
}

export function egressPath(op: Operation, model: string, stream: boolean): string {
  const m = `/v1beta/models/${encodePathSegment(model)}`;
  if (op === "count_tokens") return `${m}:countTokens`;
  return stream ? `${m}:streamGenerateContent?alt=sse` : `${m}:generateContent`;
}

/** The key travels in `x-goog-api-key`, never in the URL. */
export function credentialHeaders(key: string, style: CredentialStyle): Record<string, string> {
  switch (style) {
    case "none": return {};
    case "bearer": return { authorization: `Bearer ${key}` };
    case "api-key": case "native": return { "x-goog-api-key": key };
    default: return assertNever(style, "credential style");
  }
}

// ---- the shapes the codec reads (field names from @google/genai `dist/genai.d.ts`, REST spelling) ----
// Objects are loose: fields busbar does not model pass validation and the reader decides (extra, or a ledger
// entry). Parts, the bulk of a request and of every stream chunk, are narrowed by hand in parts.ts instead
// (the measured exception also made in proto/openai/hot.ts).

const str = v.string();
const num = v.number();
const parts = v.nullish(v.array(v.unknown()));

export const Content = v.looseObject({ role: v.nullish(str), parts });

export const FunctionDeclaration = v.looseObject({
  name: str,
  description: v.nullish(str),
  parameters: v.nullish(v.unknown()),
  parametersJsonSchema: v.nullish(v.unknown()),
});
/** A tool entry: function declarations, and/or Google's hosted tools (`googleSearch`, `codeExecution`, …). */
export const Tool = v.looseObject({ functionDeclarations: v.nullish(v.array(FunctionDeclaration)) });

export const FunctionCallingConfig = v.looseObject({ mode: v.nullish(str), allowedFunctionNames: v.nullish(v.array(str)) });
export const ToolConfig = v.looseObject({ functionCallingConfig: v.nullish(FunctionCallingConfig) });

export const ThinkingConfig = v.looseObject({
  thinkingBudget: v.nullish(num),
  includeThoughts: v.nullish(v.boolean()),
  thinkingLevel: v.nullish(str),
});

export const GenerationConfig = v.looseObject({
  maxOutputTokens: v.nullish(num),
  temperature: v.nullish(num),
  topP: v.nullish(num),
  topK: v.nullish(num),
  candidateCount: v.nullish(num),
  frequencyPenalty: v.nullish(num),
  presencePenalty: v.nullish(num),
  seed: v.nullish(num),
  stopSequences: v.nullish(v.array(str)),
  responseMimeType: v.nullish(str),
  responseSchema: v.nullish(v.unknown()),
  responseJsonSchema: v.nullish(v.unknown()),
  responseLogprobs: v.nullish(v.boolean()),
  logprobs: v.nullish(num),
  thinkingConfig: v.nullish(ThinkingConfig),
});
/** generationConfig keys the IR models; the others ride in `extra.generationConfig` (Gemini lanes only). */
export const MODELED_GENERATION_KEYS: ReadonlySet<string> = new Set(Object.keys(GenerationConfig.entries));

export const Request = v.looseObject({
  contents: v.array(v.unknown()),
  systemInstruction: v.nullish(v.union([str, Content])),
  tools: v.nullish(v.array(Tool)),
  toolConfig: v.nullish(ToolConfig),
  generationConfig: v.nullish(GenerationConfig),
});

/**
 * Top-level request keys the IR models; every other key (`safetySettings`, `cachedContent`, `labels`, …) goes to
 * `extra`. A body `model` is routing, which the URL already did (protocols.md §1: GM bodies carry no model).
 */
export const MODELED_REQUEST_KEYS: ReadonlySet<string> = new Set(["contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "model"]);

// ---- responses and stream chunks ----

export const UsageMetadata = v.looseObject({
  promptTokenCount: v.nullish(num),
  cachedContentTokenCount: v.nullish(num),
  candidatesTokenCount: v.nullish(num),
  thoughtsTokenCount: v.nullish(num),
  toolUsePromptTokenCount: v.nullish(num),
  totalTokenCount: v.nullish(num),
});
export type UsageMetadata = v.InferOutput<typeof UsageMetadata>;

const LogprobsCandidate = v.looseObject({ token: v.nullish(str), logProbability: v.nullish(num) });
export const LogprobsResult = v.looseObject({
  chosenCandidates: v.nullish(v.array(LogprobsCandidate)),
  topCandidates: v.nullish(v.array(v.looseObject({ candidates: v.nullish(v.array(LogprobsCandidate)) }))),
});
export type LogprobsResult = v.InferOutput<typeof LogprobsResult>;

/** The REST API says `citationSources`; the SDK renames it `citations`, which is read too. */
export const CitationSource = v.looseObject({
  startIndex: v.nullish(num),
  endIndex: v.nullish(num),
  uri: v.nullish(str),
  title: v.nullish(str),
});
export const CitationMetadata = v.looseObject({
  citationSources: v.nullish(v.array(CitationSource)),
  citations: v.nullish(v.array(CitationSource)),
});
export type CitationMetadata = v.InferOutput<typeof CitationMetadata>;

export const Candidate = v.looseObject({
  content: v.nullish(Content),
  finishReason: v.nullish(str),
  citationMetadata: v.nullish(CitationMetadata),
  logprobsResult: v.nullish(LogprobsResult),
  groundingMetadata: v.nullish(v.unknown()),
  urlContextMetadata: v.nullish(v.unknown()),
});

/** One GenerateContentResponse: the whole non-stream body, or one stream chunk. */
export const Response = v.looseObject({
  candidates: v.nullish(v.array(Candidate)),
  promptFeedback: v.nullish(v.looseObject({ blockReason: v.nullish(str) })),
  usageMetadata: v.nullish(UsageMetadata),
  modelVersion: v.nullish(str),
});
export type Response = v.InferOutput<typeof Response>;

/** google.rpc.Status in its JSON envelope (protocols.md §8); `details[].reason` names a bad key. */
export const ErrorBody = v.looseObject({
  error: v.looseObject({
    code: v.nullish(num),
    message: v.nullish(str),
    status: v.nullish(str),
    details: v.nullish(v.array(v.looseObject({ reason: v.nullish(v.unknown()) }))),
  }),
});
