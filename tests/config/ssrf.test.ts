// platform.md §4.2 (load-time literal checks) and spec README platform decision 1.
import { describe, expect, test } from "bun:test";
import { classifyHost, type HostClass } from "../../src/config/ssrf.ts";
import { errorsOf, load } from "./helpers.ts";

const withUrl = (fields: string) => `providers:\n  p: { protocol: openai, api_key_env: OPENAI_KEY, ${fields} }\nmodels:\n  m: { provider: p }\n`;

describe("classifyHost", () => {
  test.each([
    ["169.254.169.254", "metadata"], ["metadata.google.internal", "metadata"], ["METADATA.google.internal.", "metadata"],
    ["[fd00:ec2::254]", "metadata"], ["100.100.100.200", "metadata"], ["[::ffff:a9fe:a9fe]", "metadata"],
    ["127.0.0.1", "loopback"], ["localhost", "loopback"], ["api.localhost", "loopback"], ["[::1]", "loopback"],
    ["10.1.2.3", "private"], ["172.16.0.1", "private"], ["192.168.1.1", "private"], ["100.64.0.1", "private"],
    ["[fc00::1]", "private"], ["[fe80::1]", "private"], ["0.0.0.0", "unroutable"], ["[::]", "unroutable"],
    ["255.255.255.255", "unroutable"], ["172.32.0.1", "public"], ["api.openai.com", "public"], ["[2001:db8::1]", "public"],
  ] satisfies [string, HostClass][])("%s → %s", (host, cls) => {
    expect(classifyHost(host)).toBe(cls);
  });
});

describe("provider base_url checks", () => {
  test("a loopback/private host needs allow_private_network, and the error names that key", () => {
    expect(errorsOf(load(withUrl('base_url: "http://127.0.0.1:11434"')))).toEqual([
      "config.yaml: providers.p.base_url: 127.0.0.1 is a private/loopback address; set providers.p.allow_private_network: true to allow it",
    ]);
    expect(errorsOf(load(withUrl('base_url: "http://10.0.0.5:8000"')))[0]).toContain("set providers.p.allow_private_network: true");
    expect(load(withUrl('base_url: "http://10.0.0.5:8000", allow_private_network: true')).ok).toBe(true);
  });

  test.each(["https://169.254.169.254/", "https://2852039166/", "https://[::ffff:169.254.169.254]/", "https://METADATA.google.internal./"])(
    "metadata host %s is blocked, naming the key and host",
    (url) => {
      const [err] = errorsOf(load(withUrl(`base_url: "${url}"`)));
      expect(err).toMatch(/^config\.yaml: providers\.p\.base_url: (169\.254\.169\.254|\[::ffff:a9fe:a9fe\]|metadata\.google\.internal) is a cloud metadata address; set providers\.p\.allow_metadata_hosts: true to allow it$/);
    },
  );

  test("allow_metadata_hosts lifts the metadata block", () => {
    expect(load(withUrl('base_url: "http://169.254.169.254", allow_metadata_hosts: true')).ok).toBe(true);
  });

  test("plain http to a public host, other schemes, userinfo and queries are refused", () => {
    const r = load(`providers:
  a: { protocol: openai, api_key_env: K, base_url: "http://api.example.com" }
  b: { protocol: openai, api_key_env: K, base_url: "ftp://files.example.com" }
  c: { protocol: openai, api_key_env: K, base_url: "https://user:pw@api.example.com" }
  d: { protocol: openai, api_key_env: K, base_url: "https://api.example.com?x=1" }
  e: { protocol: openai, api_key_env: K, base_url: "not a url" }
models:
  m: { provider: a }
`, { env: { K: "k" } });
    expect(errorsOf(r)).toEqual([
      "config.yaml: providers.a.base_url: https:// is required for api.example.com (plain http:// is only accepted for private hosts with allow_private_network: true)",
      "config.yaml: providers.b.base_url: scheme must be https:// (got ftp://)",
      "config.yaml: providers.c.base_url: must not contain user:password@ (put the credential in api_key_env or api_key_file)",
      "config.yaml: providers.d.base_url: must not contain a query or fragment (put them in path)",
      "config.yaml: providers.e.base_url: must be an absolute http:// or https:// URL",
    ]);
    expect(JSON.stringify(r)).not.toContain("pw@");
  });

  test.each([".evil.com/v1", "@evil.com/"])("path %s must start with /", (path) => {
    expect(errorsOf(load(withUrl(`base_url: "https://api.example.com", path: "${path}"`)))).toEqual([
      'config.yaml: providers.p.path: must start with "/"',
    ]);
  });
});
