// Per-request context minted at the edge.
import { randomUUID } from "node:crypto";

export interface RequestContext {
  readonly requestId: string;
  /** Passthrough mode: the caller's credential, to be sent upstream natively. */
  readonly passthrough: string | undefined;
}

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Honours a sane caller `x-request-id` so traces join up; otherwise mints one. */
export function requestIdFrom(headers: Headers): string {
  const given = headers.get("x-request-id");
  return given !== null && SAFE_ID.test(given) ? given : randomUUID();
}
