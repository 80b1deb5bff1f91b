// Native TLS and mTLS on the data listener, upstream trust, and the refusals (platform.md §4.1; §8 SEC-01..03;
// §4.6 B9, B20). Certificates are generated for this file by the openssl CLI.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { connect } from "node:tls";
import { insecureTlsEnv } from "../../src/transport-env.ts";
import { errorsOf, load, MINIMAL } from "../config/helpers.ts";
import { CALLER_TOKEN, LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";
import { makePki, type Pem, type TestPki } from "../helpers/tls-certs.ts";

let pki: TestPki;
beforeAll(() => {
  pki = makePki();
});
afterAll(() => pki.cleanup());

const chat = { model: "pool-openai", messages: [{ role: "user", content: "hello" }] };

/** One request on a fresh connection; "refused" when the handshake fails and no HTTP answer comes back. */
async function post(url: string, client: Pem | undefined, token: string | undefined): Promise<number | "refused"> {
  const tls: Record<string, string> = { ca: pki.ca.cert };
  if (client !== undefined) Object.assign(tls, { cert: client.cert, key: client.key });
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers["authorization"] = `Bearer ${token}`;
  try {
    const res = await fetch(`${url}/v1/chat/completions`, { method: "POST", headers, body: JSON.stringify(chat), tls, keepalive: false });
    await res.arrayBuffer();
    return res.status;
  } catch {
    return "refused";
  }
}

const tlsYaml = (extra: string) => (mock: string) => sixProtocolYaml(mock, `tls:\n  cert_file: ${pki.server.certFile}\n  key_file: ${pki.server.keyFile}\n${extra}`);

describe("TLS (SEC-01)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: tlsYaml(""), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  test("serves HTTPS with the configured chain", async () => {
    expect(gw.url.startsWith("https://127.0.0.1:")).toBe(true);
    expect(await post(gw.url, undefined, CALLER_TOKEN)).toBe(200);
  });

  test("never negotiates h2, even when the client offers it first (Bun answers without ALPN: HTTP/1.1)", async () => {
    const port = Number(new URL(gw.url).port);
    const alpn = await new Promise<string | false>((resolve, reject) => {
      const s = connect({ host: "127.0.0.1", port, ca: pki.ca.cert, servername: "localhost", ALPNProtocols: ["h2", "http/1.1"] }, () => {
        resolve(s.alpnProtocol ?? false);
        s.end();
      });
      s.on("error", reject);
    });
    expect(alpn === false || alpn === "http/1.1").toBe(true);
  });

  test("a client that does not trust the CA cannot connect", async () => {
    await expect(fetch(`${gw.url}/healthz`, { keepalive: false })).rejects.toThrow();
  });
});

describe("bad TLS files are boot errors naming the key and the file", () => {
  const yaml = (tls: string) => `${MINIMAL}tls: ${tls}\n`;
  const read = (p: string) => Bun.file(p).text();
  const files: Record<string, string> = {};
  const readFile = (p: string): string => {
    if (!(p in files)) throw Object.assign(new Error("missing"), { code: "ENOENT" });
    return files[p] ?? "";
  };
  beforeAll(async () => {
    files["/srv.crt"] = await read(pki.server.certFile);
    files["/srv.key"] = await read(pki.server.keyFile);
    files["/client.key"] = await read(pki.client.keyFile);
    files["/ca.crt"] = await read(pki.ca.certFile);
    files["/garbage"] = "-----BEGIN CERTIFICATE-----\nnot base64 at all\n-----END CERTIFICATE-----\n";
  });

  test.each([
    ["{ cert_file: /nope.crt, key_file: /srv.key }", "config.yaml: tls.cert_file: cannot read /nope.crt (ENOENT)"],
    ["{ cert_file: /garbage, key_file: /srv.key }", "config.yaml: tls.cert_file: /garbage holds no parseable PEM certificate"],
    ["{ cert_file: /srv.crt, key_file: /garbage }", "config.yaml: tls.key_file: /garbage is not a PEM private key (PKCS#8, PKCS#1 or SEC1)"],
    ["{ cert_file: /srv.crt, key_file: /client.key }", "config.yaml: tls.key_file: /client.key does not match the certificate in /srv.crt"],
    ["{ cert_file: /srv.crt, key_file: /srv.key, client_ca_file: /garbage }", "config.yaml: tls.client_ca_file: /garbage holds no parseable PEM certificate"],
    ["{ cert_file: /srv.crt }", "config.yaml: tls.key_file: set exactly one of key_file or key_env (the NAME of a variable holding the PEM key)"],
    ["{ cert_file: /srv.crt, key_env: TLS_KEY }", "config.yaml: tls.key_env: environment variable TLS_KEY is unset or empty"],
  ])("%s", (tls, error) => {
    const r = load(yaml(tls), { readFile });
    expect(errorsOf(r)).toEqual([error]);
    expect(JSON.stringify(r)).not.toContain("PRIVATE KEY");
  });

  test("the key may come from an environment variable", () => {
    const r = load(yaml("{ cert_file: /srv.crt, key_env: TLS_KEY, client_ca_file: /ca.crt }"), { readFile, env: { OPENAI_KEY: "k", TLS_KEY: files["/srv.key"] ?? "" } });
    if (!r.ok) throw new Error(r.errors.join("\n"));
    expect(r.config.tls?.key).toContain("PRIVATE KEY");
    expect(r.config.tls?.clientCa).toContain("BEGIN CERTIFICATE");
  });
});

describe("mTLS (SEC-02, SEC-03, B9)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({ yaml: tlsYaml(`  client_ca_file: ${pki.ca.certFile}\n`), env: LANE_ENV });
  });
  afterAll(() => gw.stop());

  test("a certificate from the CA plus a token: 200; the certificate without a token: 401", async () => {
    expect(await post(gw.url, pki.client, CALLER_TOKEN)).toBe(200);
    expect(await post(gw.url, pki.client, undefined)).toBe(401);
  });

  test("no certificate, a foreign-CA certificate and an expired one fail the handshake; the next client is served", async () => {
    for (const bad of [undefined, pki.foreignClient, pki.expiredClient]) {
      expect(await post(gw.url, bad, CALLER_TOKEN)).toBe("refused");
      expect(await post(gw.url, pki.client, CALLER_TOKEN)).toBe(200);
    }
    // Refused at the handshake: no request reached the upstream.
    expect(gw.mock.requests.length).toBe(4);
  });

  test("200 foreign-CA and 200 certificate-less handshakes on a fresh server are all refused", async () => {
    const fresh = await startGateway({ yaml: tlsYaml(`  client_ca_file: ${pki.ca.certFile}\n`), env: LANE_ENV });
    try {
      const outcomes: Record<string, number> = {};
      const batch = 8;
      for (let i = 0; i < 400; i += batch) {
        const round = await Promise.all(Array.from({ length: batch }, (_, j) => post(fresh.url, (i + j) % 2 === 0 ? pki.foreignClient : undefined, CALLER_TOKEN)));
        for (const o of round) outcomes[String(o)] = (outcomes[String(o)] ?? 0) + 1;
      }
      expect(outcomes).toEqual({ refused: 400 });
      expect(fresh.mock.requests.length).toBe(0);
    } finally {
      await fresh.stop();
    }
  }, 60_000);
});

describe("upstream trust (ca_file adds roots; verification is never skipped)", () => {
  const upstreamYaml = (caLine: string) => (mock: string) => `providers:
  tls-up: { protocol: openai, base_url: "${mock}", api_key_env: LANE_OPENAI_KEY, allow_private_network: true${caLine} }
models:
  m: { provider: tls-up }
pools:
  pool-openai: { members: [ { target: m } ] }
`;
  const mockTls = () => ({ tls: { cert: pki.server.cert, key: pki.server.key } });

  test("an upstream certificate from an unknown CA fails the attempt", async () => {
    const gw = await startGateway({ yaml: upstreamYaml(""), env: LANE_ENV, mock: mockTls() });
    try {
      expect(gw.mock.url.startsWith("https://")).toBe(true);
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat) });
      expect(res.status).toBe(503);
      expect(gw.mock.requests.length).toBe(0);
    } finally {
      await gw.stop();
    }
  });

  test("with ca_file naming that CA the same upstream answers", async () => {
    const gw = await startGateway({ yaml: upstreamYaml(`, ca_file: "${pki.ca.certFile}"`), env: LANE_ENV, mock: mockTls() });
    try {
      const res = await fetch(`${gw.url}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(chat) });
      expect(res.status).toBe(200);
      expect(gw.mock.requests.length).toBe(1);
    } finally {
      await gw.stop();
    }
  });
});

describe("NODE_TLS_REJECT_UNAUTHORIZED (B20)", () => {
  test("0 or any value but 1 is refused with the reason; unset or 1 is fine", () => {
    expect(insecureTlsEnv({})).toBeUndefined();
    expect(insecureTlsEnv({ NODE_TLS_REJECT_UNAUTHORIZED: "1" })).toBeUndefined();
    expect(insecureTlsEnv({ NODE_TLS_REJECT_UNAUTHORIZED: "0" })).toContain("would disable upstream certificate verification");
  });

  test("the process exits 1 at boot, before binding", async () => {
    const dir = pki.dir;
    const cfg = `${dir}/b20.yaml`;
    await Bun.write(cfg, `listen: "127.0.0.1:0"\nproviders:\n  openai: { api_key_env: OPENAI_KEY }\nmodels:\n  gpt: { provider: openai }\n`);
    const p = Bun.spawn(["bun", "src/main.ts", "--config", cfg], {
      env: { PATH: process.env["PATH"] ?? "", NODE_TLS_REJECT_UNAUTHORIZED: "0", OPENAI_KEY: "k" }, stdout: "pipe", stderr: "pipe",
    });
    expect(await p.exited).toBe(1);
    expect(await new Response(p.stderr).text()).toContain("refusing to start: NODE_TLS_REJECT_UNAUTHORIZED");
  });
});

describe("the admin listener: TLS and admin mTLS (platform.md §3.6)", () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway({
      yaml: (m) => `${sixProtocolYaml(m)}admin:
  listen: "127.0.0.1:0"
  token: admin-tls-token
  tls: { cert_file: ${pki.server.certFile}, key_file: ${pki.server.keyFile}, client_ca_file: ${pki.ca.certFile} }
`,
      env: LANE_ENV,
    });
  });
  afterAll(() => gw.stop());

  const info = async (client: Pem | undefined): Promise<number | "refused"> => {
    const tls: Record<string, string> = { ca: pki.ca.cert };
    if (client !== undefined) Object.assign(tls, { cert: client.cert, key: client.key });
    try {
      const res = await fetch(`${gw.adminUrl}/api/v1/admin/info`, { headers: { authorization: "Bearer admin-tls-token" }, tls, keepalive: false });
      await res.arrayBuffer();
      return res.status;
    } catch {
      return "refused";
    }
  };

  test("HTTPS with a client certificate from the CA is served; none, foreign or expired fail the handshake", async () => {
    expect(gw.adminUrl?.startsWith("https://")).toBe(true);
    expect(await info(pki.client)).toBe(200);
    for (const bad of [undefined, pki.foreignClient, pki.expiredClient]) {
      expect(await info(bad)).toBe("refused");
      expect(await info(pki.client)).toBe(200);
    }
  });
});
