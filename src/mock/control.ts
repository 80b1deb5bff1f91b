// A typed client for the mock's control API (control-api.ts), for tests and `busbar verify`:
//
//   const ctl = mockControl(mock.url);
//   await ctl.setDefault("claude-a", { kind: "server_error" });
//   await ctl.queue("claude-a", { kind: "rate_limited", retry_after: 45 }, { kind: "ok" });
//   await ctl.mix("claude-a", 7, [{ weight: 3, behaviour: { kind: "ok" } }, { weight: 1, behaviour: { kind: "reset_before_headers" } }]);
//   const { requests } = await ctl.log("claude-a");
//
// The mock must run with `faults: true`. Answers are parsed with the same schemas the server builds them from.
import * as v from "valibot";
import type { Behaviour, BehaviourKind, Mix, MixEntry } from "./behaviour.ts";
import { MemberListSchema, MemberLogSchema, MemberViewSchema, type MemberLog, type MemberRequest, type MemberView } from "./control-wire.ts";

export type { Behaviour, BehaviourKind, Mix, MixEntry, MemberLog, MemberRequest, MemberView };

export interface MockControl {
  /** The behaviour for every request that finds the queue empty and no mix set. */
  setDefault(member: string, behaviour: Behaviour): Promise<MemberView>;
  clearDefault(member: string): Promise<MemberView>;
  /** One-shot behaviours, consumed in order, one per request, before the mix and the default. */
  queue(member: string, ...behaviours: Behaviour[]): Promise<MemberView>;
  clearQueue(member: string): Promise<MemberView>;
  /** A weighted draw per request from a generator seeded with `seed`: the same seed, the same sequence. */
  mix(member: string, seed: number, entries: readonly MixEntry[]): Promise<MemberView>;
  clearMix(member: string): Promise<MemberView>;
  state(member: string): Promise<MemberView>;
  /** The member's requests, oldest first (the last 1000), and how many it has seen. */
  log(member: string): Promise<MemberLog>;
  members(): Promise<readonly MemberView[]>;
  /** One member back to nothing set and nothing seen; without a member, the whole mock (log and counters too). */
  reset(member?: string): Promise<void>;
}

export interface MockControlOptions {
  readonly fetch?: typeof fetch;
}

export class MockControlError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = "MockControlError";
  }
}

const ErrorBody = v.object({ error: v.object({ message: v.string() }) });

export function mockControl(baseUrl: string, opts: MockControlOptions = {}): MockControl {
  const base = baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;

  async function call<S extends v.GenericSchema>(method: string, path: string, schema: S, body?: unknown): Promise<v.InferOutput<S>> {
    const res = await doFetch(`${base}${path}`, {
      method,
      ...(body === undefined ? {} : { headers: { "content-type": "application/json" }, body: JSON.stringify(body) }),
    });
    const json: unknown = await res.json().catch(() => undefined);
    if (!res.ok) {
      const err = v.safeParse(ErrorBody, json);
      throw new MockControlError(res.status, err.success ? err.output.error.message : `mock control: HTTP ${res.status} on ${method} ${path}`);
    }
    return v.parse(schema, json);
  }

  const at = (member: string, rest = "") => `/__mock/members/${encodeURIComponent(member)}${rest}`;
  const Ok = v.object({ ok: v.literal(true) });

  return {
    setDefault: (m, b) => call("PUT", at(m, "/default"), MemberViewSchema, b),
    clearDefault: (m) => call("DELETE", at(m, "/default"), MemberViewSchema),
    queue: (m, ...behaviours) => call("POST", at(m, "/queue"), MemberViewSchema, { behaviours }),
    clearQueue: (m) => call("DELETE", at(m, "/queue"), MemberViewSchema),
    mix: (m, seed, entries) => call("PUT", at(m, "/mix"), MemberViewSchema, { seed, entries: [...entries] } satisfies Mix),
    clearMix: (m) => call("DELETE", at(m, "/mix"), MemberViewSchema),
    state: (m) => call("GET", at(m), MemberViewSchema),
    log: (m) => call("GET", at(m, "/log"), MemberLogSchema),
    members: async () => (await call("GET", "/__mock/members", MemberListSchema)).members,
    reset: async (m) => {
      if (m === undefined) await call("POST", "/__mock/reset", Ok);
      else await call("DELETE", at(m), MemberViewSchema);
    },
  };
}
