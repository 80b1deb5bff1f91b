// platform.md §4.2 load-time checks, §4.6 B11–B14, spec README platform decision 1: every host class × sink kind,
// every alternate spelling, and each opt-in and list in `security`.
import { describe, expect, test } from "bun:test";
import { canonicalHost } from "../../src/config/hosts.ts";
import { BUILTIN_METADATA_POLICY, effectiveBlocklist, metadataPolicy } from "../../src/config/metadata.ts";
import type { SecuritySpec } from "../../src/config/model.ts";
import { checkSinkUrl, classifyHost, type HostClass, providerPolicy, type SinkKind, sinkPolicy } from "../../src/config/ssrf.ts";
import { errorsOf, load, otherWarnings } from "./helpers.ts";

const withUrl = (fields: string, top = "") => `${top}providers:\n  p: { protocol: openai, api_key_env: OPENAI_KEY, ${fields} }\nmodels:\n  m: { provider: p }\n`;

const SECURITY_OFF: SecuritySpec = { allowPrivateUpstreams: false, blockedMetadataHosts: [], allowMetadataHosts: [], allowAllMetadata: false };

/** Every §4.2 spelling, by the class it must land in. Hosts are written as they appear in a URL. */
const SPELLINGS: Record<HostClass, readonly string[]> = {
  metadata: [
    "169.254.169.254", "2852039166", "0xa9fea9fe", "0xA9FEA9FE", "0251.0376.0251.0376", "169.254.43518", "0xa9.0xfe.0xa9.0xfe",
    "169.254.169.254.", "[::ffff:169.254.169.254]", "[::ffff:a9fe:a9fe]", "[0:0:0:0:0:ffff:a9fe:a9fe]", "[::a9fe:a9fe]",
    "[::169.254.169.254]", "[::ffff:0:a9fe:a9fe]", "[64:ff9b::a9fe:a9fe]", "169.254.0.1", "[fd00:ec2::254]",
    "[FD00:0EC2:0:0:0:0:0:254]", "100.100.100.200", "168.63.129.16", "192.0.0.192", "metadata.google.internal",
    "METADATA.google.internal.", "metadata%2egoogle%2einternal", "metadata.internal", "metadata.tencentyun.com",
    "metadata.platformequinix.com", "instance-data", "INSTANCE-DATA.", "instance-data.ec2.internal",
  ],
  loopback: [
    "127.0.0.1", "127.1", "0x7f.1", "0x7f000001", "2130706433", "0177.0.0.1", "127.255.255.254", "[::1]",
    "[0:0:0:0:0:0:0:1]", "[::ffff:127.0.0.1]", "[::ffff:7f00:1]", "localhost", "LOCALHOST.", "localhost..",
    "%6c%6f%63%61%6c%68%6f%73%74", "api.localhost", "ＬＯＣＡＬＨＯＳＴ",
  ],
  private: [
    "10.0.0.5", "0x0a.0.0.1", "167772161", "012.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1",
    "100.127.255.255", "[fc00::1]", "[fd12:3456::1]", "[fe80::1]", "[febf::1]", "[fec0::1]", "[::ffff:10.0.0.1]", "[::ffff:c0a8:1]",
  ],
  unroutable: ["0.0.0.0", "0", "0.1.2.3", "[::]", "255.255.255.255", "224.0.0.1", "240.0.0.1", "[ff02::1]", "[::ffff:0.0.0.0]"],
  public: [
    "api.openai.com", "8.8.8.8", "172.32.0.1", "172.15.255.255", "100.128.0.1", "100.63.255.255", "169.253.255.255",
    "169.255.0.1", "192.169.0.1", "[2001:db8::1]", "[::ffff:8.8.8.8]", "[2606:4700::1111]", "localhost.example.com", "metadata.google.internal.evil.com",
  ],
};

describe("canonical hosts (WHATWG URL parsing plus trailing dots and embedded IPv4)", () => {
  const cases = Object.entries(SPELLINGS).flatMap(([cls, hosts]) => hosts.map((h) => [h, cls] as [string, HostClass]));
  test.each(cases)("%s → %s", (host, cls) => {
    expect(classifyHost(new URL(`https://${host}/`).hostname)).toBe(cls);
  });

  test("every spelling of one address is one key", () => {
    const keys = ["2852039166", "0xa9fea9fe", "0251.0376.0251.0376", "169.254.43518", "[::ffff:169.254.169.254]", "[::a9fe:a9fe]", "169.254.169.254."]
      .map((h) => canonicalHost(new URL(`https://${h}/`).hostname));
    expect(new Set(keys)).toEqual(new Set(["169.254.169.254"]));
    expect([canonicalHost("METADATA.Google.Internal."), canonicalHost("FD00:EC2:0:0:0:0:0:254"), canonicalHost("fe80::1%eth0"), canonicalHost("0x7f.1")])
      .toEqual(["metadata.google.internal", "fd00:ec2::254", "fe80::1", "127.0.0.1"]);
    expect([canonicalHost("http://x"), canonicalHost("a b"), canonicalHost("x:80"), canonicalHost("a/b"), canonicalHost("[1:2]")])
      .toEqual([undefined, undefined, undefined, undefined, undefined]);
  });

  test("a backslash is a path separator: it cannot hide the host", () => {
    expect(new URL("https://169.254.169.254\\latest").hostname).toBe("169.254.169.254");
    expect(checkSinkUrl("provider", "https://169.254.169.254\\@api.example.com/", ["u"], sinkPolicy(undefined)).problems.map((p) => p.message))
      .toEqual(["169.254.169.254 is a cloud metadata address; add it to security.allow_metadata_hosts to allow it"]);
  });
});

/** The §4.2 table: one representative URL per row, the exact outcome in each column ("ok" or the message). */
describe("checkSinkUrl: the §4.2 table", () => {
  const provider = (allowPrivate: boolean) => providerPolicy("local", { allowPrivateNetwork: allowPrivate, allowMetadataHosts: false }, SECURITY_OFF);
  const cases: [string, SinkKind, boolean, string][] = [
    // [url, sink, provider opt-in, expected]
    ["https://169.254.169.254/", "provider", false, "169.254.169.254 is a cloud metadata address; set providers.local.allow_metadata_hosts: true to allow it"],
    ["https://169.254.169.254/", "provider", true, "169.254.169.254 is a cloud metadata address; set providers.local.allow_metadata_hosts: true to allow it"],
    ["https://169.254.169.254/", "webhook", false, "169.254.169.254 is a cloud metadata address; add it to security.allow_metadata_hosts to allow it"],
    ["https://169.254.169.254/", "otlp", false, "169.254.169.254 is a cloud metadata address; add it to security.allow_metadata_hosts to allow it"],
    ["http://127.0.0.1:11434", "provider", false, "127.0.0.1 is a loopback address; set providers.local.allow_private_network: true to allow it"],
    ["http://127.0.0.1:11434", "provider", true, "ok"],
    ["https://127.0.0.1/x", "webhook", false, "127.0.0.1 is a loopback address, which a webhook may not reach"],
    ["https://127.0.0.1:4318/", "otlp", false, "ok"],
    ["http://127.0.0.1:4318/", "otlp", false, "ok"],
    ["http://localhost:4318/", "otlp", false, "ok"],
    ["http://10.0.0.5:8000", "provider", false, "10.0.0.5 is a private-network address; set providers.local.allow_private_network: true to allow it"],
    ["http://10.0.0.5:8000", "provider", true, "ok"],
    ["https://[fd12::1]:8000", "provider", true, "ok"],
    ["https://10.0.0.5/", "webhook", false, "10.0.0.5 is a private-network address, which a webhook may not reach"],
    ["https://100.64.0.1/", "otlp", false, "100.64.0.1 is a private-network address, which the OTLP exporter may not reach"],
    ["https://0.0.0.0/", "provider", true, "0.0.0.0 is not a routable address"],
    ["https://[::]/", "webhook", false, "[::] is not a routable address"],
    ["https://255.255.255.255/", "otlp", false, "255.255.255.255 is not a routable address"],
    ["https://api.example.com/v1", "provider", false, "ok"],
    ["https://logs.example.com/", "webhook", false, "ok"],
    ["https://otel.example.com/", "otlp", false, "ok"],
    ["http://api.example.com", "provider", false, "https:// is required for api.example.com (plain http:// is only accepted for private hosts with allow_private_network: true)"],
    // A name is not resolved at load: with the opt-in, plain http is accepted and the connect-time guard
    // refuses it unless every address it resolves to is non-public (tests/security/ssrf.test.ts).
    ["http://ollama:11434", "provider", true, "ok"],
    ["http://8.8.8.8", "provider", true, "https:// is required for 8.8.8.8 (plain http:// is only accepted for private hosts with allow_private_network: true)"],
    ["http://otel-collector:4318", "otlp", false, "https:// is required for otel-collector (plain http:// is only accepted for loopback)"],
    ["http://logs.example.com/", "webhook", false, "https:// is required for logs.example.com"],
    ["http://otel.example.com/", "otlp", false, "https:// is required for otel.example.com (plain http:// is only accepted for loopback)"],
    ["ftp://files.example.com", "webhook", false, "scheme must be https:// (got ftp://)"],
    ["not a url", "otlp", false, "must be an absolute http:// or https:// URL"],
  ];
  test.each(cases)("%s as %s (opt-in %p) → %s", (url, kind, optIn, expected) => {
    const policy = kind === "provider" ? provider(optIn) : sinkPolicy(SECURITY_OFF);
    const r = checkSinkUrl(kind, url, ["u"], policy);
    expect(r.problems.length === 0 ? "ok" : r.problems.map((p) => p.message).join(" | ")).toBe(expected);
  });

  test("every alternate spelling of a blocked class is blocked for every sink", () => {
    const outcomes: string[] = [];
    for (const cls of ["metadata", "unroutable", "private"] as const) {
      for (const host of SPELLINGS[cls]) {
        for (const kind of ["provider", "webhook", "otlp"] as const) {
          const policy = kind === "provider" ? provider(false) : sinkPolicy(SECURITY_OFF);
          if (checkSinkUrl(kind, `https://${host}/`, ["u"], policy).problems.length === 0) outcomes.push(`${kind} ${host}`);
        }
      }
    }
    expect(outcomes).toEqual([]);
  });

  test("OTLP and webhook userinfo becomes an Authorization header and leaves the URL; providers refuse it", () => {
    const otlp = checkSinkUrl("otlp", "https://tenant:s3cr%40t@otel.example.com/v1/traces", ["observability", "otlp", "endpoint"], sinkPolicy(undefined));
    expect({ problems: otlp.problems, url: otlp.url?.href, authorization: otlp.authorization }).toEqual({
      problems: [], url: "https://otel.example.com/v1/traces", authorization: `Basic ${btoa("tenant:s3cr@t")}`,
    });
    expect(checkSinkUrl("webhook", "https://hook:pw@logs.example.com/x", ["w"], sinkPolicy(undefined)).url?.href).toBe("https://logs.example.com/x");
    const p = checkSinkUrl("provider", "https://user:pw@api.example.com", ["providers", "p", "base_url"], provider(false));
    expect(p.problems.map((x) => x.message)).toEqual(["must not contain user:password@ (put the credential in api_key_env or api_key_file)"]);
    // A refused URL never echoes its userinfo.
    expect(JSON.stringify(checkSinkUrl("otlp", "https://u:topsecret@10.0.0.1/", ["o"], sinkPolicy(undefined)))).not.toContain("topsecret");
  });
});

describe("provider base_url at load (B11–B13)", () => {
  test.each([
    ["https://169.254.169.254/", "169.254.169.254"], ["https://2852039166/", "169.254.169.254"], ["https://0xa9fea9fe/", "169.254.169.254"],
    ["https://0251.0376.0251.0376/", "169.254.169.254"], ["https://169.254.43518/", "169.254.169.254"],
    ["https://[::ffff:169.254.169.254]/", "[::ffff:a9fe:a9fe]"], ["https://[::ffff:a9fe:a9fe]/", "[::ffff:a9fe:a9fe]"],
    ["https://[::a9fe:a9fe]/", "[::a9fe:a9fe]"], ["https://METADATA.google.internal./", "metadata.google.internal"],
    ["https://instance-data/latest", "instance-data"],
  ])("B11 %s is a boot error naming providers.p.base_url and %s", (url, shown) => {
    expect(errorsOf(load(withUrl(`base_url: "${url}"`)))).toEqual([
      `config.yaml: providers.p.base_url: ${shown} is a cloud metadata address; set providers.p.allow_metadata_hosts: true to allow it`,
    ]);
  });

  test("B12: plain http to a public host; a private host without the opt-in names the key", () => {
    expect(errorsOf(load(withUrl('base_url: "http://api.example.com"')))).toEqual([
      "config.yaml: providers.p.base_url: https:// is required for api.example.com (plain http:// is only accepted for private hosts with allow_private_network: true)",
    ]);
    expect(errorsOf(load(withUrl('base_url: "http://10.0.0.5:8000"')))).toEqual([
      "config.yaml: providers.p.base_url: 10.0.0.5 is a private-network address; set providers.p.allow_private_network: true to allow it",
    ]);
    expect(errorsOf(load(withUrl('base_url: "http://0x7f.1:11434"')))).toEqual([
      "config.yaml: providers.p.base_url: 127.0.0.1 is a loopback address; set providers.p.allow_private_network: true to allow it",
    ]);
  });

  test.each([".evil.com/v1", "@evil.com/"])("B13 path %s must start with /", (path) => {
    expect(errorsOf(load(withUrl(`base_url: "https://api.example.com", path: "${path}"`)))).toEqual([
      'config.yaml: providers.p.path: must start with "/"',
    ]);
  });

  test("other schemes, userinfo, queries and non-URLs are refused, each on its own key", () => {
    const r = load(`providers:
  b: { protocol: openai, api_key_env: K, base_url: "ftp://files.example.com" }
  c: { protocol: openai, api_key_env: K, base_url: "https://user:pw@api.example.com" }
  d: { protocol: openai, api_key_env: K, base_url: "https://api.example.com?x=1" }
  e: { protocol: openai, api_key_env: K, base_url: "not a url" }
models:
  m: { provider: b }
`, { env: { K: "k" } });
    expect(errorsOf(r)).toEqual([
      "config.yaml: providers.b.base_url: scheme must be https:// (got ftp://)",
      "config.yaml: providers.c.base_url: must not contain user:password@ (put the credential in api_key_env or api_key_file)",
      "config.yaml: providers.d.base_url: must not contain a query or fragment (put them in path)",
      "config.yaml: providers.e.base_url: must be an absolute http:// or https:// URL",
    ]);
    expect(JSON.stringify(r)).not.toContain("pw@");
  });

  test("a catalog local server (ollama) needs the opt-in, and the message says which key", () => {
    const yaml = (extra: string) => `providers:\n  ollama: { auth: none${extra} }\nmodels:\n  llama: { provider: ollama }\n`;
    expect(errorsOf(load(yaml("")))).toEqual([
      "config.yaml: providers.ollama.base_url: 127.0.0.1 is a loopback address; set providers.ollama.allow_private_network: true to allow it",
    ]);
    expect(load(yaml(", allow_private_network: true")).ok).toBe(true);
  });
});

describe("opt-ins and the security lists", () => {
  test("allow_private_network on one provider; security.allow_private_upstreams for all", () => {
    expect(load(withUrl('base_url: "http://10.0.0.5:8000", allow_private_network: true')).ok).toBe(true);
    expect(load(withUrl('base_url: "http://[::1]:8000"', "security: { allow_private_upstreams: true }\n")).ok).toBe(true);
    // Neither lifts the metadata block nor makes 0.0.0.0 routable.
    expect(errorsOf(load(withUrl('base_url: "http://169.254.169.254", allow_private_network: true', "security: { allow_private_upstreams: true }\n"))))
      .toEqual(["config.yaml: providers.p.base_url: 169.254.169.254 is a cloud metadata address; set providers.p.allow_metadata_hosts: true to allow it"]);
    expect(errorsOf(load(withUrl('base_url: "http://0.0.0.0:8000"', "security: { allow_private_upstreams: true }\n"))))
      .toEqual(["config.yaml: providers.p.base_url: 0.0.0.0 is not a routable address"]);
  });

  test("providers.<p>.allow_metadata_hosts lifts the block for that provider only", () => {
    expect(load(withUrl('base_url: "http://169.254.169.254", allow_metadata_hosts: true')).ok).toBe(true);
    const two = load(`providers:
  a: { protocol: openai, auth: none, base_url: "http://169.254.169.254", allow_metadata_hosts: true }
  b: { protocol: openai, auth: none, base_url: "http://169.254.169.254" }
models:
  m: { provider: a }
`);
    expect(errorsOf(two)).toEqual(["config.yaml: providers.b.base_url: 169.254.169.254 is a cloud metadata address; set providers.b.allow_metadata_hosts: true to allow it"]);
  });

  test("security.allow_metadata_hosts exempts exactly the hosts it names, in any spelling", () => {
    const top = 'security: { allow_metadata_hosts: ["0xa9fea9fe", "METADATA.google.internal."] }\n';
    expect(load(withUrl('base_url: "http://[::ffff:169.254.169.254]"', top)).ok).toBe(true);
    expect(load(withUrl('base_url: "https://metadata.google.internal"', top)).ok).toBe(true);
    expect(errorsOf(load(withUrl('base_url: "http://169.254.169.253"', top)))[0]).toContain("169.254.169.253 is a cloud metadata address");
  });

  test("security.blocked_metadata_hosts adds names and IP literals in any spelling; allow beats block", () => {
    const top = 'security: { blocked_metadata_hosts: ["Meta.Corp.Example.", "0x0a000005", "203.0.113.7"] }\n';
    expect(errorsOf(load(withUrl('base_url: "https://meta.corp.example/v1"', top)))).toEqual([
      "config.yaml: providers.p.base_url: meta.corp.example is a cloud metadata address; set providers.p.allow_metadata_hosts: true to allow it",
    ]);
    expect(errorsOf(load(withUrl('base_url: "http://10.0.0.5", allow_private_network: true', top)))[0]).toContain("10.0.0.5 is a cloud metadata address");
    expect(errorsOf(load(withUrl('base_url: "https://203.0.113.7"', top)))[0]).toContain("203.0.113.7 is a cloud metadata address");
    // Allowed again: the host's own range decides (10.0.0.5 still needs the private opt-in).
    const both = 'security: { blocked_metadata_hosts: ["10.0.0.5", "203.0.113.7"], allow_metadata_hosts: ["10.0.0.5", "203.0.113.7"] }\n';
    expect(load(withUrl('base_url: "https://203.0.113.7"', both)).ok).toBe(true);
    expect(errorsOf(load(withUrl('base_url: "http://10.0.0.5"', both)))[0]).toContain("set providers.p.allow_private_network: true");
    expect(load(withUrl('base_url: "http://10.0.0.5", allow_private_network: true', both)).ok).toBe(true);
  });

  test("a list entry that is not a host is a config error on its index", () => {
    expect(errorsOf(load(withUrl('base_url: "https://api.example.com"', 'security: { blocked_metadata_hosts: ["ok.example", "http://x/"], allow_metadata_hosts: ["a b"] }\n')))).toEqual([
      'config.yaml: security.blocked_metadata_hosts[1]: must be a host name or IP address, without scheme, port or path (got "http://x/")',
      'config.yaml: security.allow_metadata_hosts[0]: must be a host name or IP address, without scheme, port or path (got "a b")',
    ]);
  });

  test("security.allow_all_metadata turns protection off, with the §1.6 warning", () => {
    const r = load(withUrl('base_url: "http://169.254.169.254"', "security: { allow_all_metadata: true }\n"));
    expect(r.ok).toBe(true);
    expect(otherWarnings(r)).toEqual([
      "config.yaml: security.allow_all_metadata: metadata protection DISABLED: every provider and sink may reach cloud metadata endpoints",
    ]);
    expect(otherWarnings(load(withUrl('base_url: "https://api.example.com"')))).toEqual([]);
  });
});

describe("the effective denylist (SEC-04: built-ins + additions − allows)", () => {
  const BUILTINS = [
    "169.254.0.0/16", "100.100.100.200", "168.63.129.16", "192.0.0.192", "fd00:ec2::254", "metadata.google.internal", "metadata.internal",
    "metadata.tencentyun.com", "metadata.platformequinix.com", "instance-data", "instance-data.ec2.internal",
  ];
  const policy = (s: Partial<SecuritySpec>) => metadataPolicy({ ...SECURITY_OFF, ...s });

  test("built-ins alone", () => {
    expect(effectiveBlocklist(BUILTIN_METADATA_POLICY)).toEqual({ hosts: BUILTINS, exemptions: [] });
  });

  test("additions are canonical and appended once; exact allows remove; an allow inside a range is an exemption", () => {
    const p = policy({ blockedMetadataHosts: ["Meta.Corp.", "0x0a000005", "metadata.internal"], allowMetadataHosts: ["metadata.google.internal", "2852039166", "0x0a000005"] });
    expect(effectiveBlocklist(p)).toEqual({
      hosts: [...BUILTINS.filter((h) => h !== "metadata.google.internal"), "meta.corp"],
      exemptions: ["169.254.169.254"],
    });
  });

  test("allow_all_metadata: nothing", () => {
    expect(effectiveBlocklist(policy({ allowAllMetadata: true, blockedMetadataHosts: ["x.example"] }))).toEqual({ hosts: [], exemptions: [] });
  });
});
