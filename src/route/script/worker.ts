// The script policy's worker thread (reliability.md §11.4): one QuickJS instance, off the request event loop. The
// main thread (script/workers.ts) sends the source once, then calls; a call that overruns its wall-clock bound is
// answered there and this thread is terminated, so not even a native loop inside the engine can stall proxying.
import type { CallResult } from "./sandbox.ts";
import { ScriptInstance, scriptEngine } from "./sandbox.ts";
import { decodeCall, encodeResult } from "./wire.ts";

/** A string is a call (wire.ts); the rest are objects. */
export type ToWorker =
  | string
  | { readonly kind: "compile"; readonly source: string }
  | { readonly kind: "statics"; readonly key: number; readonly json: string; readonly reset: boolean };

/** A string is a call's result (wire.ts); the rest are objects. */
export type FromWorker =
  | string
  | { readonly kind: "ready" }
  | { readonly kind: "compile_error"; readonly message: string }
  | { readonly kind: "log"; readonly message: string };

declare const self: Worker;
let instance: ScriptInstance | undefined;
const send = (m: FromWorker) => self.postMessage(m);

self.onmessage = async (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  if (typeof m === "string") {
    const { id, cpuMs, input } = decodeCall(m);
    const result: CallResult = instance === undefined
      ? { ok: false, reason: "error", message: "the script is not compiled" }
      : instance.run(input, cpuMs);
    send(encodeResult(id, result));
    return;
  }
  switch (m.kind) {
    case "compile":
      try {
        instance = new ScriptInstance(await scriptEngine(), m.source, (message) => send({ kind: "log", message }));
        send({ kind: "ready" });
      } catch (err) {
        send({ kind: "compile_error", message: err instanceof Error ? err.message : String(err) });
      }
      return;
    case "statics":
      instance?.setStatics(m.key, m.json, m.reset);
      return;
    default: {
      const never: never = m;
      throw new Error(`unknown message ${String(never)}`);
    }
  }
};
