// Active health probing (reliability.md §10): one timer per lane; `dead` probes only lanes unready in some cell,
// `active` probes every lane every tick. The first tick is the first interval's end (none at boot), a tick that
// finds the previous probe still running is dropped, and probes take no permit, spend no budget and bypass
// policies. The result touches every cell of the lane (§7 scope).
import type { Runtime } from "../runtime.ts";
import { AttemptAbort } from "../upstream/abort.ts";
import { classify, dispositionOf, extractUpstreamError } from "../upstream/attribution.ts";
import { readCapped, send } from "../upstream/send.ts";
import type { Lane } from "./lanes.ts";

/** Timers are injectable so scheduling is testable without sleeping. Returns a cancel function. */
export type Every = (ms: number, fn: () => void) => () => void;

const realEvery: Every = (ms, fn) => {
  const t = setInterval(fn, ms);
  t.unref?.();
  return () => clearInterval(t);
};

export type ProbeResult = "ok" | "transient" | "hard_down" | "rejected" | "skipped";

/** The lane can be probed at all: its provider's health mode is on and the gateway holds its credential. */
export function probeable(rt: Runtime, lane: Lane): boolean {
  if (lane.provider.health.mode === "none" || rt.config.auth.mode === "passthrough") return false;
  // A keyless provider (`auth: none`, e.g. a local model server) needs no key; any other needs the gateway's own.
  return lane.provider.auth === "none" || (lane.provider.apiKey !== undefined && lane.provider.apiKey !== "");
}

export class HealthProber {
  private readonly cancels: (() => void)[] = [];
  private readonly inFlight = new Set<Lane>();

  constructor(private readonly rt: Runtime, private readonly lanes: Iterable<Lane>, private readonly every: Every = realEvery) {}

  start(): void {
    for (const lane of this.lanes) {
      if (!probeable(this.rt, lane)) continue;
      this.cancels.push(this.every(lane.provider.health.intervalSecs * 1000, () => void this.tick(lane)));
    }
  }

  stop(): void {
    for (const c of this.cancels.splice(0)) c();
  }

  /** One tick for one lane: probe if due. Resolves with what happened (for tests and logs). */
  async tick(lane: Lane): Promise<ProbeResult> {
    if (this.inFlight.has(lane)) return "skipped"; // probes of one lane never overlap; the missed tick is dropped
    const now = this.rt.nowMs();
    if (lane.provider.health.mode === "dead" && lane.state.cells.every((c) => c.isReady(now))) return "skipped";
    this.inFlight.add(lane);
    try {
      const result = await this.probe(lane);
      this.rt.observe.metrics.healthProbe(lane, result);
      return result;
    } finally {
      this.inFlight.delete(lane);
    }
  }

  private async probe(lane: Lane): Promise<ProbeResult> {
    const { rt } = this;
    const startedAt = rt.nowMs();
    const abort = new AttemptAbort();
    const timer = setTimeout(() => abort.fire("request_timeout"), lane.provider.health.timeoutSecs * 1000);
    let status = 0;
    let headers = new Headers();
    let body = "";
    try {
      const sent = await send(rt, {
        lane, op: "generate", stream: false, body: lane.protocol.probeBody(lane.upstreamModel), callerHeaders: new Headers(),
        sameProtocol: false, passthrough: undefined, signal: abort.signal, requestId: `probe-${lane.name}`, timing: { upstreamNs: 0 },
      });
      if (sent.kind === "response") {
        status = sent.res.status;
        headers = sent.res.headers;
        body = new TextDecoder().decode(await readCapped(sent.res, rt.config.limits.upstreamErrorBodyMaxBytes));
      }
    } catch {
      status = 0;
    } finally {
      clearTimeout(timer);
    }
    const now = rt.nowMs();
    const cells = lane.state.cells;
    if (status >= 200 && status < 300) {
      for (const c of cells) c.onHealthSuccess(now, startedAt);
      lane.state.ok++;
      return "ok";
    }
    if (status === 0) {
      for (const c of cells) c.onHealthTransient(now);
      return "transient";
    }
    const raw = extractUpstreamError(lane.protocol.name, status, headers, body, now, rt.config.limits.maxHonoredRetryAfterSecs);
    const cls = classify(raw, lane.provider.errorMap);
    switch (dispositionOf(cls, false)) {
      case "transient":
        for (const c of cells) c.onHealthTransient(now, raw.retryAfterSec);
        return "transient";
      case "hard_down":
        for (const c of cells) c.onHardDown(now, `${cls}: health probe answered ${status}`);
        return "hard_down";
      case "client_fault":
      case "context_length":
        // Usually a misconfigured model or path: say so, change nothing.
        rt.log.warn("health probe rejected", { lane: lane.name, status, class: cls });
        return "rejected";
    }
  }
}
