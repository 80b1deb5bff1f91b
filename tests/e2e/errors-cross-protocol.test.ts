// Errors cross too (protocols.md §8): a client-fault error from a lane of protocol X reaches a caller of protocol Y
// as Y's native status and envelope, upstream message preserved, so Y's SDK raises its usual exception class. Every
// other upstream error is the lane's fault (reliability.md §6): the lane is benched or hard-down, and with no
// other member the caller gets its dialect's exhaustion answer (503; Anthropic 529), never the upstream's body.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import OpenAI from "openai";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const STATUSES = [400, 401, 403, 404, 413, 429, 500, 503, 529, 504] as const;
const LANES = ["openai", "responses", "anthropic"] as const;
/** The mock's message for each status (src/mock/errors.ts), which must survive the hop. */
const MESSAGE: Record<number, string> = {
  400: "Invalid request.", 401: "Invalid authentication credentials.", 403: "Permission denied.", 404: "Not found.",
  413: "Request too large.", 429: "Rate limit exceeded.", 500: "The server had an error while processing your request.",
  503: "The server is overloaded.", 529: "The server is overloaded.", 504: "The request timed out.",
};

let gw: TestGateway;
beforeAll(async () => {
  const models = LANES.flatMap((lane) => STATUSES.map((s) =>
    `  err-${lane}-${s}: { provider: up-${lane}, upstream_model: "x@status=${s}${s === 429 ? "@retry-after=7" : ""}" }`));
  gw = await startGateway({
    yaml: (mock) => sixProtocolYaml(mock).replace("models:\n", `models:\n${models.join("\n")}\n`),
    env: LANE_ENV,
  });
});
afterAll(() => gw.stop());

interface Caught { cls: string; status: number | undefined; retryAfter: string | null | undefined; hasMessage: boolean }

async function catchIt(status: number, call: () => Promise<unknown>): Promise<Caught> {
  try {
    await call();
  } catch (e) {
    const err = e as { constructor: { name: string }; status?: number; message: string; headers?: Headers };
    return { cls: err.constructor.name, status: err.status, retryAfter: status === 429 ? err.headers?.get("retry-after") : undefined, hasMessage: err.message.includes(MESSAGE[status]!) };
  }
  throw new Error("no error raised");
}

const OPENAI_CLASS: Record<number, [string, number]> = {
  400: ["BadRequestError", 400], 401: ["AuthenticationError", 401], 403: ["PermissionDeniedError", 403], 404: ["NotFoundError", 404],
  413: ["APIError", 413], 429: ["RateLimitError", 429], 500: ["InternalServerError", 500], 503: ["InternalServerError", 503],
  529: ["InternalServerError", 503], 504: ["InternalServerError", 504],
};
const ANTHROPIC_CLASS: Record<number, [string, number]> = {
  400: ["BadRequestError", 400], 401: ["AuthenticationError", 401], 403: ["PermissionDeniedError", 403], 404: ["NotFoundError", 404],
  413: ["ContentTooLargeError", 413], 429: ["RateLimitError", 429], 500: ["InternalServerError", 500], 503: ["OverloadedError", 529],
  529: ["OverloadedError", 529], 504: ["GatewayTimeoutError", 504],
};

/** Statuses that are the caller's fault: relayed, not failed over (reliability.md §6 stage 2). */
const RELAYED = new Set([400, 404, 413]);
const EXHAUSTED: Record<string, [string, number]> = { openai: ["InternalServerError", 503], anthropic: ["OverloadedError", 529] };

const expected = (table: Record<number, [string, number]>, s: number): Caught => {
  if (RELAYED.has(s)) return { cls: table[s]![0], status: table[s]![1], retryAfter: undefined, hasMessage: true };
  const [cls, status] = EXHAUSTED[table === ANTHROPIC_CLASS ? "anthropic" : "openai"]!;
  // A 429's Retry-After benches the lane for that long: the exhaustion answer's Retry-After is what remains.
  return { cls, status, retryAfter: s === 429 ? "7" : undefined, hasMessage: false };
};

for (const lane of LANES) {
  describe(`${lane} lane errors`, () => {
    if (lane !== "openai") {
      test("→ openai chat caller", async () => {
        const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
        const got = [];
        for (const s of STATUSES) got.push(await catchIt(s, () => client.chat.completions.create({ model: `err-${lane}-${s}`, messages: [{ role: "user", content: "x" }] })));
        expect(got).toEqual(STATUSES.map((s) => expected(OPENAI_CLASS, s)));
      });
    }
    if (lane !== "responses") {
      test("→ openai responses caller", async () => {
        const client = new OpenAI({ apiKey: CALLER_TOKEN, baseURL: `${gw.url}/v1`, maxRetries: 0 });
        const got = [];
        for (const s of STATUSES) got.push(await catchIt(s, () => client.responses.create({ model: `err-${lane}-${s}`, input: "x" })));
        expect(got).toEqual(STATUSES.map((s) => expected(OPENAI_CLASS, s)));
      });
    }
    if (lane !== "anthropic") {
      test("→ anthropic caller", async () => {
        const client = new Anthropic({ apiKey: CALLER_TOKEN, baseURL: gw.url, maxRetries: 0 });
        const got = [];
        for (const s of STATUSES) got.push(await catchIt(s, () => client.messages.create({ model: `err-${lane}-${s}`, max_tokens: 16, messages: [{ role: "user", content: "x" }] })));
        expect(got).toEqual(STATUSES.map((s) => expected(ANTHROPIC_CLASS, s)));
      });
    }
  });
}
