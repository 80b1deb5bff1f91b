// The IR-level steps of a cross-protocol hop that belong to no single codec (protocols.md §3.3, §6.6, §9.2):
// tool-id mapping both ways, `n` → 1, and the stream pipeline reader → normaliser → writer.
import type { ErrorKind } from "../ir/errors.ts";
import type { Ledger } from "../ir/ledger.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { IrRequest } from "../ir/request.ts";
import type { IrResponse } from "../ir/response.ts";
import type { StreamEvent } from "../ir/stream.ts";
import { decodeToolId, encodeToolId } from "../ir/toolids.ts";
import type { Usage } from "../ir/usage.ts";
import type { Block } from "../ir/content.ts";
import type { SignatureStash } from "../ir/stash.ts";
import type { Codec, ResponseContext } from "./codec.ts";
import { StreamNormalizer } from "./normalize.ts";
import { StreamProgress } from "./progress.ts";

/**
 * Request side, after the ingress reader: stashed Gemini call signatures re-attached (by the id the caller saw),
 * gateway-minted tool ids back to upstream ids, one candidate only.
 */
export function prepareRequest(ir: IrRequest, caller: ProtocolName, ledger: Ledger, stash?: SignatureStash): void {
  if (stash !== undefined) {
    for (const m of ir.messages) {
      for (const b of m.content) {
        if (b.kind === "tool_use" && b.signature === undefined) {
          const sig = stash.get(b.id);
          if (sig !== undefined) b.signature = sig;
        }
      }
    }
  }
  for (const m of ir.messages) mapIds(m.content, (id) => decodeToolId(id, caller));
  if (ir.n !== undefined && ir.n > 1) {
    ir.n = 1;
    ledger.add("n", "clamped");
  }
}

/** Response side, before the ingress writer: upstream tool ids to the caller's native form; call signatures stashed. */
export function prepareResponse(ir: IrResponse, caller: ProtocolName, stash?: SignatureStash): void {
  mapIds(ir.content, (id) => encodeToolId(id, caller));
  if (stash === undefined) return;
  for (const b of ir.content) if (b.kind === "tool_use" && b.signature !== undefined) stash.put(b.id, b.signature);
}

function mapIds(blocks: Block[], f: (id: string) => string): void {
  for (const b of blocks) {
    if (b.kind === "tool_use") b.id = f(b.id);
    else if (b.kind === "tool_result") {
      b.toolUseId = f(b.toolUseId);
      mapIds(b.content, f);
    }
  }
}

/** One stream's translation state: upstream bytes in, caller wire chunks out. */
export class StreamTranslator {
  private readonly reader;
  private readonly writer;
  private readonly norm = new StreamNormalizer();
  private failed = false;
  /** The normalised events seen so far, for the commit point (reliability.md §8.3). */
  readonly progress = new StreamProgress();

  constructor(
    egress: Codec, ingress: Codec, private readonly caller: ProtocolName, ctx: ResponseContext, ledger: Ledger,
    private readonly stash?: SignatureStash,
  ) {
    this.reader = egress.streamReader(ledger);
    this.writer = ingress.streamWriter(ctx, ledger);
  }

  push(chunk: Uint8Array): (string | Uint8Array)[] {
    return this.emit(this.reader.push(chunk));
  }

  /** Upstream EOF: a stream that never reached its terminal event ends with the caller's native error (§9.6). */
  end(): (string | Uint8Array)[] {
    const out = this.emit(this.reader.end());
    if (!this.norm.complete) out.push(...this.failOnce("server_error", "The upstream stream ended before it completed."));
    return out;
  }

  /** Transport failure after the first byte: the caller's native terminal error, never a silent truncation. */
  fail(kind: ErrorKind, message: string): (string | Uint8Array)[] {
    return this.norm.complete ? [] : this.failOnce(kind, message);
  }

  private failOnce(kind: ErrorKind, message: string): (string | Uint8Array)[] {
    if (this.failed) return [];
    this.failed = true;
    return [this.writer.fail(kind, message)];
  }

  get usage(): Usage {
    return this.norm.usageSoFar();
  }

  private emit(events: StreamEvent[]): (string | Uint8Array)[] {
    const out: (string | Uint8Array)[] = [];
    for (const raw of events) {
      let ev = raw;
      if (raw.t === "block_start" && typeof raw.block === "object") {
        const { toolUse } = raw.block;
        const id = encodeToolId(toolUse.id, this.caller);
        if (toolUse.signature !== undefined) this.stash?.put(id, toolUse.signature);
        ev = { ...raw, block: { toolUse: { ...toolUse, id } } };
      }
      for (const n of this.norm.push(ev)) {
        this.progress.observe(n);
        if (n.t === "error") {
          out.push(...this.failOnce(n.kind, n.message));
          continue;
        }
        const w = this.writer.write(n);
        if (typeof w !== "string" || w.length > 0) out.push(w);
      }
    }
    return out;
  }
}

/**
 * A same-protocol stream's bytes go to the caller untouched; this watches them through the lane's own reader and
 * the normaliser, so the commit point and a cut stream are seen exactly as on a translated hop.
 */
export class StreamWatcher {
  private readonly reader;
  private readonly norm = new StreamNormalizer();
  readonly progress = new StreamProgress();

  constructor(codec: Codec, ledger: Ledger) {
    this.reader = codec.streamReader(ledger);
  }

  push(chunk: Uint8Array): void {
    this.observe(this.reader.push(chunk));
  }

  end(): void {
    this.observe(this.reader.end());
  }

  private observe(events: StreamEvent[]): void {
    for (const ev of events) for (const n of this.norm.push(ev)) this.progress.observe(n);
  }
}
