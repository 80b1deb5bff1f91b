// The script policy's sandbox (reliability.md §11.4): QuickJS compiled to WebAssembly (quickjs-emscripten, the
// single-file variant whose wasm is embedded in its JS, so `bun build --compile` carries it). A script sees only
// what busbar passes in: no network, files, environment, timers, modules or host objects, no clock and no
// randomness (`Date` and `Math.random` are removed). CPU time per call is bounded by the engine's interrupt
// handler, memory by a 16 MiB heap, the stack by a byte limit; any breach rebuilds the instance.
import variant from "@jitl/quickjs-singlefile-mjs-release-sync";
import { newQuickJSWASMModuleFromVariant, type QuickJSContext, type QuickJSHandle, type QuickJSRuntime, type QuickJSWASMModule } from "quickjs-emscripten-core";

export const HEAP_BYTES = 16 * 1024 * 1024;
/** About 256 frames of an ordinary function (QuickJS limits the stack in bytes). */
export const STACK_BYTES = 256 * 1024;
export const MAX_RESULT_CHARS = 4096 * 8;
export const LOG_CAP = 1024;

let engine: Promise<QuickJSWASMModule> | undefined;

/** The engine, instantiated once per process on first use (~100 ms, ~25 MiB), never when no pool has a script. */
export function scriptEngine(): Promise<QuickJSWASMModule> {
  engine ??= newQuickJSWASMModuleFromVariant(variant);
  return engine;
}

/** What a call came to: the JSON text the script returned, or why it did not. */
export type CallResult =
  | { readonly ok: true; readonly json: string | undefined }
  | { readonly ok: false; readonly reason: "timeout" | "error"; readonly message: string };

/**
 * Runs in the sandbox before the operator's script: removes the clock and randomness, and defines the one helper
 * and the call wrapper. `__busbar_call` takes one JSON string (the three arguments) and returns a JSON string, so
 * nothing but plain data crosses in or out.
 */
const PRELUDE = `
"use strict";
delete globalThis.Date;
Math.random = undefined;
globalThis.__busbar_call = (input) => {
  const a = JSON.parse(input);
  const out = route(a[0], a[1], a[2]);
  return out === undefined ? undefined : JSON.stringify(out);
};
`;

export class ScriptInstance {
  private runtime: QuickJSRuntime;
  private ctx: QuickJSContext;
  private call: QuickJSHandle;
  private deadline = Infinity;

  /** Throws a SyntaxError-like Error with the script's own line when the script does not compile or has no `route`. */
  constructor(private readonly mod: QuickJSWASMModule, private readonly source: string, private readonly log: (msg: string) => void) {
    const built = this.build();
    this.runtime = built.runtime;
    this.ctx = built.ctx;
    this.call = built.call;
  }

  private build(): { runtime: QuickJSRuntime; ctx: QuickJSContext; call: QuickJSHandle } {
    const runtime = this.mod.newRuntime();
    runtime.setMemoryLimit(HEAP_BYTES);
    runtime.setMaxStackSize(STACK_BYTES);
    runtime.setInterruptHandler(() => performance.now() > this.deadline);
    const ctx = runtime.newContext();
    try {
      const log = ctx.newFunction("log", (h) => {
        this.log(String(ctx.dump(h)).slice(0, LOG_CAP));
      });
      ctx.setProp(ctx.global, "log", log);
      log.dispose();
      this.deadline = performance.now() + 1000; // compiling a script gets a second, once
      for (const [code, file] of [[PRELUDE, "prelude.js"], [this.source, "policy.js"]] as const) {
        const r = ctx.evalCode(code, file);
        if (r.error) {
          const e = ctx.dump(r.error) as { name?: string; message?: string; stack?: string };
          r.error.dispose();
          const at = /policy\.js:(\d+)/.exec(e.stack ?? "")?.[1];
          throw new Error(`${e.name ?? "Error"}: ${e.message ?? "does not compile"}${at === undefined ? "" : ` (line ${at})`}`);
        }
        r.value.dispose();
      }
      const route = ctx.getProp(ctx.global, "route");
      const isFn = ctx.typeof(route) === "function";
      route.dispose();
      if (!isFn) throw new Error("the script defines no function route(req, candidates, ctx)");
      return { runtime, ctx, call: ctx.getProp(ctx.global, "__busbar_call") };
    } catch (e) {
      ctx.dispose();
      runtime.dispose();
      throw e;
    } finally {
      this.deadline = Infinity;
    }
  }

  /** One call with `cpuMs` of CPU time; the instance is rebuilt after a breach so the next call starts clean. */
  run(inputJson: string, cpuMs: number): CallResult {
    const arg = this.ctx.newString(inputJson);
    this.deadline = performance.now() + cpuMs;
    let result: CallResult;
    try {
      const r = this.ctx.callFunction(this.call, this.ctx.undefined, arg);
      if (r.error) {
        const e = this.ctx.dump(r.error) as { name?: string; message?: string } | string;
        r.error.dispose();
        const message = typeof e === "string" ? e : `${e?.name ?? "Error"}: ${e?.message ?? ""}`;
        result = { ok: false, reason: message.includes("interrupted") ? "timeout" : "error", message };
      } else {
        const v = this.ctx.typeof(r.value) === "string" ? this.ctx.getString(r.value) : undefined;
        r.value.dispose();
        result = v !== undefined && v.length > MAX_RESULT_CHARS
          ? { ok: false, reason: "error", message: `the reply is over ${MAX_RESULT_CHARS} characters` }
          : { ok: true, json: v };
      }
    } catch (e) {
      // The engine itself gave up (out of memory inside the host call): treat as the script's error.
      result = { ok: false, reason: "error", message: e instanceof Error ? e.message : String(e) };
    } finally {
      this.deadline = Infinity;
      arg.dispose();
    }
    if (!result.ok) this.rebuild();
    return result;
  }

  private rebuild(): void {
    try {
      this.call.dispose();
      this.ctx.dispose();
      this.runtime.dispose();
    } catch {
      // A runtime that ran out of memory may refuse a tidy dispose; the new one replaces it regardless.
    }
    const built = this.build();
    this.runtime = built.runtime;
    this.ctx = built.ctx;
    this.call = built.call;
  }

  dispose(): void {
    this.call.dispose();
    this.ctx.dispose();
    this.runtime.dispose();
  }
}
