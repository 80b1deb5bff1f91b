// Shared by the tests/e2e/reliability-*.test.ts files (reliability.md §13.2): a hand-moved clock, config builders
// for pools of mock members, callers, /stats readers, and a fetch gate that holds chosen upstream requests until the
// test releases them (so "N concurrent requests held at A" needs no sleep and no race).
import type { FetchFn } from "../../src/runtime.ts";
import type { TestGateway } from "../helpers/gateway.ts";

/** A wall clock the test moves by hand (I5). Starts on a whole second so HTTP-dates are exact. */
export function manualClock(start = Date.parse("2026-11-22T00:00:00Z")) {
  let t = start;
  return { now: () => new Date(t), ms: () => t, advance: (ms: number) => { t += ms; } };
}

export type Proto = "openai" | "responses" | "anthropic" | "gemini" | "bedrock" | "cohere";
export const PROTOS: readonly Proto[] = ["openai", "responses", "anthropic", "gemini", "bedrock", "cohere"];

/**
 * One keyless provider per protocol on the mock (`up-<protocol>`), a model per member (the upstream model is the
 * member's name, so the mock's control API addresses it as is), and the given pools block.
 */
export function membersYaml(mock: string, members: Record<string, Proto | { proto: Proto; extra: string }>, pools: string, top = ""): string {
  return [
    top,
    "providers:",
    ...PROTOS.map((p) => `  up-${p}: { protocol: ${p}, base_url: "${mock}", auth: none, allow_private_network: true${p === "bedrock" ? ", region: us-west-2" : ""} }`),
    "models:",
    ...Object.entries(members).map(([name, m]) => {
      const { proto, extra } = typeof m === "string" ? { proto: m, extra: "" } : m;
      return `  ${name}: { provider: up-${proto}, upstream_model: "${name}"${extra} }`;
    }),
    "pools:",
    pools,
  ].join("\n");
}

export async function chat(url: string, model: string, o: { headers?: Record<string, string>; stream?: boolean; signal?: AbortSignal } = {}): Promise<Response> {
  return fetch(`${url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...o.headers },
    body: JSON.stringify({ model, ...(o.stream === true && { stream: true }), messages: [{ role: "user", content: "hi" }] }),
    ...(o.signal !== undefined && { signal: o.signal }),
  });
}

/** Every `member=<name>` marker in a reply (the mock's memberTag), in order. */
export function markers(text: string): string[] {
  return [...text.matchAll(/member=([A-Za-z0-9_-]+)/g)].map((m) => m[1]!);
}

/** The member that served a non-streaming reply: exactly one marker, or the test fails. */
export async function servedBy(res: Response): Promise<string> {
  const text = await res.text();
  const found = markers(text);
  if (res.status !== 200 || found.length !== 1) throw new Error(`expected one member marker in a 200, got ${res.status}: ${text.slice(0, 300)}`);
  return found[0]!;
}

/** Members the mock saw, in arrival order (its upstream model names; no directives are used here). */
export function seen(g: TestGateway): string[] {
  return g.mock.requests.map((r) => r.model);
}

export function count(g: TestGateway, member: string): number {
  return seen(g).filter((m) => m === member).length;
}

// /stats is JSON read by tests only; its shape is owned by src/observe/stats.ts.
export interface CellView { model: string; weight: number; state: string; ready: boolean; cooldown_remaining_s: number; streak: number; error_rate: number; trips: number }
export interface LaneView { model: string; ok: number; err: number; client_fault: number; free_slots: number; max_concurrent: number; inflight: number; dead: boolean; dead_reason: string | null; cooldown_remaining_s: number; streak: number }
export interface PoolView { attempts: number; failovers: Record<string, number>; exhausted: number; degraded_dispatch: number; midstream_failures: number; members: CellView[] }
export interface StatsView { lanes: LaneView[]; pool_state: Record<string, PoolView> }

export async function stats(url: string): Promise<StatsView> {
  return (await fetch(`${url}/stats`)).json() as Promise<StatsView>;
}

export async function lane(url: string, model: string): Promise<LaneView> {
  const l = (await stats(url)).lanes.find((x) => x.model === model);
  if (l === undefined) throw new Error(`no lane ${model}`);
  return l;
}

export async function cell(url: string, pool: string, model: string): Promise<CellView> {
  const c = (await stats(url)).pool_state[pool]?.members.find((m) => m.model === model);
  if (c === undefined) throw new Error(`no member ${model} in ${pool}`);
  return c;
}

/** Resolves on a later turn of the event loop until `cond` holds (no timers). Bounded by the test timeout. */
export async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setImmediate(r));
}

/**
 * A fetch for the runtime that holds every upstream request `match` picks (by its egress body) while the gate is
 * closed, until `release()`; `close()` arms it again for later requests. `held` counts the requests waiting. A
 * held request whose signal aborts goes on to fetch, which refuses it as it would any aborted request.
 */
export function fetchGate(match: (body: string) => boolean, o: { closed?: boolean } = {}) {
  let open: () => void = () => {};
  let opened: Promise<void> | undefined;
  const g = {
    held: 0,
    /** Bodies of every upstream request, in order, as the gateway sent them. */
    bodies: [] as string[],
    fetch: (async (url, init) => {
      const body = typeof init.body === "string" ? init.body : "";
      g.bodies.push(body);
      if (opened !== undefined && match(body)) {
        g.held++;
        await opened;
        g.held--;
      }
      return fetch(url, init);
    }) satisfies FetchFn,
    /** Requests that match wait from now on. */
    close() {
      if (opened === undefined) opened = new Promise<void>((r) => { open = r; });
    },
    /** Lets every held request through, and every later one until the next `close()`. */
    release() {
      open();
      opened = undefined;
    },
  };
  if (o.closed ?? true) g.close();
  return g;
}

/** The egress body goes to the member named `name` (its upstream model is its name). */
export const toMember = (name: string) => (body: string) => body.includes(`"model":"${name}"`);
