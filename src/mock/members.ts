// Named members (reliability.md §13.1): each upstream model name, directives removed, is a member with a
// default behaviour, a queue of one-shot behaviours, a seeded probability mix, and a request log. The
// control API (control-api.ts) edits them; the server asks `pick` which behaviour a request gets.
import type { Behaviour, Mix } from "./behaviour.ts";
import { CREDENTIAL_HEADERS, KEPT_HEADERS, type BehaviourSource, type MemberLog, type MemberRequest, type MemberView } from "./control-wire.ts";
import { scriptStep, type Script } from "./script.ts";
import { mulberry32 } from "../ir/seeded.ts";

export type { BehaviourSource, MemberLog, MemberRequest, MemberView };

export interface Pick {
  readonly behaviour: Behaviour;
  readonly source: BehaviourSource;
}

const LOG_CAPACITY = 1000;
const MAX_MEMBERS = 1000;

interface State {
  default: Behaviour | null;
  queue: Behaviour[];
  mix: { readonly spec: Mix; readonly draw: () => number; drawn: number } | null;
  /** Requests seen per script text, so each script plays from its first step. */
  readonly scripts: Map<string, number>;
  log: MemberRequest[];
  requests: number;
  counts: Record<string, number>;
}

function fresh(): State {
  return { default: null, queue: [], mix: null, scripts: new Map(), log: [], requests: 0, counts: {} };
}

function fromMix(m: NonNullable<State["mix"]>): Behaviour {
  const entries = m.spec.entries;
  let total = 0;
  for (const e of entries) total += e.weight;
  let x = m.draw() * total;
  m.drawn++;
  for (const e of entries) {
    if (x < e.weight) return e.behaviour;
    x -= e.weight;
  }
  // Rounding can leave x a hair above the last weight: the last positive entry takes it.
  const last = entries.findLast((e) => e.weight > 0);
  return (last ?? entries[0] ?? { behaviour: { kind: "ok" } }).behaviour;
}

export class MemberBook {
  private readonly members = new Map<string, State>();

  private state(member: string): State {
    let s = this.members.get(member);
    if (s === undefined) {
      // Oldest first out, so a long chaos run with ever-new names cannot grow the map without bound.
      if (this.members.size >= MAX_MEMBERS) {
        const oldest = this.members.keys().next();
        if (oldest.done !== true) this.members.delete(oldest.value);
      }
      s = fresh();
      this.members.set(member, s);
    }
    return s;
  }

  /** The behaviour for the member's next request: queue, then mix, then default, then the script; else none. */
  pick(member: string, script: { readonly key: string; readonly script: Script } | undefined): Pick | undefined {
    const s = this.state(member);
    const queued = s.queue.shift();
    if (queued !== undefined) return { behaviour: queued, source: "queue" };
    if (s.mix !== null) return { behaviour: fromMix(s.mix), source: "mix" };
    if (s.default !== null) return { behaviour: s.default, source: "default" };
    if (script === undefined) return undefined;
    const n = s.scripts.get(script.key) ?? 0;
    s.scripts.set(script.key, n + 1);
    const step = scriptStep(script.script, n);
    return step === undefined ? undefined : { behaviour: step, source: "script" };
  }

  record(member: string, r: Omit<MemberRequest, "headers" | "credentials">, headers: Headers): void {
    const s = this.state(member);
    const kept: MemberRequest["headers"] = {};
    for (const h of KEPT_HEADERS) {
      const value = headers.get(h);
      if (value !== null) kept[h] = value;
    }
    const credentials: MemberRequest["credentials"] = { authorization: false, "x-api-key": false, "x-goog-api-key": false };
    for (const h of CREDENTIAL_HEADERS) credentials[h] = headers.has(h);
    s.log.push({ ...r, headers: kept, credentials });
    if (s.log.length > LOG_CAPACITY) s.log.shift();
    s.requests++;
    const kind = r.behaviour?.kind ?? "plain";
    s.counts[kind] = (s.counts[kind] ?? 0) + 1;
  }

  setDefault(member: string, b: Behaviour | null): MemberView {
    this.state(member).default = b;
    return this.view(member);
  }

  enqueue(member: string, bs: readonly Behaviour[]): MemberView {
    this.state(member).queue.push(...bs);
    return this.view(member);
  }

  clearQueue(member: string): MemberView {
    this.state(member).queue = [];
    return this.view(member);
  }

  setMix(member: string, mix: Mix | null): MemberView {
    this.state(member).mix = mix === null ? null : { spec: mix, draw: mulberry32(mix.seed), drawn: 0 };
    return this.view(member);
  }

  view(member: string): MemberView {
    const s = this.members.get(member) ?? fresh();
    return {
      member,
      default: s.default,
      queue: [...s.queue],
      mix: s.mix === null ? null : { ...s.mix.spec, drawn: s.mix.drawn },
      requests: s.requests,
      counts: { ...s.counts },
    };
  }

  log(member: string): MemberLog {
    const s = this.members.get(member);
    return { member, total: s?.requests ?? 0, requests: s === undefined ? [] : [...s.log] };
  }

  list(): MemberView[] {
    return [...this.members.keys()].map((m) => this.view(m));
  }

  /** Forget one member (behaviours, log, counts, script positions), or every member. */
  reset(member?: string): void {
    if (member === undefined) this.members.clear();
    else this.members.delete(member);
  }
}
