// A fixed set of worker threads per script (reliability.md §11.4), each holding one QuickJS instance. A call takes a
// free worker or, when none is free, is `saturated` at once (on_error applies). Each call has a wall-clock bound of
// its CPU budget plus a margin: past it the caller gets `timeout` and the worker is terminated and replaced, so a
// script stuck where the engine's interrupt check cannot reach (a native loop) costs routing, never proxying.
import type { CallResult } from "./sandbox.ts";
import type { FromWorker, ToWorker } from "./worker.ts";
import { decodeResult, encodeCall } from "./wire.ts";

/** Added to a call's CPU budget for its wall-clock bound: the message round trip and a busy event loop. */
export const WALL_MARGIN_MS = 50;

export type WorkerResult = CallResult | { readonly ok: false; readonly reason: "saturated"; readonly message: string };

/** Candidate sets a worker keeps; past this many it is told to forget them all (a process that reloads often). */
export const MAX_STATIC_SETS = 64;

/** A pool's static candidate fields: `key` names them in the worker, `json` is sent once per worker. */
export interface Statics {
  readonly key: number;
  readonly json: string;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  /** The statics keys this worker has been sent. */
  readonly known: Set<number>;
  busy: { readonly id: number; readonly resolve: (r: WorkerResult) => void; readonly timer: ReturnType<typeof setTimeout> } | undefined;
}

/** A worker that has not compiled its script by then is reported as failed (and a wedged start never hangs boot). */
export const START_TIMEOUT_MS = 15_000;

function spawn(): Worker {
  // From source, the worker sits next to this file. In a compiled binary build.ts embeds it as its own entrypoint,
  // at its path below src/ (the entrypoints' common root), resolved from the binary's main module.
  const compiled = import.meta.url.includes("/$bunfs/");
  return new Worker(compiled ? "./route/script/worker.ts" : new URL("./worker.ts", import.meta.url).href);
}

export class ScriptWorkers {
  private readonly slots: Slot[] = [];
  private readonly starting = new Set<Promise<void>>();
  private nextId = 1;

  private constructor(private readonly source: string, private readonly log: (msg: string) => void) {}

  /** Starts `size` workers and waits for the first to compile: a compile error rejects with the engine's message. */
  static async start(source: string, size: number, log: (msg: string) => void): Promise<ScriptWorkers> {
    const w = new ScriptWorkers(source, log);
    const first = w.add();
    for (let i = 1; i < size; i++) void w.add().catch(() => {});
    await first;
    return w;
  }

  /** Resolves when no worker is starting (tests, and a caller that wants every instance before it begins). */
  async settled(): Promise<void> {
    while (this.starting.size > 0) await Promise.allSettled([...this.starting]);
  }

  /** One worker, compiled; resolves when it is ready. */
  private add(index = this.slots.length): Promise<void> {
    const slot: Slot = { worker: spawn(), ready: false, known: new Set(), busy: undefined };
    this.slots[index] = slot;
    const started = this.compile(slot);
    this.starting.add(started);
    void started.catch(() => {}).finally(() => this.starting.delete(started));
    return started;
  }

  private compile(slot: Slot): Promise<void> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const started = new Promise<void>((resolve, reject) => {
      timer = setTimeout(() => {
        slot.worker.terminate();
        reject(new Error(`the script worker did not start within ${START_TIMEOUT_MS / 1000} s`));
      }, START_TIMEOUT_MS);
      slot.worker.onmessage = (e: MessageEvent<FromWorker>) => {
        const m = e.data;
        if (typeof m === "string") {
          const { id, result } = decodeResult(m);
          this.settle(slot, id, result);
          return;
        }
        switch (m.kind) {
          case "ready": slot.ready = true; resolve(); return;
          case "compile_error": slot.worker.terminate(); reject(new Error(m.message)); return;
          case "log": this.log(m.message); return;
        }
      };
      slot.worker.onerror = (e) => {
        // The worker itself failed (not the script): answer its call and replace it.
        reject(new Error(e.message));
        if (slot.busy !== undefined) this.settle(slot, slot.busy.id, { ok: false, reason: "error", message: "the script worker failed" });
        this.replace(slot);
      };
      slot.worker.unref(); // never keeps the process alive
      slot.worker.postMessage({ kind: "compile", source: this.source } satisfies ToWorker);
    });
    return started.finally(() => clearTimeout(timer));
  }

  private settle(slot: Slot, id: number, result: WorkerResult): void {
    const busy = slot.busy;
    if (busy === undefined || busy.id !== id) return; // a late answer to a call already timed out
    clearTimeout(busy.timer);
    slot.busy = undefined;
    busy.resolve(result);
  }

  private replace(slot: Slot): void {
    slot.worker.terminate();
    const i = this.slots.indexOf(slot);
    if (i >= 0) void this.add(i).catch((e: unknown) => this.log(`script worker restart failed: ${e instanceof Error ? e.message : String(e)}`));
  }

  /** `input` as sandbox.ts's `run` takes it; `statics` are sent first to a worker that has not had them. */
  call(statics: Statics, input: string, cpuMs: number): Promise<WorkerResult> {
    const slot = this.slots.find((s) => s.ready && s.busy === undefined);
    if (slot === undefined) return Promise.resolve({ ok: false, reason: "saturated", message: "every script worker is busy" });
    if (!slot.known.has(statics.key)) {
      const reset = slot.known.size >= MAX_STATIC_SETS;
      if (reset) slot.known.clear();
      slot.known.add(statics.key);
      slot.worker.postMessage({ kind: "statics", key: statics.key, json: statics.json, reset } satisfies ToWorker);
    }
    const id = this.nextId++;
    return new Promise<WorkerResult>((resolve) => {
      const timer = setTimeout(() => {
        this.settle(slot, id, { ok: false, reason: "timeout", message: `no answer within ${cpuMs + WALL_MARGIN_MS} ms` });
        this.replace(slot); // stuck beyond the engine's reach: a fresh worker takes its place
      }, cpuMs + WALL_MARGIN_MS);
      slot.busy = { id, resolve, timer };
      slot.worker.postMessage(encodeCall(id, cpuMs, input) satisfies ToWorker);
    });
  }

  stop(): void {
    for (const s of this.slots) s.worker.terminate();
  }
}
