// platform.md §4.2 at connect time and §4.6 B15: names are resolved (through an injected lookup, so no test
// needs DNS) and every answer is judged like a literal at load; upstream redirects are never followed.
// Everything listens on 127.0.0.1; names such as upstream.test exist only in the injected lookup.
import { afterEach, describe, expect, test } from "bun:test";
import { embeddedCatalogText } from "../../src/config/catalog.ts";
import { loadConfig } from "../../src/config/load.ts";
import type { SecuritySpec } from "../../src/config/model.ts";
import { providerPolicy, sinkPolicy } from "../../src/config/ssrf.ts";
import type { Logger } from "../../src/observe/log.ts";
import type { FetchFn } from "../../src/runtime.ts";
import { buildRuntime } from "../../src/runtime.ts";
import { guardLane, HostGuard, type HostGuardOptions, type HostVerdict, type LookupFn, UNRESOLVED_TTL_MS, VERDICT_TTL_MS } from "../../src/upstream/guard.ts";
import { startGateway, type TestGateway } from "../helpers/gateway.ts";

const SECURITY: SecuritySpec = { allowPrivateUpstreams: false, blockedMetadataHosts: [], allowMetadataHosts: [], allowAllMetadata: false };

/** A resolver from a table; a missing name fails like getaddrinfo. Counts lookups per name. */
function dns(table: Record<string, readonly string[]>) {
  const calls: string[] = [];
  const lookup: LookupFn = async (host) => {
    calls.push(host);
    const answer = table[host];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: "ENOTFOUND" });
    return answer;
  };
  return { lookup, calls };
}

function clock(start = 1_000_000) {
  let t = start;
  return { nowMs: () => t, advance: (ms: number) => { t += ms; } };
}

function logs() {
  const lines: { level: string; msg: string; fields: Record<string, unknown> }[] = [];
  const at = (level: string) => (msg: string, fields: Record<string, unknown> = {}) => { lines.push({ level, msg, fields }); };
  const log: Logger = { debug: at("debug"), info: at("info"), warn: at("warn"), error: at("error") };
  return { log, lines };
}

describe("HostGuard: every address in the answer is judged", () => {
  const guard = (answers: readonly string[], o: Partial<HostGuardOptions> & { allowPrivate?: boolean } = {}) => {
    const d = dns({ "upstream.test": answers });
    const policy = o.policy ?? providerPolicy("p", { allowPrivateNetwork: o.allowPrivate ?? false, allowMetadataHosts: false }, SECURITY);
    return new HostGuard("upstream.test", { kind: "provider", policy, plainHttp: false, lookup: d.lookup, nowMs: clock().nowMs, ...o });
  };

  test.each([
    ["metadata", ["169.254.169.254"], false, { kind: "blocked", address: "169.254.169.254", cls: "metadata" }],
    ["metadata, with the private opt-in", ["169.254.169.254"], true, { kind: "blocked", address: "169.254.169.254", cls: "metadata" }],
    ["other cloud metadata", ["100.100.100.200"], true, { kind: "blocked", address: "100.100.100.200", cls: "metadata" }],
    ["IPv6 metadata", ["FD00:EC2::254"], true, { kind: "blocked", address: "fd00:ec2::254", cls: "metadata" }],
    ["::ffff:-mapped metadata", ["::ffff:a9fe:a9fe"], true, { kind: "blocked", address: "169.254.169.254", cls: "metadata" }],
    ["NAT64 metadata", ["64:ff9b::a9fe:a9fe"], true, { kind: "blocked", address: "169.254.169.254", cls: "metadata" }],
    ["loopback without the opt-in", ["127.0.0.1"], false, { kind: "blocked", address: "127.0.0.1", cls: "loopback" }],
    ["IPv6 loopback without the opt-in", ["::1"], false, { kind: "blocked", address: "::1", cls: "loopback" }],
    ["::ffff:-mapped loopback without the opt-in", ["::ffff:127.0.0.1"], false, { kind: "blocked", address: "127.0.0.1", cls: "loopback" }],
    ["private without the opt-in", ["10.1.2.3"], false, { kind: "blocked", address: "10.1.2.3", cls: "private" }],
    ["CGNAT without the opt-in", ["100.64.1.1"], false, { kind: "blocked", address: "100.64.1.1", cls: "private" }],
    ["ULA without the opt-in", ["fd12::1"], false, { kind: "blocked", address: "fd12::1", cls: "private" }],
    ["link-local with a zone id", ["fe80::1%eth0"], false, { kind: "blocked", address: "fe80::1", cls: "private" }],
    ["unroutable, even with the opt-in", ["0.0.0.0"], true, { kind: "blocked", address: "0.0.0.0", cls: "unroutable" }],
    ["mixed: one private address among public ones", ["93.184.216.34", "2606:2800::1", "192.168.0.10"], false, { kind: "blocked", address: "192.168.0.10", cls: "private" }],
    ["mixed: metadata after loopback, with the opt-in", ["127.0.0.1", "169.254.169.254"], true, { kind: "blocked", address: "169.254.169.254", cls: "metadata" }],
    ["an answer that is not an address", ["not-an-ip"], false, { kind: "blocked", address: "not-an-ip", cls: "unroutable" }],
    ["loopback with the opt-in", ["127.0.0.1", "::1"], true, { kind: "pass" }],
    ["private with the opt-in", ["10.1.2.3"], true, { kind: "pass" }],
    ["public", ["93.184.216.34", "2606:2800::1"], false, { kind: "pass" }],
    ["no addresses", [], false, { kind: "unresolved" }],
  ] satisfies [string, string[], boolean, HostVerdict][])("%s", async (_, answers, allowPrivate, expected) => {
    expect(await guard(answers, { allowPrivate }).check()).toEqual(expected);
  });

  test("plain http:// to a name is for private hosts only: a public answer is refused", async () => {
    expect(await guard(["93.184.216.34"], { allowPrivate: true, plainHttp: true }).check()).toEqual({ kind: "blocked", address: "93.184.216.34", cls: "public" });
    expect(await guard(["10.0.0.5"], { allowPrivate: true, plainHttp: true }).check()).toEqual({ kind: "pass" });
  });

  test("metadata exemptions: an allowed address, an allowed name's answers, allow_all_metadata, the provider flag", async () => {
    const sec = (s: Partial<SecuritySpec>) => providerPolicy("p", { allowPrivateNetwork: false, allowMetadataHosts: false }, { ...SECURITY, ...s });
    expect(await guard(["169.254.169.254"], { policy: sec({ allowMetadataHosts: ["0xa9fea9fe"] }) }).check()).toEqual({ kind: "pass" });
    expect(await guard(["169.254.169.253"], { policy: sec({ allowMetadataHosts: ["169.254.169.254"] }) }).check()).toMatchObject({ kind: "blocked" });
    expect(await guard(["169.254.169.254"], { policy: sec({ allowMetadataHosts: ["upstream.test"] }) }).check()).toEqual({ kind: "pass" });
    expect(await guard(["169.254.169.254"], { policy: sec({ allowAllMetadata: true }) }).check()).toEqual({ kind: "pass" });
    const flag = providerPolicy("p", { allowPrivateNetwork: false, allowMetadataHosts: true }, SECURITY);
    expect(await guard(["169.254.169.254"], { policy: flag }).check()).toEqual({ kind: "pass" });
    // An exempt name still needs the private opt-in for a private answer.
    expect(await guard(["10.0.0.1"], { policy: sec({ allowMetadataHosts: ["upstream.test"] }) }).check()).toMatchObject({ kind: "blocked", cls: "private" });
    // An operator-added address is blocked in its answers too.
    expect(await guard(["203.0.113.7"], { policy: sec({ blockedMetadataHosts: ["203.0.113.7"] }) }).check()).toMatchObject({ kind: "blocked", cls: "metadata" });
  });

  test("webhook and OTLP columns: loopback answers are blocked for a webhook, allowed for OTLP", async () => {
    const policy = sinkPolicy(SECURITY);
    expect(await guard(["127.0.0.1"], { kind: "webhook", policy }).check()).toMatchObject({ kind: "blocked", cls: "loopback" });
    expect(await guard(["127.0.0.1"], { kind: "otlp", policy }).check()).toEqual({ kind: "pass" });
    expect(await guard(["10.0.0.1"], { kind: "otlp", policy }).check()).toMatchObject({ kind: "blocked", cls: "private" });
  });

  test("verdicts are cached for the TTL: synchronous after the first, one shared lookup, refreshed after expiry", async () => {
    const d = dns({ "upstream.test": ["93.184.216.34"] });
    const c = clock();
    const g = new HostGuard("upstream.test", { kind: "provider", policy: sinkPolicy(SECURITY), plainHttp: false, lookup: d.lookup, nowMs: c.nowMs });
    const first = [g.check(), g.check(), g.check()];
    expect(first.every((x) => x instanceof Promise)).toBe(true);
    expect(new Set(first).size).toBe(1); // concurrent first callers share one promise
    await first[0];
    expect(g.check()).toEqual({ kind: "pass" }); // a value, not a promise
    c.advance(VERDICT_TTL_MS - 1);
    expect(g.check()).toEqual({ kind: "pass" });
    expect(d.calls).toEqual(["upstream.test"]);
    c.advance(1);
    expect(g.check()).toBeInstanceOf(Promise);
    expect(d.calls).toEqual(["upstream.test", "upstream.test"]);
  });

  test("a name that does not resolve is unresolved, retried after a short TTL, and a later answer is judged afresh", async () => {
    const table: Record<string, readonly string[]> = {};
    const d = dns(table);
    const c = clock();
    const seen: [string, string | undefined][] = [];
    const g = new HostGuard("upstream.test", {
      kind: "provider", policy: sinkPolicy(SECURITY), plainHttp: false, lookup: d.lookup, nowMs: c.nowMs,
      onVerdict: (v, prev) => { seen.push([v.kind, prev?.kind]); },
    });
    expect(await g.check()).toEqual({ kind: "unresolved" });
    expect(g.check()).toEqual({ kind: "unresolved" });
    table["upstream.test"] = ["10.0.0.1"];
    c.advance(UNRESOLVED_TTL_MS);
    expect(await g.check()).toEqual({ kind: "blocked", address: "10.0.0.1", cls: "private" });
    expect(seen).toEqual([["unresolved", undefined], ["blocked", "unresolved"]]);
  });
});

describe("guardLane: the lane's host decides whether anything is resolved", () => {
  const runtimeFor = (baseUrl: string, extra = "", lookup: LookupFn) => {
    const loaded = loadConfig({
      configText: `providers:\n  p: { protocol: openai, auth: none, base_url: "${baseUrl}"${extra} }\nmodels:\n  m: { provider: p }\n`,
      configFile: "config.yaml", catalogText: embeddedCatalogText(), catalogFile: "embedded catalog", env: {},
    });
    if (!loaded.ok) throw new Error(loaded.errors.join("\n"));
    const rt = buildRuntime(loaded.config, { lookup });
    return { rt, lane: rt.resolver.lanes.get("m")! };
  };
  const never: LookupFn = () => { throw new Error("resolved a host that needs no resolving"); };

  test.each([
    ["http://127.0.0.1:11434", ", allow_private_network: true"],
    ["http://[::1]:11434", ", allow_private_network: true"],
    ["http://localhost:11434", ", allow_private_network: true"],
    ["http://vllm.localhost:8000", ", allow_private_network: true"],
    ["https://93.184.216.34", ""],
    ["http://169.254.169.254", ", allow_metadata_hosts: true"],
  ])("%s: answered synchronously, no lookup", (url, extra) => {
    const { rt, lane } = runtimeFor(url, extra, never);
    expect([guardLane(rt, lane), guardLane(rt, lane)]).toEqual([undefined, undefined]);
  });

  test("what send() returns instead of fetching: a blocked answer, an unresolved name", async () => {
    const blocked = runtimeFor("https://api.upstream.test", "", dns({ "api.upstream.test": ["169.254.169.254"] }).lookup);
    expect(await guardLane(blocked.rt, blocked.lane)).toEqual({
      kind: "failed", error: { kind: "server_error", message: "The upstream for 'm' resolves to a blocked address." },
    });
    const missing = runtimeFor("https://api.upstream.test", "", dns({}).lookup);
    expect(await guardLane(missing.rt, missing.lane)).toEqual({
      kind: "failed", error: { kind: "overloaded", message: "The upstream for 'm' could not be reached." },
    });
  });

  test("a name: one lookup, then a synchronous answer", async () => {
    const d = dns({ "api.upstream.test": ["93.184.216.34"] });
    const { rt, lane } = runtimeFor("https://api.upstream.test", "", d.lookup);
    expect(await guardLane(rt, lane)).toBeUndefined();
    expect(guardLane(rt, lane)).toBeUndefined();
    expect(d.calls).toEqual(["api.upstream.test"]);
  });
});

describe("through the gateway", () => {
  let gw: TestGateway | undefined;
  const servers: { stop(force?: boolean): unknown }[] = [];
  afterEach(async () => {
    await gw?.stop();
    gw = undefined;
    for (const s of servers.splice(0)) await s.stop(true);
  });

  /** The real fetch, with the made-up name swapped for 127.0.0.1 once the guard has let it through. */
  function viaLoopback() {
    const urls: string[] = [];
    const f: FetchFn = (url, init) => {
      urls.push(url.href);
      const real = new URL(url.href);
      real.hostname = "127.0.0.1";
      return fetch(real, init);
    };
    return { fetch: f, urls };
  }

  const chat = (url: string, model: string) => fetch(`${url}/v1/chat/completions`, {
    method: "POST", headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
  });
  const port = (mock: string) => new URL(mock).port;
  /** The native exhaustion answer: nothing about the host or address reaches the client. */
  const exhausted = (model: string) => ({
    status: 503,
    body: { error: { message: `Every upstream of '${model}' is unavailable or failed; retry later.`, type: "server_error", param: null, code: null } },
  });
  const reply = async (res: Response) => ({ status: res.status, body: await res.json() });

  test("a name that resolves to loopback, with allow_private_network: the request reaches the upstream", async () => {
    const d = dns({ "upstream.test": ["127.0.0.1"] });
    const f = viaLoopback();
    gw = await startGateway({
      yaml: (mock) => `providers:\n  local: { protocol: openai, auth: none, base_url: "http://upstream.test:${port(mock)}", allow_private_network: true }\nmodels:\n  m: { provider: local }\n`,
      runtime: { lookup: d.lookup, fetch: f.fetch },
    });
    const res = await chat(gw.url, "m");
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect((await chat(gw.url, "m")).status).toBe(200);
    expect([gw.mock.requests.length, d.calls, f.urls.map((u) => new URL(u).hostname)]).toEqual([2, ["upstream.test"], ["upstream.test", "upstream.test"]]);
  });

  test("a name that resolves to metadata: native 5xx naming neither host nor address, nothing sent, the operator log says why", async () => {
    const d = dns({ "upstream.test": ["10.9.9.9", "169.254.169.254"] });
    const f = viaLoopback();
    const l = logs();
    gw = await startGateway({
      yaml: (mock) => `providers:\n  remote: { protocol: openai, auth: none, base_url: "https://upstream.test:${port(mock)}", allow_private_network: true }\nmodels:\n  m: { provider: remote }\n`,
      runtime: { lookup: d.lookup, fetch: f.fetch },
      log: l.log,
    });
    expect(await reply(await chat(gw.url, "m"))).toEqual(exhausted("m"));
    expect([f.urls, gw.mock.requests.length]).toEqual([[], 0]);
    expect(l.lines.filter((x) => x.level === "warn" && x.msg === "upstream resolves to a blocked address")).toEqual([{
      level: "warn", msg: "upstream resolves to a blocked address",
      fields: { lane: "m", provider: "remote", host: "upstream.test", address: "169.254.169.254", address_class: "metadata" },
    }]);
  });

  test("a name that resolves to loopback without the opt-in fails over to the next member", async () => {
    const d = dns({ "upstream.test": ["::ffff:127.0.0.1"] });
    const f = viaLoopback();
    gw = await startGateway({
      yaml: (mock) => `providers:
  remote: { protocol: openai, auth: none, base_url: "https://upstream.test:${port(mock)}" }
  local: { protocol: openai, auth: none, base_url: "${mock}", allow_private_network: true }
models:
  a: { provider: remote, upstream_model: up-a }
  b: { provider: local, upstream_model: up-b }
pools:
  p: { policy: { name: ordered }, members: [ { target: a }, { target: b } ] }
`,
      runtime: { lookup: d.lookup, fetch: f.fetch },
    });
    const res = await chat(gw.url, "p");
    expect(res.status).toBe(200);
    await res.arrayBuffer();
    expect(gw.mock.requests.map((r) => r.model)).toEqual(["up-b"]);
    expect(f.urls.map((u) => new URL(u).port)).toEqual([String(port(gw.mock.url))]);
  });

  test("plain http:// to a name that resolves to a public address is refused even with the opt-in", async () => {
    const d = dns({ "upstream.test": ["93.184.216.34"] });
    const f = viaLoopback();
    gw = await startGateway({
      yaml: (mock) => `providers:\n  local: { protocol: openai, auth: none, base_url: "http://upstream.test:${port(mock)}", allow_private_network: true }\nmodels:\n  m: { provider: local }\n`,
      runtime: { lookup: d.lookup, fetch: f.fetch },
    });
    expect(await reply(await chat(gw.url, "m"))).toEqual(exhausted("m"));
    expect(f.urls).toEqual([]);
  });

  test("a name that does not resolve is an ordinary unreachable upstream", async () => {
    const d = dns({});
    const f = viaLoopback();
    gw = await startGateway({
      yaml: (mock) => `providers:\n  remote: { protocol: openai, auth: none, base_url: "https://nowhere.test:${port(mock)}" }\nmodels:\n  m: { provider: remote }\n`,
      runtime: { lookup: d.lookup, fetch: f.fetch },
    });
    expect(await reply(await chat(gw.url, "m"))).toEqual(exhausted("m"));
    expect(f.urls).toEqual([]);
  });

  test("B15: an upstream 302 to the metadata address is not followed: a native 5xx, or failover to the next member", async () => {
    let targetHits = 0;
    const target = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => { targetHits++; return new Response("{}"); } });
    servers.push(target);
    const redirects: string[] = [];
    const redirector = Bun.serve({
      hostname: "127.0.0.1", port: 0,
      fetch: (req) => {
        // Alternate between the metadata address and a local server that counts what reaches it.
        const to = redirects.length % 2 === 0 ? "http://169.254.169.254/latest/meta-data/" : `http://127.0.0.1:${target.port}/v1/chat/completions`;
        redirects.push(new URL(req.url).pathname);
        return new Response(null, { status: 302, headers: { location: to } });
      },
    });
    servers.push(redirector);
    gw = await startGateway({
      yaml: (mock) => `providers:
  bouncy: { protocol: openai, auth: none, base_url: "http://127.0.0.1:${redirector.port}", allow_private_network: true }
  local: { protocol: openai, auth: none, base_url: "${mock}", allow_private_network: true }
models:
  r: { provider: bouncy }
  b: { provider: local, upstream_model: up-b }
pools:
  p: { policy: { name: ordered }, members: [ { target: r }, { target: b } ] }
`,
    });
    expect(await reply(await chat(gw.url, "r"))).toEqual(exhausted("r"));
    expect(await reply(await chat(gw.url, "r"))).toEqual(exhausted("r"));
    const pooled = await chat(gw.url, "p");
    expect(pooled.status).toBe(200);
    await pooled.arrayBuffer();
    expect([redirects.length, targetHits, gw.mock.requests.map((r) => r.model)]).toEqual([3, 0, ["up-b"]]);
  });
});
