// Reads a /metrics exposition with Prometheus's own parser (the official Python client's
// `text_string_to_metric_families`, Debian's python3-prometheus-client) and lints it with `promtool check metrics`,
// so the tests check the format a real scraper sees, not a regex's idea of it.
export interface PromSample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

export interface PromFamily {
  readonly name: string;
  readonly type: string;
  readonly samples: PromSample[];
}

/** Debian's interpreter, where python3-prometheus-client installs (a pyenv `python3` on PATH would not see it). */
const PYTHON = "/usr/bin/python3";

const PARSE = `
import json, math, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "samples": [
        {"name": s.name, "labels": s.labels, "value": (s.value if math.isfinite(s.value) else str(s.value))} for s in f.samples]})
print(json.dumps(out))
`;

export async function parseExposition(text: string): Promise<PromFamily[]> {
  const p = Bun.spawn([PYTHON, "-c", PARSE], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
  const [out, err, code] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  if (code !== 0) throw new Error(`the Prometheus parser refused the exposition: ${err}`);
  return JSON.parse(out) as PromFamily[];
}

/** `promtool check metrics`: its lint problems (naming, help, units), or [] when clean. */
export async function promtoolProblems(text: string): Promise<string[]> {
  const p = Bun.spawn(["promtool", "check", "metrics"], { stdin: new Blob([text]), stdout: "pipe", stderr: "pipe" });
  const [out, err] = await Promise.all([new Response(p.stdout).text(), new Response(p.stderr).text(), p.exited]);
  return `${out}\n${err}`.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

/** One sample's value by exact name and labels (all of them); undefined when absent. */
export function sampleValue(fams: readonly PromFamily[], name: string, labels: Record<string, string> = {}): number | undefined {
  for (const f of fams) {
    for (const s of f.samples) {
      if (s.name !== name) continue;
      const keys = Object.keys(s.labels);
      if (keys.length === Object.keys(labels).length && keys.every((k) => s.labels[k] === labels[k])) return s.value;
    }
  }
  return undefined;
}

/** Every series (name + labels) in the exposition, for cardinality checks. */
export function seriesCount(fams: readonly PromFamily[]): number {
  return fams.reduce((n, f) => n + f.samples.length, 0);
}
