// Behaviours written into the model name, so a config can pin a fault without the control API
// (`busbar verify` does this): `claude@fault=reset_after_events:3`, `gpt@fault=server_error;ok`,
// `gem@fault-cycle=ok;ok;unavailable:5`. The header `x-mock-fault` takes the same text and wins.
//
//   step  := kind [":" arg ("," arg)*]     arg := value | key "=" value
//
// Positional values fill the kind's fields in the order of POSITIONAL; everything else is `key=value`.
// `@fault=` plays its steps in order, one per request for that model string, and repeats the last;
// `@fault-cycle=` repeats them all.
import { parseWith, BehaviourSchema, type Behaviour, type BehaviourKind, type Parsed } from "./behaviour.ts";
import { modelDirectives } from "./directives.ts";

export interface Script {
  readonly steps: readonly Behaviour[];
  readonly cycle: boolean;
}

/** Which fields a step's positional values fill, per kind; a missing kind is a compile error. */
const POSITIONAL: Readonly<Record<BehaviourKind, readonly string[]>> = {
  ok: ["events"],
  rate_limited: ["retry_after"],
  server_error: ["retry_after"],
  unavailable: ["retry_after"],
  overloaded: ["retry_after"],
  unauthorized: ["retry_after"],
  forbidden: ["retry_after"],
  invalid_request: ["retry_after"],
  context_length: ["retry_after"],
  billing: ["code", "status"],
  error: ["status", "code", "type"],
  content_filter: ["events"],
  hang_before_headers: [],
  hang_after_headers: [],
  reset_before_headers: [],
  reset_after_events: ["n"],
  error_event_first: ["type"],
  error_event_after: ["n", "type"],
  truncate_json: [],
  slow_first_token: ["delay_ms"],
  stream_stall: ["n"],
  malformed_chunk: ["n"],
  missing_terminator: [],
};

const NUMERIC = new Set(["n", "events", "first_event_delay_ms", "event_delay_ms", "delay_ms", "status", "retry_after_date_secs"]);
const MAX_STEPS = 100;

function isKind(k: string): k is BehaviourKind {
  return Object.hasOwn(POSITIONAL, k);
}

/** Script text is all strings; the schema wants numbers and booleans where the behaviour has them. */
function coerce(field: string, value: string): unknown {
  const digits = /^\d{1,10}$/.test(value);
  if (NUMERIC.has(field)) return digits ? Number(value) : value;
  if (field === "retry_after") return digits ? Number(value) : value;
  if (field === "stream") return value === "true" ? true : value === "false" ? false : value;
  return value;
}

export function parseStep(text: string): Parsed<Behaviour> {
  const colon = text.indexOf(":");
  const kind = (colon < 0 ? text : text.slice(0, colon)).trim();
  if (!isKind(kind)) return { ok: false, error: `unknown behaviour "${kind}"` };
  const fields: Record<string, unknown> = { kind };
  const positional = POSITIONAL[kind];
  let next = 0;
  const args = colon < 0 ? [] : text.slice(colon + 1).split(",").map((a) => a.trim()).filter((a) => a !== "");
  for (const arg of args) {
    const eq = arg.indexOf("=");
    if (eq > 0) {
      const key = arg.slice(0, eq).trim();
      fields[key] = coerce(key, arg.slice(eq + 1).trim());
      continue;
    }
    const key = positional[next++];
    if (key === undefined) return { ok: false, error: `${kind} takes ${positional.length} positional value(s), got "${arg}"` };
    fields[key] = coerce(key, arg);
  }
  const parsed = parseWith(BehaviourSchema, fields);
  return parsed.ok ? parsed : { ok: false, error: `${kind}: ${parsed.error}` };
}

export function parseScript(text: string, cycle: boolean): Parsed<Script> {
  const steps: Behaviour[] = [];
  for (const part of text.split(";")) {
    if (part.trim() === "") continue;
    const step = parseStep(part);
    if (!step.ok) return step;
    steps.push(step.value);
  }
  if (steps.length === 0) return { ok: false, error: "no steps" };
  if (steps.length > MAX_STEPS) return { ok: false, error: `at most ${MAX_STEPS} steps` };
  return { ok: true, value: { steps, cycle } };
}

/** A request's script and the key its position is counted under (the script's own text and source). */
export interface FoundScript {
  readonly key: string;
  readonly parsed: Parsed<Script>;
}

/**
 * The request's script: the `x-mock-fault-cycle` / `x-mock-fault` header, else the model's last
 * `@fault=` / `@fault-cycle=` directive; undefined when there is none.
 */
export function findScript(model: string, headers: Headers): FoundScript | undefined {
  for (const [name, cycle] of [["x-mock-fault-cycle", true], ["x-mock-fault", false]] as const) {
    const text = headers.get(name);
    if (text !== null) return { key: `${name}: ${text}`, parsed: parseScript(text, cycle) };
  }
  let found: FoundScript | undefined;
  for (const { key, value } of modelDirectives(model)) {
    if ((key === "fault" || key === "fault-cycle") && value !== undefined) found = { key: `@${key}=${value}`, parsed: parseScript(value, key === "fault-cycle") };
  }
  return found;
}

/** The step for the `n`-th request (from 0) that carries this script. */
export function scriptStep(script: Script, n: number): Behaviour | undefined {
  const { steps } = script;
  return script.cycle ? steps[n % steps.length] : steps[Math.min(n, steps.length - 1)];
}
