// The control API under `/__mock/` (reliability.md §13.1): JSON in, JSON out, on the mock's own port.
// Only a mock started with `faults: true` serves it. The routes and shapes are in docs/mock-upstream.md;
// control.ts is the typed client.
import { BehaviourSchema, MixSchema, parseWith, QueueSchema, type Parsed } from "./behaviour.ts";
import { parseBody } from "./json.ts";
import type { MemberBook } from "./members.ts";

const MEMBER = /^\/__mock\/members\/([^/]+)(?:\/(default|queue|mix|log))?$/;

function fail(status: 400 | 404 | 405, message: string): Response {
  const type = status === 404 ? "not_found_error" : "invalid_request_error";
  return Response.json({ error: { message, type } }, { status });
}

async function readJson(req: Request): Promise<Parsed<unknown>> {
  const parsed = parseBody(await req.text());
  return parsed.ok ? { ok: true, value: parsed.value } : { ok: false, error: "the body is not JSON" };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

export interface ControlTarget {
  readonly members: MemberBook;
  /** Everything back to a fresh start: members, the request log, counters. */
  resetAll(): void;
}

export async function controlApi(req: Request, path: string, t: ControlTarget): Promise<Response> {
  const method = req.method;
  if (path === "/__mock/reset") {
    if (method !== "POST") return fail(405, `Method ${method} is not allowed on ${path}.`);
    t.resetAll();
    return Response.json({ ok: true });
  }
  if (path === "/__mock/members") {
    if (method === "GET") return Response.json({ members: t.members.list() });
    if (method === "DELETE") {
      t.members.reset();
      return Response.json({ ok: true });
    }
    return fail(405, `Method ${method} is not allowed on ${path}.`);
  }
  const m = MEMBER.exec(path);
  const member = m === null ? undefined : decode(m[1] ?? "");
  if (m === null || member === undefined || member === "") return fail(404, `Unknown path ${method} ${path}.`);
  const book = t.members;
  const notAllowed = () => fail(405, `Method ${method} is not allowed on ${path}.`);

  switch (m[2]) {
    case undefined:
      if (method === "GET") return Response.json(book.view(member));
      if (method === "DELETE") {
        book.reset(member);
        return Response.json(book.view(member));
      }
      return notAllowed();
    case "log":
      return method === "GET" ? Response.json(book.log(member)) : notAllowed();
    case "default": {
      if (method === "DELETE") return Response.json(book.setDefault(member, null));
      if (method !== "PUT") return notAllowed();
      const b = await readInto(req, BehaviourSchema);
      return b.ok ? Response.json(book.setDefault(member, b.value)) : fail(400, b.error);
    }
    case "queue": {
      if (method === "DELETE") return Response.json(book.clearQueue(member));
      if (method !== "POST") return notAllowed();
      const q = await readInto(req, QueueSchema);
      return q.ok ? Response.json(book.enqueue(member, q.value.behaviours)) : fail(400, q.error);
    }
    case "mix": {
      if (method === "DELETE") return Response.json(book.setMix(member, null));
      if (method !== "PUT") return notAllowed();
      const mix = await readInto(req, MixSchema);
      return mix.ok ? Response.json(book.setMix(member, mix.value)) : fail(400, mix.error);
    }
    default:
      return fail(404, `Unknown path ${method} ${path}.`);
  }
}

async function readInto<S extends Parameters<typeof parseWith>[0]>(req: Request, schema: S): Promise<ReturnType<typeof parseWith<S>>> {
  const json = await readJson(req);
  return json.ok ? parseWith(schema, json.value) : json;
}
