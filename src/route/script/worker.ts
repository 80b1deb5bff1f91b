// The script policy's worker thread (reliability.md §11.4): one QuickJS instance, off the request event loop. The
// main thread (script/workers.ts) sends the source once, then calls; a call that overruns its wall-clock bound is
// answered there and this thread is terminated, so not even a native loop inside the engine can stall proxying.
import type { CallResult } from "./sandbox.ts";
import { ScriptInstance, scriptEngine } from "./sandbox.ts";

export type ToWorker =
  | { readonly kind: "compile"; readonly source: string }
  | { readonly kind: "call"; readonly id: number; readonly input: string; readonly cpuMs: number };

export type FromWorker =
  | { readonly kind: "ready" }
  | { readonly kind: "compile_error"; readonly message: string }
  | { readonly kind: "result"; readonly id: number; readonly result: CallResult }
  | { readonly kind: "log"; readonly message: string };

declare const self: Worker;
let instance: ScriptInstance | undefined;
const send = (m: FromWorker) => self.postMessage(m);

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (m.kind === "compile") {
    try {
      instance = new ScriptInstance(await scriptEngine(), m.source, (message) => send({ kind: "log", message }));
      send({ kind: "ready" });
    } catch (err) {
      send({ kind: "compile_error", message: err instanceof Error ? err.message : String(err) });
    }
    return;
  }
  const result: CallResult = instance === undefined
    ? { ok: false, reason: "error", message: "the script is not compiled" }
    : instance.run(m.input, m.cpuMs);
  send({ kind: "result", id: m.id, result });
};
