// The edge's governance steps (platform.md §3.1–§3.3): which virtual key a request carries, the SigV4 check once its
// body is in, the reservation before it is forwarded, and its settlement. Nothing here runs when governance is off.
import { extractCredential } from "../auth/credential.ts";
import { reachablePools, reserve, settlement, type Outcome } from "../govern/admission.ts";
import type { Governor, Ticket } from "../govern/governor.ts";
import { parseSigV4, verifySigV4, type SigV4Header } from "../govern/sigv4-verify.ts";
import type { KeyRecord } from "../govern/store/types.ts";
import type { GatewayError } from "../ir/errors.ts";
import type { ProtocolName } from "../ir/protocol.ts";
import type { Lane, Pool } from "../route/lanes.ts";
import type { Runtime } from "../runtime.ts";
import type { Usage } from "../ir/usage.ts";
import { epochMs, type RequestRecord } from "../observe/record.ts";
import { rawPath } from "./paths.ts";

/** The key a governed request carries; a SigV4 caller's signature is checked once the body is read. */
export interface GovernedCaller {
  readonly key: KeyRecord;
  readonly sigv4?: SigV4Header;
}

export type GovernedAuth = { readonly ok: true; readonly caller: GovernedCaller } | { readonly ok: false; readonly reason: string };

/** Bearer / x-api-key / x-goog-api-key / `?key=` carry an `sk-bb-…` secret; Bedrock SDKs may sign with a minted pair. */
export async function authenticateGoverned(governor: Governor, headers: Headers, geminiKey: string | undefined): Promise<GovernedAuth> {
  const sig = parseSigV4(headers.get("authorization"));
  if (sig !== undefined) {
    const found = await governor.authenticateAws(sig.accessKeyId);
    if (found.key === undefined) return { ok: false, reason: found.reason };
    if (found.key.aws === undefined) return { ok: false, reason: `virtual key ${found.key.id} has no AWS credential` };
    return { ok: true, caller: { key: found.key, sigv4: sig } };
  }
  const cred = extractCredential(headers, geminiKey);
  if (cred === undefined) return { ok: false, reason: "no credential presented" };
  const found = await governor.authenticate(cred.value);
  return found.key === undefined ? { ok: false, reason: `${found.reason} (via ${cred.carrier})` } : { ok: true, caller: { key: found.key } };
}

/** A SigV4 caller's signature over the body received; undefined when it holds (or the caller did not sign). */
export async function sigv4Problem(rt: Runtime, caller: GovernedCaller, req: Request, body: string): Promise<string | undefined> {
  if (caller.sigv4 === undefined) return undefined;
  const secret = rt.governor?.awsSecret(caller.key);
  if (secret === undefined) return "no usable AWS credential (sealed with another encryption key?)";
  const q = req.url.indexOf("?");
  const r = await verifySigV4(
    { method: req.method, rawPath: rawPath(req.url), rawQuery: q < 0 ? "" : req.url.slice(q + 1), headers: req.headers, body },
    caller.sigv4, secret, rt.nowMs(),
  );
  return r.ok ? undefined : r.reason;
}

/** What the edge needs to forward a governed request and settle it. */
export interface Governed {
  /** Hand to `serve` as `onServed`. */
  readonly onServed: (lane: Lane, usage: Usage | undefined) => void;
  /** Call when `serve` has answered: `ok` = the answer is a 2xx. A 2xx stream settles at its end instead. */
  answered(ok: boolean): void;
}

export type GovernedAdmission = { readonly ok: true; readonly governed: Governed } | { readonly ok: false; readonly error: GatewayError };

export async function admitGoverned(rt: Runtime, governor: Governor, caller: GovernedCaller, a: {
  readonly pool: Pool;
  readonly protocol: ProtocolName;
  readonly generates: boolean;
  readonly json: Record<string, unknown>;
  readonly text: string;
  readonly requestId: string;
  readonly record: RequestRecord;
}): Promise<GovernedAdmission> {
  const pools = reachablePools(a.pool, (name) => rt.resolver.pools.get(name));
  const startMs = epochMs();
  const admission = await reserve(governor, {
    key: caller.key, pools, caller: a.protocol, body: a.json, bodyBytes: Buffer.byteLength(a.text), requestId: a.requestId, generates: a.generates,
  });
  a.record.governance = { decision: admission.ok ? "admit" : admission.decision, startMs, endMs: epochMs() };
  if (!admission.ok) {
    rt.observe.metrics.governanceRejected(admission.decision);
    rt.log.info("governance refused", { request_id: a.requestId, key: caller.key.id, reason: admission.reason });
    return { ok: false, error: admission.error };
  }
  return { ok: true, governed: settleOnce(rt, governor, admission.ticket, a.record) };
}

function settleOnce(rt: Runtime, governor: Governor, ticket: Ticket, record: RequestRecord): Governed {
  const settle = settlement(governor, ticket);
  let served: Omit<Outcome, "ok"> | undefined;
  let answer: boolean | undefined;
  const maybe = () => {
    if (answer === undefined) return;
    if (served !== undefined) {
      if (served.usage === undefined && answer) {
        rt.observe.metrics.usageMissing(served.lane);
        rt.log.debug("usage missing from the served answer", { key: ticket.key.id, lane: served.lane?.name });
      }
      record.costMicros = settle({ ...served, ok: answer }) ?? record.costMicros;
    } else if (!answer) {
      record.costMicros = settle({ lane: undefined, usage: undefined, ok: false }) ?? record.costMicros;
    }
  };
  return {
    onServed: (lane, usage) => {
      served = { lane, usage };
      maybe();
    },
    answered: (ok) => {
      answer = ok;
      maybe();
    },
  };
}
