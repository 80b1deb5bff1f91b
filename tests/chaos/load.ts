// The §13.3 load: N concurrent clients, each sending one request after another until the phase ends. Each request
// is drawn (seeded) from OpenAI, Anthropic and Gemini ingress, streamed or not, with even odds; drawn rather than
// rotated, because a rotation of period 3 would line up with the pool's SWRR rotation over three members, and with
// no faults every caller would then meet only one member protocol. At the phase's end the clients stop starting
// requests and wait for the ones in flight, so every request runs under exactly one phase's faults.
import { mulberry32 } from "../../src/ir/seeded.ts";
import { buildFetch, CALLERS, type Caller, type ChaosRequest, readVerdict, type Verdict } from "./wire.ts";

/** How long a client waits after a 503/529 before its next request. */
export const UNAVAILABLE_PAUSE_MS = 100;

export interface Outcome {
  readonly id: string;
  readonly caller: Caller;
  readonly stream: boolean;
  /** performance.now() ms. */
  readonly start: number;
  readonly end: number;
  readonly verdict: Verdict;
}

export interface PhaseRun {
  readonly sent: number;
  /** performance.now() ms when the first client started and when the last request ended. */
  readonly started: number;
  readonly drained: number;
}

export async function runLoad(opts: {
  readonly url: string;
  readonly pool: string;
  readonly clients: number;
  readonly phase: number;
  readonly secs: number;
  /** No request may take longer than this (the deadline plus slack); past it the client gives up: (a). */
  readonly clientTimeoutMs: number;
  readonly seed: number;
  /** Each request's outcome as it ends (nothing is kept here, so a long soak stays flat). */
  readonly onOutcome?: (o: Outcome) => void;
}): Promise<PhaseRun> {
  const started = performance.now();
  const stopAt = started + opts.secs * 1000;
  let k = 0;
  const draw = mulberry32(opts.seed);
  const client = async () => {
    while (performance.now() < stopAt) {
      const n = k++;
      const pick = Math.floor(draw() * 6);
      const r: ChaosRequest = { id: `${opts.phase}-${n}`, caller: CALLERS[pick % 3]!, stream: pick >= 3 };
      const { url, init } = buildFetch(opts.url, opts.pool, r);
      const start = performance.now();
      let verdict: Verdict;
      try {
        const res = await fetch(url, { ...init, signal: AbortSignal.timeout(opts.clientTimeoutMs) });
        verdict = await readVerdict(r, res);
      } catch (e) {
        verdict = { kind: "broken", why: `client: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}` };
      }
      opts.onOutcome?.({ id: r.id, caller: r.caller, stream: r.stream, start, end: performance.now(), verdict });
      // A 503/529 comes back at once when every member is down; without a pause the clients would spin
      // (tens of thousands of requests a second, mostly measuring this loop). Real clients back off far longer.
      if (verdict.kind === "unavailable") await Bun.sleep(UNAVAILABLE_PAUSE_MS);
    }
  };
  await Promise.all(Array.from({ length: opts.clients }, client));
  return { sent: k, started, drained: performance.now() };
}

