// Golden vectors for every ordered pair of protocols with codecs (issue 4): each caller's native request
// fixtures translated to each other lane's wire form (with the ledger), each lane's native responses and streams
// translated to each caller's. Goldens live in tests/golden/pairs/<caller>-<lane>.json; regenerate with
// `BUSBAR_UPDATE_GOLDEN=1 bun test tests/golden` and review the diff like code. Streams must also give the same
// caller bytes when the upstream arrives split at every byte offset, and byte by byte.
import { describe, expect, test } from "bun:test";
import { EventStreamCodec } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { sequentialIds } from "../../src/ir/ids.ts";
import { Ledger } from "../../src/ir/ledger.ts";
import type { ProtocolName } from "../../src/ir/protocol.ts";
import type { Codec, EgressOptions, JsonObject, ResponseContext } from "../../src/proto/codec.ts";
import { PROTOCOLS } from "../../src/proto/registry.ts";
import { prepareRequest, prepareResponse, StreamTranslator } from "../../src/proto/translate.ts";

const DIR = import.meta.dir;
const UPDATE = process.env.BUSBAR_UPDATE_GOLDEN === "1";

/** Where each codec's own fixtures live (each codec's tests own their layout). */
const SOURCES: Record<string, { requests: [string, RegExp]; responses: [string, RegExp, (j: unknown) => unknown]; streams: [string, RegExp] }> = {
  openai: {
    requests: ["openai/request", /^(?!write-).*\.req\.json$/],
    responses: ["openai/response", /^(?!.*\.expect\.json$).*\.json$/, (j) => j],
    streams: ["openai/stream", /^(text-tool|thinking|error)\.sse$/],
  },
  responses: {
    requests: ["responses/request-read", /\.native\.json$/],
    responses: ["responses/response", /\.native\.json$/, (j) => j],
    streams: ["responses/stream", /^(text-tool|thinking)\.sse$/],
  },
  anthropic: {
    requests: ["anthropic/requests", /\.native\.json$/],
    responses: ["anthropic/responses", /\.json$/, (j) => (j as { native: unknown }).native],
    streams: ["anthropic/streams", /^(text-tool|thinking|error)\.sse$/],
  },
  gemini: {
    requests: ["gemini/requests", /\.native\.json$/],
    responses: ["gemini/responses", /\.native\.json$/, (j) => j],
    streams: ["gemini/streams", /^(text-tool|thinking|error)\.sse$/],
  },
  cohere: {
    requests: ["cohere/requests", /\.native\.json$/],
    responses: ["cohere/responses", /\.native\.json$/, (j) => j],
    streams: ["cohere/streams", /^(text-tool|text|thinking|error)\.sse$/],
  },
  bedrock: {
    requests: ["bedrock/requests", /\.native\.json$/],
    responses: ["bedrock/responses", /\.native\.json$/, (j) => j],
    streams: ["bedrock/streams", /^(text-tool|thinking|error)\.bin$/], // raw event-stream bytes
  },
};

function files(dir: string, re: RegExp): [string, string][] {
  const full = join(DIR, dir);
  return readdirSync(full).filter((f) => re.test(f)).sort().map((f) => [f.replace(/\..*$/, ""), readFileSync(join(full, f), "utf8")]);
}

/** Stream fixtures as bytes: `.sse` text and Bedrock's binary `.bin` event streams alike. */
function streamFiles(dir: string, re: RegExp): [string, Uint8Array][] {
  const full = join(DIR, dir);
  return readdirSync(full).filter((f) => re.test(f)).sort().map((f) => [f.replace(/\..*$/, ""), new Uint8Array(readFileSync(join(full, f)))]);
}

/** Binary event-stream frames (Bedrock callers), one line each — `<:event-type or :exception-type> <payload>` — so goldens stay reviewable. */
const frameCodec = new EventStreamCodec(toUtf8, fromUtf8);
function renderFrames(bytes: Uint8Array): string {
  let out = "";
  for (let off = 0; off < bytes.length;) {
    const total = new DataView(bytes.buffer, bytes.byteOffset + off).getUint32(0);
    const m = frameCodec.decode(bytes.subarray(off, off + total));
    const name = m.headers[":event-type"] ?? m.headers[":exception-type"];
    out += `${String(name?.value)} ${toUtf8(m.body)}\n`;
    off += total;
  }
  return out;
}

const ctx = (): ResponseContext => ({ ids: sequentialIds(), now: () => 1_750_000_000_000, model: "lane-model", includeUsage: true, reasoningContent: true });
const LANE = (stream: boolean): EgressOptions => ({ model: "lane-model", stream, defaultMaxTokens: 4096, reasoning: true, promptCaching: false });

function translateRequest(caller: ProtocolName, a: Codec, b: Codec, raw: string) {
  const ledger = new Ledger();
  const ir = a.readRequest(JSON.parse(raw) as JsonObject, { raw, ledger });
  prepareRequest(ir, caller, ledger);
  const upstream = b.writeRequest(ir, LANE(ir.stream), ledger);
  return { upstream: JSON.parse(JSON.stringify(upstream)) as unknown, drops: ledger.drops };
}

function translateResponse(caller: ProtocolName, a: Codec, b: Codec, native: unknown) {
  const ledger = new Ledger();
  const ir = b.readResponse(native as JsonObject, ledger);
  prepareResponse(ir, caller);
  return { caller: a.writeResponse(ir, ctx(), ledger), drops: ledger.drops };
}

const dec = new TextDecoder();
function translateStream(caller: ProtocolName, a: Codec, b: Codec, chunks: Uint8Array[]): string {
  const t = new StreamTranslator(b, a, caller, ctx(), new Ledger());
  const parts = [...chunks.flatMap((c) => t.push(c)), ...t.end()];
  if (parts.some((p) => typeof p !== "string")) return renderFrames(Buffer.concat(parts.map((p) => (typeof p === "string" ? new TextEncoder().encode(p) : p))));
  return parts.map((p) => (typeof p === "string" ? p : dec.decode(p))).join("");
}

const withCodec = (Object.keys(SOURCES) as ProtocolName[]).filter((p) => PROTOCOLS[p].codec !== undefined);
for (const caller of withCodec) {
  for (const lane of withCodec) {
    if (caller === lane) continue;
    const a = PROTOCOLS[caller].codec!;
    const b = PROTOCOLS[lane].codec!;
    const src = SOURCES;
    describe(`${caller} caller → ${lane} lane`, () => {
      const got = {
        requests: Object.fromEntries(files(...src[caller]!.requests).map(([n, raw]) => [n, translateRequest(caller, a, b, raw)])),
        responses: Object.fromEntries(files(src[lane]!.responses[0], src[lane]!.responses[1]).map(([n, raw]) => [n, translateResponse(caller, a, b, src[lane]!.responses[2](JSON.parse(raw)))])),
        streams: Object.fromEntries(streamFiles(...src[lane]!.streams).map(([n, bytes]) => [n, translateStream(caller, a, b, [bytes])])),
      };
      const goldenFile = join(DIR, "pairs", `${caller}-${lane}.json`);
      test("matches the reviewed golden vectors", () => {
        if (UPDATE || !existsSync(goldenFile)) writeFileSync(goldenFile, `${JSON.stringify(got, null, 2)}\n`);
        expect(got).toEqual(JSON.parse(readFileSync(goldenFile, "utf8")));
      });
      test("every stream gives the same caller bytes however the upstream is split", () => {
        for (const [name, bytes] of streamFiles(...src[lane]!.streams)) {
          const whole = got.streams[name];
          for (let i = 1; i < bytes.length; i++) {
            const split = translateStream(caller, a, b, [bytes.subarray(0, i), bytes.subarray(i)]);
            if (split !== whole) throw new Error(`${name}: split at byte ${i} differs`);
          }
          const oneByOne = translateStream(caller, a, b, Array.from(bytes, (_, i) => bytes.subarray(i, i + 1)));
          expect({ name, same: oneByOne === whole }).toEqual({ name, same: true });
        }
      });
    });
  }
}
