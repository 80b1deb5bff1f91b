// Inbound limits held per request at the edge (platform.md §4.3): the in-flight cap, and the connection's Bun
// timer through the body read and the response. What Bun does on its own (headers, the pre-request timer) and the
// measured timer semantics are in docs/security-limits.md.
import type { GatewayConfig } from "../config/model.ts";

/**
 * The part of Bun's `Server` the edge uses. `timeout(req, s)` re-arms the idle timer of `req`'s connection (0 = off).
 * Bun's timer ticks every ~4 s and is not reset by request body bytes; a value set for one request stays on its
 * keep-alive connection until the next request starts, so a lifted timer must be put back before the response ends.
 */
export interface ConnTimer {
  timeout(req: Request, seconds: number): void;
}

/** One per listener: `max_inbound_concurrent` (0 = off) counted from admission until the response is delivered. */
export class InboundGate {
  private n = 0;

  constructor(readonly max: number) {}

  get inFlight(): number {
    return this.n;
  }

  /** A place now, or false when the gateway already holds `max` requests. */
  tryEnter(): boolean {
    if (this.max > 0 && this.n >= this.max) return false;
    this.n++;
    return true;
  }

  leave(): void {
    this.n--;
  }
}

/** The edge's shared state for one listener: the gate and the timer settings. */
export class Edge {
  readonly gate: InboundGate;
  readonly idleSecs: number;
  readonly bodySecs: number;

  constructor(limits: GatewayConfig["limits"]) {
    this.gate = new InboundGate(limits.maxInboundConcurrent);
    this.idleSecs = limits.idleTimeoutSecs;
    this.bodySecs = limits.requestBodyReadTimeoutSecs;
  }

  /** A place in the gate for `req`, or undefined when the gateway is full. */
  admit(req: Request, server: ConnTimer | undefined): Inflight | undefined {
    return this.gate.tryEnter() ? new Inflight(this, req, server) : undefined;
  }
}

/**
 * One admitted request's hold: its place in the gate and its connection's timer. The timer goes
 * idle → body read timeout (while the body arrives) → off (upstream wait, quiet streams) → idle again once the
 * response is delivered, so an idle keep-alive connection is still closed. `end()` is called once, by the edge
 * when the response is complete, or, for a streamed body, by the failover loop when the stream ends or is cancelled.
 */
export class Inflight {
  /** The response body is a stream still being delivered: its end calls `end()` (route/failover.ts). */
  deferred = false;
  /** Told once, at `end()`: the request is over (its record is complete, observe/observer.ts). */
  onEnd: (() => void) | undefined;
  private ended = false;
  /** Seconds the connection's timer was last set to by us; undefined = Bun's own idle timer, untouched. */
  private armed: number | undefined;

  constructor(private readonly edge: Edge, private readonly req: Request, private readonly server: ConnTimer | undefined) {}

  /** The body is about to be read: `request_body_read_timeout_secs` bounds it (Bun's idle timer already does when equal). */
  bodyStarts(): void {
    if (this.edge.bodySecs !== this.edge.idleSecs) this.set(this.edge.bodySecs);
  }

  /** The body is in: the timer is lifted so a slow upstream or a quiet stream is not cut by it. */
  bodyRead(): void {
    this.set(0);
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.edge.gate.leave();
    this.onEnd?.();
    if (this.armed !== undefined && this.armed !== this.edge.idleSecs) this.set(this.edge.idleSecs);
  }

  private set(seconds: number): void {
    if (this.server === undefined) return;
    this.armed = seconds;
    this.server.timeout(this.req, seconds);
  }
}
