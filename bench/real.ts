// `bun bench/run.ts real`: the seed's method against a real provider — direct with the provider key,
// and busbar's same ingress to the same model. Spends tokens; never run by CI or smoke.
import { bodyMaker, type Dialect } from "./bodies.ts";
import { startBusbar } from "./gateways/busbar.ts";
import { chatHeaders, isStream, notServed, type CallKind, type CallOptions, type CallTarget, type Running, type StartContext, type StartResult } from "./gateways/types.ts";

export interface RealProvider {
  readonly dialect: Dialect;
  /** Catalog provider name busbar uses. */
  readonly provider: string;
  readonly keyEnv: string;
  readonly model: string;
  readonly directBase: string;
  readonly label: string;
}

/** PROVIDER=anthropic (default, claude-haiku-4-5) or openai (gpt-4o-mini); MODEL overrides the model. */
export function realProvider(env: Readonly<Record<string, string | undefined>>): RealProvider {
  const which = env.PROVIDER ?? "anthropic";
  if (which === "openai") {
    return { dialect: "openai", provider: "openai", keyEnv: "OPENAI_API_KEY", model: env.MODEL ?? "gpt-4o-mini", directBase: "https://api.openai.com", label: "OpenAI" };
  }
  if (which !== "anthropic") throw new Error(`PROVIDER=${which}: expected anthropic or openai`);
  return { dialect: "anthropic", provider: "anthropic", keyEnv: "ANTHROPIC_API_KEY", model: env.MODEL ?? "claude-haiku-4-5", directBase: "https://api.anthropic.com", label: "Anthropic" };
}

const MAX_TOKENS = 16;
/** Small bodies: input tokens cost money too. */
const REAL_BODY_BYTES = 200;

function call(p: RealProvider, base: string, model: string, keyHeaders: Record<string, string>, kind: CallKind, opts: CallOptions): CallTarget {
  const want: Dialect = kind === "anthropic" || kind === "anthropic-stream" ? "anthropic" : "openai";
  if (kind === "cross" || want !== p.dialect) return notServed(`real mode drives ${p.label} only`);
  const path = p.dialect === "anthropic" ? "/v1/messages" : "/v1/chat/completions";
  return {
    call: {
      url: `${base}${path}`,
      headers: chatHeaders(kind, keyHeaders),
      body: bodyMaker({ dialect: p.dialect, model, stream: isStream(kind), nonce: opts.nonce, bytes: opts.bytes ?? REAL_BODY_BYTES, maxTokens: MAX_TOKENS }),
    },
  };
}

export function realDirect(p: RealProvider, key: string): Running {
  const auth: Record<string, string> = p.dialect === "anthropic" ? { "x-api-key": key } : { authorization: `Bearer ${key}` };
  return {
    name: "direct",
    version: p.directBase,
    pid: process.pid,
    facts: { provider: p.provider, model: p.model },
    call: (kind, opts) => call(p, p.directBase, p.model, auth, kind, opts),
    stop: async () => {},
  };
}

export function realBusbarConfig(p: RealProvider, port: number, serverTiming: boolean): string {
  return [
    `listen: "127.0.0.1:${port}"`,
    "auth: { mode: none }",
    "providers:",
    `  ${p.provider}: { api_key_env: ${p.keyEnv} }`,
    "models:",
    `  bench-real-model: { provider: ${p.provider}, upstream_model: ${JSON.stringify(p.model)} }`,
    "pools:",
    "  bench-real: { members: [ { target: bench-real-model } ] }",
    ...(serverTiming ? ["observability: { emit_server_timing: true }"] : []),
    "",
  ].join("\n");
}

export function startRealBusbar(ctx: StartContext, p: RealProvider): Promise<StartResult> {
  return startBusbar(ctx, (port, st) => realBusbarConfig(p, port, st), (base, kind, opts) => call(p, base, "bench-real", {}, kind, opts));
}
