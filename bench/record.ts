// results.jsonl: one JSON object per line, each carrying the run's identity (platform.md §7.1).
import { appendFileSync } from "node:fs";
import type { RunInfo } from "./machine.ts";
import type { Percentiles } from "./stats.ts";

export interface PercentilesUs {
  readonly n: number;
  readonly p50_us: number | null;
  readonly p99_us: number | null;
  readonly p999_us: number | null;
}

const us = (ns: number): number | null => (Number.isFinite(ns) ? Math.round(ns / 100) / 10 : null);

export function toUs(p: Percentiles): PercentilesUs {
  return { n: p.n, p50_us: us(p.p50), p99_us: us(p.p99), p999_us: us(p.p999) };
}

export class Recorder {
  private seq = 0;
  constructor(private readonly path: string, private readonly run: RunInfo, private readonly mode: string) {}

  write(type: string, fields: Record<string, unknown>): void {
    const r = this.run;
    const line = {
      type,
      seq: this.seq++,
      ts: new Date().toISOString(),
      mode: this.mode,
      busbar: `${r.busbar_version} ${r.busbar_commit}`,
      bun: r.bun,
      os: r.os,
      cpu: r.cpu_model,
      cores: r.cores,
      pinning: r.pinning.gateway === undefined ? r.pinning.note : `gateway cpu ${r.pinning.gateway}, loadgen+mock cpu ${r.pinning.loadgen}`,
      ...fields,
    };
    appendFileSync(this.path, `${JSON.stringify(line)}\n`);
  }
}

/** A global body sequence, so no two requests of one run share a body. */
let nextSeq = 0;
export function seqBlock(n: number): number {
  const base = nextSeq;
  nextSeq += Math.max(0, Math.ceil(n)) + 1;
  return base;
}
