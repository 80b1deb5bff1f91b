// One client request through the gateway, bounded by the hang limit, and what the client saw, as a verdict.
import type { ProtocolName } from "../ir/protocol.ts";
import { secs } from "./format.ts";
import { errorType, parseJson, readBody, readStream, type WireRequest } from "./wire.ts";

/**
 * What a client sees (spec README "Self-test"). `answer`: a whole reply; `error`: a native error status, or a
 * stream that ends with its protocol's terminal error; `hang`: nothing whole within the bound; `truncated`: a 2xx
 * whose body is cut (invalid JSON, or a stream ending with neither its terminator nor an error); `unreadable`: a
 * reply the client's SDK cannot parse though it is not cut (a relayed unparsable frame), or no response at all.
 */
export const VERDICTS = ["answer", "error", "hang", "truncated", "unreadable"] as const;
export type Verdict = (typeof VERDICTS)[number];

/**
 * The run fails on these, as the spec words it: "a hang or a truncated success". An `unreadable` reply makes the
 * SDK throw rather than pass for a success, so it is reported loudly but does not fail the run.
 */
export const FAILING: ReadonlySet<Verdict> = new Set(["hang", "truncated"]);

export interface Outcome {
  readonly verdict: Verdict;
  /** Short, for the table: the error's type, what was missing, how long the wait was. */
  readonly detail: string;
  readonly status: number | undefined;
  /** The mock member whose `member=` marker the reply carries. */
  readonly member: string | undefined;
}

/** The raw exchange: finished, cut by the network, or still going when the hang bound passed. */
export type Exchange =
  | { readonly kind: "complete"; readonly status: number; readonly headers: Headers; readonly bytes: Uint8Array }
  | { readonly kind: "cut"; readonly status: number | undefined; readonly headers: Headers | undefined; readonly bytes: Uint8Array }
  | { readonly kind: "hang"; readonly status: number | undefined; readonly bytes: Uint8Array };

export interface ExchangeInput {
  readonly baseUrl: string;
  readonly request: WireRequest;
  /** Sent as `Authorization: Bearer`, which every ingress accepts (platform.md §2). */
  readonly token: string | undefined;
  readonly hangAfterMs: number;
}

export async function exchange(x: ExchangeInput): Promise<Exchange> {
  const ctl = new AbortController();
  const timer = setTimeout(() => ctl.abort(), x.hangAfterMs);
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (x.token !== undefined) headers.authorization = `Bearer ${x.token}`;
  let res: Response | undefined;
  const chunks: Uint8Array[] = [];
  const bytes = () => Buffer.concat(chunks);
  try {
    res = await fetch(`${x.baseUrl}${x.request.path}`, { method: "POST", headers, body: x.request.body, signal: ctl.signal });
    const reader = res.body?.getReader();
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        chunks.push(value);
      }
    }
    return { kind: "complete", status: res.status, headers: res.headers, bytes: bytes() };
  } catch {
    if (ctl.signal.aborted) return { kind: "hang", status: res?.status, bytes: bytes() };
    return { kind: "cut", status: res?.status, headers: res?.headers, bytes: bytes() };
  } finally {
    clearTimeout(timer);
  }
}

const MEMBER = /member=(\S+)/;

function memberIn(text: string): string | undefined {
  return MEMBER.exec(text)?.[1];
}

/** The verdict on one exchange, read as the protocol's client reads it (protocols.md §9.6 for streams). */
export function judge(protocol: ProtocolName, stream: boolean, ex: Exchange, hangAfterMs: number): Outcome {
  const out = (verdict: Verdict, detail: string, member?: string): Outcome => ({ verdict, detail, status: ex.status, member });
  if (ex.kind === "hang") {
    return out("hang", ex.status === undefined
      ? `no response within ${secs(hangAfterMs)}`
      : `${ex.status}, then no end within ${secs(hangAfterMs)} (${ex.bytes.length} bytes)`);
  }
  const status = ex.status;
  if (status === undefined) return out("unreadable", "connection closed before a response");
  if (status < 200 || status >= 300) {
    // An error needs no intact body to be an error to the client; a native one carries its JSON envelope.
    if (ex.kind === "cut") return out("error", `${status}, body cut`);
    const body = parseJson(new TextDecoder().decode(ex.bytes));
    const type = errorType(body, ex.headers);
    return out("error", body === undefined ? `${status} (body not JSON)` : type === undefined ? `${status}` : `${status} ${type}`);
  }
  if (!stream) {
    const body = parseJson(new TextDecoder().decode(ex.bytes));
    if (ex.kind === "cut" || body === undefined) return out("truncated", `${status}, body ${ex.kind === "cut" ? "cut" : "not JSON"} (${ex.bytes.length} bytes)`);
    const text = readBody(protocol, body);
    if (text === undefined) return out("truncated", `${status}, not a ${protocol} response`);
    const member = memberIn(text);
    return out("answer", "", member);
  }
  const r = readStream(protocol, ex.bytes);
  const member = memberIn(r.text);
  if (r.error !== undefined) return out("error", `${status} stream, then terminal ${r.error}`, member);
  if (ex.kind === "cut") return out("truncated", `${status} stream, connection cut without a terminal error`, member);
  if (!r.terminated) return out("truncated", `${status} stream ended without its terminator or an error`, member);
  if (r.malformed > 0) return out("unreadable", `${status} stream with ${r.malformed} unparsable frame${r.malformed === 1 ? "" : "s"}`, member);
  return out("answer", "", member);
}
