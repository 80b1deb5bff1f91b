// OpenAI embeddings upstream: `POST /v1/embeddings`. Vectors are small, unit-length and a pure function
// of the input text. The openai SDK asks for `encoding_format: "base64"` by default (little-endian
// float32), so both encodings are served.
import { field, list, str } from "./json.ts";
import { charCount, tokensFor } from "./text.ts";

const DEFAULT_DIMENSIONS = 8;
const MAX_DIMENSIONS = 4096;

/** The inputs as texts: a string, a list of strings, or token arrays (rendered as their JSON). */
export function embeddingInputs(body: unknown): string[] {
  const input = field(body, "input");
  const single = str(input);
  if (single !== undefined) return [single];
  const items = list(input);
  // A flat list of numbers is one tokenized input.
  if (items.length > 0 && items.every((x) => typeof x === "number")) return [JSON.stringify(items)];
  return items.map((x) => str(x) ?? JSON.stringify(x));
}

/** FNV-1a over UTF-16 units, then xorshift32 per dimension. */
export function embed(text: string, dimensions: number): Float32Array {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  const v = new Float32Array(dimensions);
  let norm = 0;
  for (let i = 0; i < dimensions; i++) {
    h ^= h << 13; h >>>= 0;
    h ^= h >>> 17;
    h ^= h << 5; h >>>= 0;
    const x = h / 0x1_0000_0000 * 2 - 1;
    v[i] = x;
    norm += x * x;
  }
  const scale = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  for (let i = 0; i < dimensions; i++) v[i] = (v[i] ?? 0) * scale;
  return v;
}

function dimensionsOf(body: unknown): number {
  const d = field(body, "dimensions");
  return typeof d === "number" && Number.isInteger(d) && d >= 1 && d <= MAX_DIMENSIONS ? d : DEFAULT_DIMENSIONS;
}

export function embeddingsResponse(body: unknown, model: string): unknown {
  const inputs = embeddingInputs(body);
  const dims = dimensionsOf(body);
  const base64 = field(body, "encoding_format") === "base64";
  let chars = 0;
  const data = inputs.map((text, index) => {
    chars += charCount(text);
    const v = embed(text, dims);
    const embedding = base64 ? Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64") : Array.from(v);
    return { object: "embedding", index, embedding };
  });
  const tokens = tokensFor(chars);
  return { object: "list", data, model, usage: { prompt_tokens: tokens, total_tokens: tokens } };
}
