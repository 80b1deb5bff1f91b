// `direct`: the client talks to the mock upstream itself. The baseline every other path is subtracted from.
import { bodyMaker } from "../bodies.ts";
import { chatHeaders, isStream, notServed, type CallKind, type CallOptions, type CallTarget, type Running } from "./types.ts";

/** Model names the mock is asked for on the direct path (any name works; these match busbar's lanes). */
export const MOCK_MODELS = { openai: "mock-gpt", anthropic: "mock-claude" } as const;

export function directCall(base: string, kind: CallKind, opts: CallOptions): CallTarget {
  const stream = isStream(kind);
  switch (kind) {
    case "openai":
    case "stream":
      return {
        call: {
          url: `${base}/v1/chat/completions`,
          headers: chatHeaders(kind),
          body: bodyMaker({ dialect: "openai", model: MOCK_MODELS.openai, stream, nonce: opts.nonce, ...(opts.bytes === undefined ? {} : { bytes: opts.bytes }) }),
        },
      };
    case "anthropic":
    case "anthropic-stream":
      return {
        call: {
          url: `${base}/v1/messages`,
          headers: chatHeaders(kind),
          body: bodyMaker({ dialect: "anthropic", model: MOCK_MODELS.anthropic, stream, nonce: opts.nonce, ...(opts.bytes === undefined ? {} : { bytes: opts.bytes }) }),
        },
      };
    case "cross":
      return notServed("no gateway on this path: an OpenAI caller cannot reach an Anthropic upstream directly");
    default: {
      const never: never = kind;
      throw new Error(`unknown call kind ${String(never)}`);
    }
  }
}

/** The direct path as a Running: its pid is the delay-0 mock's, so its CPU column is the upstream's own cost. */
export function directPath(upstream: string, mockPid: number, mockVersion: string): Running {
  return {
    name: "direct",
    version: mockVersion,
    pid: mockPid,
    facts: { upstream },
    call: (kind, opts) => directCall(opts.upstream ?? upstream, kind, opts),
    stop: async () => {},
  };
}
