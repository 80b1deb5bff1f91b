// `GET /metrics` (platform.md §5.2; spec README decision 5): the data-plane auth, or `metrics.token` so Prometheus
// can scrape with a token of its own. Under governance only an unrestricted virtual key may scrape: the metrics
// cover every pool, and a key limited to some pools must not see the others (as `/stats` scopes them, OBS-01).
import { extractCredential } from "../auth/credential.ts";
import { TokenSet } from "../auth/tokens.ts";
import { authenticateGoverned } from "../ingress/governed.ts";
import type { Runtime } from "../runtime.ts";

const tokenSets = new WeakMap<Runtime, TokenSet>();

type Verdict = "ok" | "unauthenticated" | "forbidden";

async function verdict(rt: Runtime, headers: Headers): Promise<Verdict> {
  const token = rt.config.metricsToken;
  if (token !== undefined) {
    let set = tokenSets.get(rt);
    if (set === undefined) tokenSets.set(rt, set = new TokenSet([token]));
    const cred = extractCredential(headers, undefined);
    if (cred !== undefined && set.matches(cred.value)) return "ok";
  }
  if (rt.governor !== undefined) {
    const g = await authenticateGoverned(rt.governor, headers, undefined);
    if (!g.ok) return "unauthenticated";
    return g.caller.key.allowedPools.length === 0 ? "ok" : "forbidden";
  }
  // With a metrics token set, an open data plane (`auth.mode: none`) does not open /metrics too.
  if (token !== undefined && rt.config.auth.mode === "none") return "unauthenticated";
  return rt.auth.check(headers, undefined).ok ? "ok" : "unauthenticated";
}

export async function metricsResponse(rt: Runtime, req: Request): Promise<Response> {
  switch (await verdict(rt, req.headers)) {
    case "unauthenticated":
      return new Response("unauthorized\n", { status: 401, headers: { "content-type": "text/plain; charset=utf-8", "www-authenticate": "Bearer" } });
    case "forbidden":
      return new Response("this key is limited to some pools; /metrics covers every pool\n", { status: 403, headers: { "content-type": "text/plain; charset=utf-8" } });
    case "ok":
      return new Response(await rt.observe.metrics.expose(), { headers: { "content-type": "text/plain; version=0.0.4; charset=utf-8" } });
  }
}
