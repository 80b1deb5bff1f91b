// Unique request bodies of a fixed size, in the two chat dialects the harness drives.
// Unique so no gateway can answer from a cache; padded so every path moves the same bytes.

export type Dialect = "openai" | "anthropic";

export interface BodySpec {
  readonly dialect: Dialect;
  /** The `model` field the caller sends (a pool name for busbar, the upstream's for direct). */
  readonly model: string;
  readonly stream: boolean;
  /** Approximate body size in bytes (1 KiB by default; the soak uses 150 000). */
  readonly bytes?: number;
  /** Distinguishes runs so two runs never send the same body. */
  readonly nonce: string;
  /** `max_tokens`: always sent on Anthropic (16 unless set), on OpenAI only when set (real mode). */
  readonly maxTokens?: number;
}

const FILLER_UNIT = "lorem ipsum dolor sit amet consectetur adipiscing elit ";

function filler(n: number): string {
  if (n <= 0) return "";
  return FILLER_UNIT.repeat(Math.ceil(n / FILLER_UNIT.length)).slice(0, n);
}

/** A body maker: `seq` → JSON text of about `bytes` bytes whose user message starts with the unique tag. */
export function bodyMaker(spec: BodySpec): (seq: number) => string {
  const maxTokens = spec.maxTokens ?? (spec.dialect === "anthropic" ? 16 : undefined);
  const head = `{"model":${JSON.stringify(spec.model)},${maxTokens === undefined ? "" : `"max_tokens":${maxTokens},`}"stream":${spec.stream},"messages":[{"role":"user","content":"`;
  const tail = `"}]}`;
  const target = spec.bytes ?? 1024;
  // The tag is at most ~40 bytes; the filler makes up the rest once, shared by every body.
  const pad = filler(target - head.length - tail.length - 40);
  const nonce = spec.nonce.replace(/[^A-Za-z0-9-]/g, "");
  return (seq) => `${head}req ${nonce}-${seq} ${pad}${tail}`;
}

export function runNonce(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}
