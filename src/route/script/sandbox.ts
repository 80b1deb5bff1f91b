// The script policy's sandbox (reliability.md §11.4): QuickJS compiled to WebAssembly (quickjs-emscripten, the
// single-file variant whose wasm is embedded in its JS, so `bun build --compile` carries it). A script sees only
// what busbar passes in: no network, files, environment, timers, modules or host objects, no clock and no
// randomness (`Date` and `Math.random` are removed). CPU time per call is bounded by the engine's interrupt
// handler, memory by a 16 MiB heap, the stack by a byte limit; any breach rebuilds the instance.
import variant from "@jitl/quickjs-singlefile-mjs-release-sync";
import { CONTEXT_FIELDS, DYNAMIC_FIELDS, REQUEST_FIELDS, STATIC_FIELDS } from "../policy-fields.ts";
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

/** `name: from[base + i]` for each field (tags copied, so a script that edits them cannot touch the kept statics). */
const parts = (names: readonly string[], from: string, base = "") =>
  names.map((n, i) => `${n}: ${from}[${base}${i}]${n === "tags" ? ".slice()" : ""}`);

/**
 * Runs in the sandbox before the operator's script: removes the clock and randomness, keeps each pool's static
 * candidate fields (sent once, `__busbar_static`), and defines the call wrapper. `__busbar_call` takes one JSON
 * string, `[statics key, request values, live candidate values, context values]` in policy-fields.ts order, rebuilds
 * the §11.2 objects from it and returns `route`'s reply as a JSON string, so nothing but plain data crosses. Sending
 * values instead of objects, and the statics only once, is most of the call's cost saved: every character that
 * crosses into the engine costs time.
 */
const PRELUDE = `
"use strict";
delete globalThis.Date;
Math.random = undefined;
(() => {
  const statics = new Map();
  globalThis.__busbar_static = (key, json, reset) => {
    if (reset) statics.clear();
    statics.set(key, JSON.parse(json));
  };
  globalThis.__busbar_call = (input) => {
    const a = JSON.parse(input);
    const set = statics.get(a[0]);
    if (set === undefined) throw new Error("busbar: unknown candidate set " + a[0]);
    const q = a[1], d = a[2], x = a[3], candidates = [];
    for (let i = 0, j = 0; i < set.length; i++, j += ${DYNAMIC_FIELDS.length}) {
      const s = set[i];
      candidates.push({ ${[...parts(STATIC_FIELDS, "s"), ...parts(DYNAMIC_FIELDS, "d", "j + ")].join(", ")} });
    }
    const out = route({ ${parts(REQUEST_FIELDS, "q").join(", ")} }, candidates, { ${parts(CONTEXT_FIELDS, "x").join(", ")} });
    return out === undefined ? undefined : JSON.stringify(out);
  };
})();
`;

interface Built {
  readonly runtime: QuickJSRuntime;
  readonly ctx: QuickJSContext;
  readonly call: QuickJSHandle;
  readonly setStatic: QuickJSHandle;
}

export class ScriptInstance {
  private vm: Built;
  private deadline = Infinity;
  /** Every candidate set this instance was given, so a rebuilt sandbox gets them again. */
  private readonly statics = new Map<number, string>();

  /** Throws a SyntaxError-like Error with the script's own line when the script does not compile or has no `route`. */
  constructor(private readonly mod: QuickJSWASMModule, private readonly source: string, private readonly log: (msg: string) => void) {
    this.vm = this.build();
  }

  private build(): Built {
    const runtime = this.mod.newRuntime();
    runtime.setMemoryLimit(HEAP_BYTES);
    runtime.setMaxStackSize(STACK_BYTES);
    runtime.setInterruptHandler(() => performance.now() > this.deadline);
    const ctx = runtime.newContext();
    const held: QuickJSHandle[] = [];
    try {
      const log = ctx.newFunction("log", (h) => {
        this.log(String(ctx.dump(h)).slice(0, LOG_CAP));
      });
      ctx.setProp(ctx.global, "log", log);
      log.dispose();
      this.deadline = performance.now() + 1000; // compiling a script gets a second, once
      this.evaluate(ctx, PRELUDE, "prelude.js");
      // Taken before the operator's script runs and removed from its globals, so it can neither see nor replace them.
      const call = ctx.getProp(ctx.global, "__busbar_call");
      held.push(call);
      const setStatic = ctx.getProp(ctx.global, "__busbar_static");
      held.push(setStatic);
      this.evaluate(ctx, "delete globalThis.__busbar_call; delete globalThis.__busbar_static;", "prelude.js");
      this.evaluate(ctx, this.source, "policy.js");
      const route = ctx.getProp(ctx.global, "route");
      const isFn = ctx.typeof(route) === "function";
      route.dispose();
      if (!isFn) throw new Error("the script defines no function route(req, candidates, ctx)");
      const built = { runtime, ctx, call, setStatic };
      for (const [key, json] of this.statics) this.install(built, key, json, false);
      return built;
    } catch (e) {
      for (const h of held) h.dispose();
      ctx.dispose();
      runtime.dispose();
      throw e;
    } finally {
      this.deadline = Infinity;
    }
  }

  private evaluate(ctx: QuickJSContext, code: string, file: string): void {
    const r = ctx.evalCode(code, file);
    if (r.error) {
      const e = ctx.dump(r.error) as { name?: string; message?: string; stack?: string };
      r.error.dispose();
      const at = /policy\.js:(\d+)/.exec(e.stack ?? "")?.[1];
      throw new Error(`${e.name ?? "Error"}: ${e.message ?? "does not compile"}${at === undefined ? "" : ` (line ${at})`}`);
    }
    r.value.dispose();
  }

  private install(vm: Built, key: number, json: string, reset: boolean): void {
    const args = [vm.ctx.newNumber(key), vm.ctx.newString(json), reset ? vm.ctx.true : vm.ctx.false];
    try {
      const r = vm.ctx.callFunction(vm.setStatic, vm.ctx.undefined, ...args);
      // Only out of memory can fail here; the calls that need this set then fail and fall back.
      (r.error ?? r.value).dispose();
    } finally {
      args[0]!.dispose();
      args[1]!.dispose();
    }
  }

  /**
   * A pool's static candidate fields (a JSON array of `STATIC_FIELDS` value arrays), under `key`, for later calls;
   * `reset` forgets every set given before (the caller bounds how many an instance keeps).
   */
  setStatics(key: number, json: string, reset = false): void {
    if (reset) this.statics.clear();
    this.statics.set(key, json);
    this.deadline = performance.now() + 1000;
    try {
      this.install(this.vm, key, json, reset);
    } catch {
      // The engine gave up: rebuilding reinstalls every set.
      this.rebuild();
    } finally {
      this.deadline = Infinity;
    }
  }

  /**
   * One call with `cpuMs` of CPU time: `inputJson` is `[statics key, request values, live candidate values, context
   * values]`. The instance is rebuilt after a breach so the next call starts clean.
   */
  run(inputJson: string, cpuMs: number): CallResult {
    const { ctx, call } = this.vm;
    const arg = ctx.newString(inputJson);
    this.deadline = performance.now() + cpuMs;
    let result: CallResult;
    try {
      const r = ctx.callFunction(call, ctx.undefined, arg);
      if (r.error) {
        const e = ctx.dump(r.error) as { name?: string; message?: string } | string;
        r.error.dispose();
        const message = typeof e === "string" ? e : `${e?.name ?? "Error"}: ${e?.message ?? ""}`;
        result = { ok: false, reason: message.includes("interrupted") ? "timeout" : "error", message };
      } else {
        const v = ctx.typeof(r.value) === "string" ? ctx.getString(r.value) : undefined;
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
    this.release();
    this.vm = this.build();
  }

  private release(): void {
    try {
      this.vm.call.dispose();
      this.vm.setStatic.dispose();
      this.vm.ctx.dispose();
      this.vm.runtime.dispose();
    } catch {
      // A runtime that ran out of memory may refuse a tidy dispose; the new one replaces it regardless.
    }
  }

  dispose(): void {
    this.release();
  }
}
