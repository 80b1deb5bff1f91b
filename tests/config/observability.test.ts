// The observability and metrics sections at load (platform.md §4.2 sink rules, §5; spec README decision 5): sink
// URLs checked per their column of the SSRF table, userinfo moved into a header and out of anything printed, the
// audit HMAC key and metrics token read as secrets.
import { describe, expect, test } from "bun:test";
import { allText, ENV, errorsOf, load, MINIMAL } from "./helpers.ts";

const with_ = (extra: string, env: Record<string, string> = {}) => load(`${MINIMAL}${extra}`, { env: { ...ENV, ...env } });

describe("observability sinks", () => {
  test("defaults: everything off, key_gauge_limit 2000", () => {
    const r = with_("");
    expect(r.ok && r.config.observability).toEqual({ emitServerTiming: false, otlp: undefined, audit: undefined, keyGaugeLimit: 2000, accessLog: false });
    expect(r.ok && r.config.metricsToken).toBeUndefined();
  });

  test("OTLP may be loopback http; userinfo becomes Basic auth and leaves the URL", () => {
    const r = with_("observability: { otlp_endpoint: \"http://user:pw@127.0.0.1:4318/v1/traces\" }\n");
    expect(r.ok && r.config.observability.otlp).toEqual({ url: "http://127.0.0.1:4318/v1/traces", authorization: `Basic ${btoa("user:pw")}`, serviceName: "busbar" });
  });

  test.each([
    ["http://127.0.0.1:9000/audit", "loopback"],
    ["https://10.0.0.5/audit", "private"],
    ["http://audit.example.com/x", "https://"],
    ["https://169.254.169.254/latest", "metadata"],
  ])("audit webhook %s is refused (%s)", (url, word) => {
    const errs = errorsOf(with_(`observability: { request_log_webhook_url: "${url}" }\n`)).join("\n");
    expect(errs).toContain("observability.request_log_webhook_url");
    expect(errs.toLowerCase()).toContain(word);
  });

  test("a public https audit webhook with its HMAC key from the environment", () => {
    const r = with_("observability: { request_log_webhook_url: \"https://audit.example.com/busbar\", request_log_webhook_secret_env: AUDIT_KEY, webhook_max_inflight: 8 }\n",
      { AUDIT_KEY: "hmac-key-value" });
    expect(r.ok && r.config.observability.audit).toEqual({
      url: "https://audit.example.com/busbar", authorization: undefined, secret: "hmac-key-value", maxInflight: 8, timeoutMs: 2000,
    });
  });

  test("an unset HMAC variable is an error that names it, never a value", () => {
    const r = with_("observability: { request_log_webhook_url: \"https://audit.example.com/b\", request_log_webhook_secret_env: AUDIT_KEY }\n");
    expect(errorsOf(r).join("\n")).toContain("AUDIT_KEY is unset");
  });
});

describe("metrics.token", () => {
  test("inline (from ${VAR}) or from a file; both at once is an error; never printed", () => {
    const inline = with_("metrics: { token: \"${SCRAPE}\" }\n", { SCRAPE: "scrape-secret-1" });
    expect(inline.ok && inline.config.metricsToken).toBe("scrape-secret-1");
    expect(allText(inline)).not.toContain("scrape-secret-1");
    const file = load(`${MINIMAL}metrics: { token_file: /run/t }\n`, { readFile: () => "scrape-secret-2\n" });
    expect(file.ok && file.config.metricsToken).toBe("scrape-secret-2");
    expect(errorsOf(with_("metrics: { token: a, token_file: /b }\n")).join("\n")).toContain("not both");
  });
});
