// Per-request context minted at the edge.
import { randomUUID } from "node:crypto";
import type { GovernedCaller } from "./governed.ts";
import type { RequestRecord } from "../observe/record.ts";
import type { Inflight } from "./limits.ts";

export interface RequestContext {
  readonly requestId: string;
  /** Passthrough mode: the caller's credential, to be sent upstream natively. */
  readonly passthrough: string | undefined;
  /** `Bun.nanoseconds()` at receipt, and time spent awaiting upstream headers (platform.md §5.5). */
  readonly timing: { readonly startNs: number; upstreamNs: number };
  /** Its place under `max_inbound_concurrent` and its connection timer, until the response is delivered. */
  readonly inflight: Inflight;
  /** Governance on: the virtual key the request carries (set by the edge before any handler runs). */
  caller?: GovernedCaller;
  /** What happened to the request, reported when its delivery ends (observe/record.ts). */
  readonly record: RequestRecord;
}

/** Server-Timing's busbar `dur`: handling time minus upstream wait, in ms with 3 decimals (platform.md §5.5). */
export function serverTiming(t: RequestContext["timing"], nowNs: number): string {
  const ns = Math.max(0, nowNs - t.startNs - t.upstreamNs);
  return `busbar;dur=${(ns / 1e6).toFixed(3)}`;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane caller `x-request-id` so traces join up; otherwise mints one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given !== null && SAFE_ID.test(given) ? given : randomUUID();
}
