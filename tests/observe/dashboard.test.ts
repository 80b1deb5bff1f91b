// The Grafana dashboard (issue #10 item 5; docs/dashboard.md): deploy/grafana/busbar.json imports cleanly (one
// datasource input, every query on it, a `pool` variable), every panel's PromQL passes Prometheus's own parser
// (`promtool check rules`), and every metric it names is one a running busbar exposes (its `# TYPE` lines, printed
// even before the first sample). The example scrape config passes `promtool check config`, and the docs show each
// query as the dashboard has it.
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { stringify } from "yaml";
import { concreteExpr, type Dashboard, PROMETHEUS_EXAMPLE_PATH, readDashboard, REPO } from "../../scripts/dashboard-screenshot.ts";
import { LANE_ENV, sixProtocolYaml, startGateway, type TestGateway } from "../helpers/gateway.ts";

const METRICS_TOKEN = "metrics-token-for-the-dashboard-test";
/** What Grafana substitutes, as promtool must see it. */
const VARS = { pool: ".*", rateInterval: "1m" } as const;

let dashboard: Dashboard;
let gw: TestGateway | undefined;
let dir: string;

beforeAll(async () => {
  dashboard = readDashboard();
  dir = mkdtempSync(join(tmpdir(), "busbar-dashboard-test-"));
  // Governance on, so the per-key gauges are registered as they are in a governed deployment.
  gw = await startGateway({
    yaml: (m) => `${sixProtocolYaml(m).replace(/^auth:.*$/m, "auth: { mode: token }")}
governance: { enabled: true, store: { kind: memory } }
admin: { listen: "127.0.0.1:0", token: "admin-token-for-the-dashboard-test" }
metrics: { token: "${METRICS_TOKEN}" }
`,
    env: LANE_ENV,
  });
});
afterAll(async () => {
  await gw?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Words of PromQL that are neither functions (those are followed by `(`) nor metrics. */
const KEYWORDS = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/** The metric names an expression selects: what is left once strings, matchers, ranges, label lists and calls go. */
function metricNames(expr: string): string[] {
  const bare = expr
    .replaceAll(/"(?:[^"\\]|\\.)*"/g, '""')
    .replaceAll(/\{[^}]*\}/g, " ")
    .replaceAll(/\[[^\]]*\]/g, " ")
    .replaceAll(/\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ");
  const names = [...bare.matchAll(/(?<![\w.])[A-Za-z_:][\w:]*\b(?!\s*\()/g)].map((m) => m[0]);
  return [...new Set(names.filter((n) => !KEYWORDS.has(n.toLowerCase())))];
}

const targets = () => dashboard.panels.flatMap((p) => p.targets.map((t) => ({ panel: p, target: t })));

async function promtool(...args: string[]): Promise<{ code: number; out: string }> {
  const p = Bun.spawn(["promtool", ...args], { stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return { code, out: `${out}${err}` };
}

/** Every panel query as a recording rule; promtool parses each `expr` with Prometheus's PromQL parser. */
function rulesFile(name: string, exprs: { record: string; expr: string }[]): string {
  const path = join(dir, name);
  writeFileSync(path, stringify({ groups: [{ name: "busbar-dashboard", rules: exprs }] }));
  return path;
}

describe("the dashboard JSON", () => {
  test("imports cleanly: one Prometheus datasource input, a multi-value pool variable, unique panel ids", () => {
    expect(dashboard.__inputs).toEqual([{ name: "DS_PROMETHEUS", label: "Prometheus", description: expect.any(String), type: "datasource", pluginId: "prometheus", pluginName: "Prometheus" }]);
    const pool = dashboard.templating.list.find((t) => t.name === "pool");
    expect(pool).toMatchObject({ type: "query", definition: "label_values(busbar_requests_total, pool)", includeAll: true, multi: true });
    const ids = dashboard.panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    // A raw JSON check too: nothing may point at a datasource other than the input.
    const raw = readFileSync(join(REPO, "deploy/grafana/busbar.json"), "utf8");
    const uids = [...raw.matchAll(/"uid":\s*"([^"]*)"/g)].map((m) => m[1]).filter((u) => u !== "busbar-overview" && u !== "-- Grafana --");
    expect(new Set(uids)).toEqual(new Set(["${DS_PROMETHEUS}"]));
  });

  test("covers the issue's list: requests, errors by disposition, failovers, breaker state, TTFT, overhead, spend, in-flight", () => {
    const used = new Set(targets().flatMap(({ target }) => metricNames(target.expr)));
    for (const m of [
      "busbar_requests_total", "busbar_upstream_failures_total", "busbar_failovers_total", "busbar_lane_state",
      "busbar_ttft_seconds_bucket", "busbar_gateway_overhead_seconds_bucket", "busbar_key_spend_cents", "busbar_inflight_requests",
    ]) expect(used).toContain(m);
  });

  test("every panel expr is valid PromQL (promtool check rules)", async () => {
    const rules = targets().map(({ panel, target }) => ({ record: `busbar_dashboard:panel${panel.id}_${target.refId}`, expr: concreteExpr(target.expr, VARS) }));
    const r = await promtool("check", "rules", rulesFile("dashboard.rules.yml", rules));
    expect({ code: r.code, found: /SUCCESS: (\d+) rules found/.exec(r.out)?.[1] }).toEqual({ code: 0, found: String(rules.length) });
  });

  test("the PromQL check can fail: promtool refuses a broken expression", async () => {
    const r = await promtool("check", "rules", rulesFile("broken.rules.yml", [{ record: "x:y", expr: "sum by (pool (rate(busbar_requests_total[1m]))" }]));
    expect(r.code).not.toBe(0);
  });

  test("a Grafana variable the substitution does not know is an error, not a silent pass", () => {
    expect(() => concreteExpr('rate(busbar_requests_total{lane=~"$lane"}[$__rate_interval])', VARS)).toThrow("unknown Grafana variable $lane");
  });
});

describe("metric names", () => {
  test("the extractor finds selectors and ignores functions, labels, strings and durations", () => {
    expect(metricNames('histogram_quantile(0.99, sum by (pool, le) (rate(busbar_ttft_seconds_bucket{pool=~"$pool"}[$__rate_interval])))'))
      .toEqual(["busbar_ttft_seconds_bucket"]);
    expect(metricNames("sum by (key) (busbar_key_spend_cents) / 100 + on (key) busbar_key_tokens_total")).toEqual(["busbar_key_spend_cents", "busbar_key_tokens_total"]);
  });

  test("every metric a panel or the pool variable names is one busbar exposes", async () => {
    const res = await fetch(`${gw?.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
    expect(res.status).toBe(200);
    const exposed = new Set<string>();
    for (const m of (await res.text()).matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
      const [, name = "", type] = m;
      exposed.add(name);
      if (type === "histogram") for (const s of ["_bucket", "_sum", "_count"]) exposed.add(name + s);
    }
    expect(exposed).toContain("busbar_key_spend_cents"); // the governance gauges are registered

    const variable = dashboard.templating.list.flatMap((t) => (t.definition === undefined ? [] : [...t.definition.matchAll(/label_values\(\s*([\w:]+)/g)].map((m) => m[1] ?? "")));
    const used = [...targets().map(({ panel, target }) => ({ where: `panel ${panel.id} ${target.refId}`, names: metricNames(target.expr) })),
      { where: "pool variable", names: variable }];
    for (const u of used) expect(u.names.length).toBeGreaterThan(0);
    const unknown = used.flatMap((u) => u.names.filter((n) => !exposed.has(n)).map((n) => `${u.where}: ${n}`));
    expect(unknown).toEqual([]);
  });
});

describe("the example Prometheus config and the docs", () => {
  test("deploy/prometheus/prometheus.yml passes promtool check config (its token file made real)", async () => {
    const tokenFile = join(dir, "busbar-metrics-token");
    writeFileSync(tokenFile, `${METRICS_TOKEN}\n`);
    const text = readFileSync(PROMETHEUS_EXAMPLE_PATH, "utf8");
    expect(text).toContain("credentials_file: /etc/prometheus/busbar-metrics-token");
    const path = join(dir, "prometheus.yml");
    writeFileSync(path, text.replace("/etc/prometheus/busbar-metrics-token", tokenFile));
    const r = await promtool("check", "config", path);
    expect({ code: r.code, out: r.out.includes("SUCCESS") }).toEqual({ code: 0, out: true });
  });

  test("docs/dashboard.md shows every panel with its query as the dashboard has it, and every screenshot it links exists", () => {
    const doc = readFileSync(join(REPO, "docs/dashboard.md"), "utf8");
    const missing = targets().flatMap(({ panel, target }) => [panel.title, target.expr].filter((s) => !doc.includes(s)));
    expect(missing).toEqual([]);
    const images = [...doc.matchAll(/\]\((img\/dashboard\/[^)]+\.png)\)/g)].map((m) => m[1] ?? "");
    expect(images.length).toBe(dashboard.panels.length);
    expect(images.filter((i) => !existsSync(join(REPO, "docs", i)))).toEqual([]);
  });
});
