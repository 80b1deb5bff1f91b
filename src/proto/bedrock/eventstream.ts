// The AWS event-stream framing of ConverseStream (protocols.md §9.4): `[total u32][headers_len u32][prelude_crc
// u32][headers][payload][message_crc u32]`, big-endian, CRC32 (IEEE). Outgoing headers are formatted by Smithy's
// HeaderMarshaller — the AWS SDK's own — once per event type. The rest is ours, measured: the incremental part
// (buffering, length checks before waiting for a body) has to be, checksums use zlib's native CRC32 (the same IEEE
// polynomial), and incoming headers are read by a small parser of §9.4's table, because Smithy's EventStreamCodec
// (JavaScript CRC, a Buffer per header string) cost ~6 µs per encoded and ~4 µs per decoded frame against ~1 µs
// each here, on the hot path of every translated stream. The tests hold both directions to Smithy's
// EventStreamCodec byte for byte.
import { crc32 } from "node:zlib";
import { HeaderMarshaller, type MessageHeaders } from "@smithy/eventstream-codec";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

/** §9.4 limits. */
export const MAX_FRAME = 16 * 1024 * 1024;
const MAX_HEADER_NAME = 255;
const MAX_HEADER_STRING = 65_535;
const PRELUDE = 12;
/** Prelude plus the message CRC: a frame with no headers and no payload. */
const MIN_FRAME = 16;

const marshaller = new HeaderMarshaller(toUtf8, fromUtf8);
/** Value widths of the fixed-size header types (§9.4): bool true/false, byte, short, int, long, timestamp, uuid. */
const FIXED_WIDTH: Readonly<Record<number, number>> = { 0: 0, 1: 0, 2: 1, 3: 2, 4: 4, 5: 8, 8: 8, 9: 16 };
const STRING_TYPE = 7;
const BYTES_TYPE = 6;
/** Scratch copy of an incoming prelude (see FrameDecoder.push). */
const preludeIn = new Uint8Array(8);
const utf8 = new TextDecoder();
const utf8Out = new TextEncoder();

export interface Frame {
  /** String-valued headers (`:message-type`, `:event-type`, …); other header types are not used by Converse. */
  readonly headers: Readonly<Record<string, string>>;
  readonly payload: string;
}

export interface Decoded {
  readonly frames: Frame[];
  /** Set once the stream is unreadable (bad CRC, lengths or headers); nothing is decoded after it. */
  readonly error?: string;
}

/** UTF-8 text of `buf[from, to)`, without a decoder call for the (usual) ASCII case. */
function text(buf: Uint8Array, from: number, to: number): string {
  let s = "";
  for (let i = from; i < to; i++) {
    const c = buf[i]!;
    if (c >= 0x80) return utf8.decode(buf.subarray(from, to));
    s += String.fromCharCode(c);
  }
  return s;
}

/**
 * Parsed header blocks by their bytes: every frame of one event type carries the same block, so each distinct block
 * is parsed once (bounded; a stream with ever-changing headers is simply parsed each time).
 */
const parsedHeaders = new Map<string, Readonly<Record<string, string>>>();

function headersOf(buf: Buffer, from: number, to: number): Readonly<Record<string, string>> | undefined {
  const key = buf.toString("latin1", from, to);
  let h = parsedHeaders.get(key);
  if (h === undefined) {
    h = parseHeaders(buf, from, to);
    if (h !== undefined && parsedHeaders.size < 256) parsedHeaders.set(key, h);
  }
  return h;
}

/** The string headers of `buf[from, to)`; other types are skipped by their width; undefined when malformed. */
function parseHeaders(buf: Uint8Array, from: number, to: number): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  let p = from;
  while (p < to) {
    const nameEnd = p + 1 + buf[p]!;
    if (nameEnd >= to) return undefined;
    const name = text(buf, p + 1, nameEnd);
    const type = buf[nameEnd]!;
    p = nameEnd + 1;
    if (type === STRING_TYPE || type === BYTES_TYPE) {
      if (p + 2 > to) return undefined;
      const end = p + 2 + ((buf[p]! << 8) | buf[p + 1]!);
      if (end > to) return undefined;
      if (type === STRING_TYPE) out[name] = text(buf, p + 2, end);
      p = end;
    } else {
      const width = FIXED_WIDTH[type];
      if (width === undefined || p + width > to) return undefined;
      p += width;
    }
  }
  return out;
}

/**
 * Incremental frame decoder: correct at any split point (STYLE habit 7), linear in the bytes received — chunks
 * are kept as they come and joined only once enough bytes for the next step are present. A partial trailing
 * frame stays buffered.
 */
export class FrameDecoder {
  private chunks: Uint8Array[] = [];
  private size = 0;
  /** Bytes needed before the next step can run: the prelude, or the whole frame once its prelude is trusted. */
  private need = PRELUDE;
  private dead = false;

  push(chunk: Uint8Array): Decoded {
    const frames: Frame[] = [];
    if (this.dead || chunk.length === 0) return { frames };
    this.chunks.push(chunk);
    this.size += chunk.length;
    if (this.size < this.need) return { frames };

    const joined = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.size);
    const buf = Buffer.from(joined.buffer, joined.byteOffset, joined.byteLength); // a view, for latin1/utf8 slices
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    let off = 0;
    let error: string | undefined;
    this.need = PRELUDE;
    while (buf.length - off >= PRELUDE) {
      const total = view.getUint32(off);
      const headersLen = view.getUint32(off + 4);
      // Lengths are trusted only once the prelude CRC holds, and rejected before waiting for a body (§9.4).
      for (let i = 0; i < 8; i++) preludeIn[i] = buf[off + i]!; // a copy, not a view: views cost more than the CRC
      const pc = crc32(preludeIn);
      if (pc !== view.getUint32(off + 8)) { error = "event stream prelude checksum mismatch"; break; }
      if (total < MIN_FRAME || total > MAX_FRAME || headersLen > total - MIN_FRAME) { error = `event stream frame length out of bounds (${total}, headers ${headersLen})`; break; }
      if (buf.length - off < total) { this.need = total; break; }
      // The message CRC holds before the headers or the payload are used.
      if (crc32(buf.subarray(off + 8, off + total - 4), pc) !== view.getUint32(off + total - 4)) { error = "event stream message checksum mismatch"; break; }
      const headers = headersOf(buf, off + PRELUDE, off + PRELUDE + headersLen);
      if (headers === undefined) { error = "event stream headers unreadable"; break; }
      frames.push({ headers, payload: buf.toString("utf8", off + PRELUDE + headersLen, off + total - 4) });
      off += total;
    }
    if (error !== undefined) {
      this.dead = true;
      this.chunks = [];
      this.size = 0;
      return { frames, error };
    }
    // Copy the (small) remainder so a large chunk is not kept alive by a view into it.
    const rest = buf.subarray(off);
    this.chunks = rest.length > 0 ? [new Uint8Array(rest)] : []; // a copy (Buffer#slice would be a view)
    this.size = rest.length;
    return { frames };
  }

  /** Bytes of an incomplete trailing frame still buffered. */
  get buffered(): number {
    return this.size;
  }
}

/** Formatted header blocks by header list: an event type's headers never change, so each is marshalled once. */
const headerCache = new Map<string, Uint8Array | null>();

/** Smithy-formatted string headers, in order; null past the §9.4 limits (name 255 B, string value 65535 B). */
function formatHeaders(headers: readonly (readonly [string, string])[]): Uint8Array | null {
  const h: MessageHeaders = {};
  for (const [name, value] of headers) {
    if (Buffer.byteLength(name) > MAX_HEADER_NAME || Buffer.byteLength(value) > MAX_HEADER_STRING) return null;
    h[name] = { type: "string", value };
  }
  return marshaller.format(h);
}

function cachedHeaders(key: string, make: () => readonly (readonly [string, string])[]): Uint8Array | null {
  let h = headerCache.get(key);
  if (h === undefined) {
    h = formatHeaders(make());
    if (headerCache.size < 256) headerCache.set(key, h);
  }
  return h;
}

function setUint32(out: Uint8Array, at: number, n: number): void {
  out[at] = n >>> 24;
  out[at + 1] = n >>> 16;
  out[at + 2] = n >>> 8;
  out[at + 3] = n;
}

/** Scratch for the prelude and its CRC, so no per-frame views are made (they were a third of the encoder's time). */
const prelude = new Uint8Array(8);
const preludeCrc = new Uint8Array(4);

/** A frame around formatted headers, or undefined past 16 MiB (such a frame is not emitted: §9.4). */
function frameWith(h: Uint8Array | null, payload: string): Uint8Array | undefined {
  if (h === null) return undefined;
  const body = utf8Out.encode(payload);
  const total = PRELUDE + h.length + body.length + 4;
  if (total > MAX_FRAME) return undefined;
  setUint32(prelude, 0, total);
  setUint32(prelude, 4, h.length);
  const pc = crc32(prelude);
  setUint32(preludeCrc, 0, pc);
  // The message CRC continues over prelude, prelude CRC, headers and payload (zlib's crc32 takes a running value).
  const mc = crc32(body, crc32(h, crc32(preludeCrc, pc)));
  const out = new Uint8Array(total);
  out.set(prelude, 0);
  out.set(preludeCrc, 8);
  out.set(h, PRELUDE);
  out.set(body, PRELUDE + h.length);
  setUint32(out, total - 4, mc);
  return out;
}

const JSON_TYPE = [":content-type", "application/json"] as const;

/** An event frame (§9.4 encoder): `:event-type`, `:content-type: application/json`, `:message-type: event`. */
export function eventFrame(eventType: string, payload: string): Uint8Array | undefined {
  const h = cachedHeaders(`e${eventType}`, () => [[":event-type", eventType], JSON_TYPE, [":message-type", "event"]]);
  return frameWith(h, payload);
}

/** An exception frame: `:exception-type` is the Smithy member name the AWS SDK deserializer keys on. */
export function exceptionFrame(exceptionType: string, message: string): Uint8Array | undefined {
  const h = cachedHeaders(`x${exceptionType}`, () => [[":exception-type", exceptionType], JSON_TYPE, [":message-type", "exception"]]);
  return frameWith(h, JSON.stringify({ message }));
}
