// Closed-loop load generator: fixed concurrency, keep-alive, one timer per request (platform.md §7.1).
//
// Each of `concurrency` workers sends a request, waits for it, and sends the next, so the offered load
// adapts to the server instead of queueing in the client. Bun's fetch keeps connections alive and
// pools them, so `concurrency` workers hold `concurrency` sockets. Latency is taken with
// Bun.nanoseconds() around one request: `full` stops at the last body byte, `ttft` at the first.
// Every loop here ends by count and by deadline, whichever comes first.

export interface Call {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  /** A unique body per request; `seq` never repeats within one load run. */
  readonly body: (seq: number) => string;
}

export type Measure = "full" | "ttft";

export interface LoadOptions {
  readonly call: Call;
  readonly concurrency: number;
  /** Most requests to start. */
  readonly requests: number;
  /** Wall-clock bound for the whole run, ms. Workers start no request after it. */
  readonly maxMs: number;
  readonly measure: Measure;
  /** A response header whose values are collected (lower case), e.g. `server-timing`. */
  readonly collectHeader?: string;
  /** Per-request bound, ms (default 30 000). */
  readonly requestTimeoutMs?: number;
  /** Offset added to seq so bodies stay unique across runs. */
  readonly seqBase?: number;
  /** Keep latency samples (default true; a throughput step may only need the count). */
  readonly keepSamples?: boolean;
}

export interface LoadResult {
  /** Nanoseconds, successful (2xx) requests only, in completion order. */
  readonly latenciesNs: number[];
  readonly ok: number;
  readonly errors: number;
  /** `status 400`, `transport: …` → count. */
  readonly errorKinds: Record<string, number>;
  /** The first error's status and the start of its body, to explain a `not served`. */
  readonly firstError?: string;
  readonly elapsedNs: number;
  readonly headerValues: (string | null)[];
  /** Bytes of response bodies received. */
  readonly bytesIn: number;
}

const DEFAULT_TIMEOUT_MS = 30_000;

export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const latenciesNs: number[] = [];
  const headerValues: (string | null)[] = [];
  const errorKinds: Record<string, number> = {};
  let firstError: string | undefined;
  let ok = 0;
  let errors = 0;
  let started = 0;
  let bytesIn = 0;
  const keep = o.keepSamples !== false;
  const seqBase = o.seqBase ?? 0;
  const timeoutMs = o.requestTimeoutMs ?? DEFAULT_TIMEOUT_MS;
  const t0 = Bun.nanoseconds();
  const deadline = t0 + o.maxMs * 1e6;

  const fail = (kind: string, detail: string) => {
    errors++;
    errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
    firstError ??= detail;
  };

  const one = async (seq: number): Promise<void> => {
    const body = o.call.body(seq);
    const begin = Bun.nanoseconds();
    let res: Response;
    try {
      res = await fetch(o.call.url, { method: "POST", headers: o.call.headers, body, signal: AbortSignal.timeout(timeoutMs) });
    } catch (e) {
      fail(`transport: ${errorName(e)}`, `transport error: ${errorText(e)}`);
      return;
    }
    try {
      if (res.status < 200 || res.status > 299) {
        const text = await res.text();
        fail(`status ${res.status}`, `status ${res.status}: ${text.slice(0, 300)}`);
        return;
      }
      let elapsed: number;
      if (o.measure === "ttft") {
        const reader = res.body?.getReader();
        if (reader === undefined) throw new Error("response has no body");
        const first = await reader.read();
        elapsed = Bun.nanoseconds() - begin;
        bytesIn += first.value?.byteLength ?? 0;
        // Drain the rest so the connection goes back to the pool; a stream has a bounded number of events.
        for (let r = first; !r.done; ) {
          r = await reader.read();
          bytesIn += r.value?.byteLength ?? 0;
        }
      } else {
        const buf = await res.arrayBuffer();
        elapsed = Bun.nanoseconds() - begin;
        bytesIn += buf.byteLength;
      }
      ok++;
      if (keep) latenciesNs.push(elapsed);
      if (o.collectHeader !== undefined) headerValues.push(res.headers.get(o.collectHeader));
    } catch (e) {
      fail(`transport: ${errorName(e)}`, `body error: ${errorText(e)}`);
    }
  };

  const worker = async (): Promise<void> => {
    while (started < o.requests && Bun.nanoseconds() < deadline) {
      const seq = seqBase + started++;
      await one(seq);
    }
  };

  await Promise.all(Array.from({ length: Math.max(1, o.concurrency) }, worker));
  const base = { latenciesNs, ok, errors, errorKinds, elapsedNs: Bun.nanoseconds() - t0, headerValues, bytesIn };
  return firstError === undefined ? base : { ...base, firstError };
}

function errorName(e: unknown): string {
  return e instanceof Error ? (e.name === "Error" && "code" in e ? String(e.code) : e.name) : "unknown";
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** One request, its status and the reason in its body when it failed (the reachability gate). */
export async function probe(call: Call, seq = 0, timeoutMs = 10_000): Promise<{ status: number; reason: string; serverTiming: string | null }> {
  try {
    const res = await fetch(call.url, { method: "POST", headers: call.headers, body: call.body(seq), signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    return { status: res.status, reason: res.status === 200 ? "" : errorReason(res.status, text), serverTiming: res.headers.get("server-timing") };
  } catch (e) {
    return { status: 0, reason: `transport error: ${errorText(e)}`, serverTiming: null };
  }
}

/** `400: '…' is served by anthropic lanes; …` from an OpenAI/Anthropic-style error envelope, else the text. */
export function errorReason(status: number, text: string): string {
  let message: string | undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    const err = typeof parsed === "object" && parsed !== null && "error" in parsed ? parsed.error : undefined;
    const m = typeof err === "object" && err !== null && "message" in err ? err.message : typeof err === "string" ? err : undefined;
    if (typeof m === "string") message = m;
  } catch {
    // not JSON: fall through to the raw text
  }
  const detail = (message ?? text).replace(/\s+/g, " ").trim().slice(0, 200);
  return detail === "" ? `HTTP ${status}` : `HTTP ${status}: ${detail}`;
}
