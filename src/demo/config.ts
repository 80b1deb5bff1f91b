// The demo's configuration: one mock provider, model and pool per protocol, all on the in-process mock upstream.
// It is YAML text fed through the normal loader, so the demo exercises the same path an operator's file does.
import { PROTOCOL_NAMES, type ProtocolName } from "../ir/protocol.ts";

/** The model each demo lane asks its mock provider for (Bedrock's has a `:` so URL encoding is exercised). */
const UPSTREAM_MODEL: Record<ProtocolName, string> = {
  openai: "mock-gpt",
  responses: "mock-gpt-responses",
  anthropic: "mock-claude",
  gemini: "mock-gemini",
  bedrock: "mock.nova-lite-v1:0",
  cohere: "mock-command",
};

/** The flaky member of `demo-flaky`: the mock fails ~30 % of its requests, alternating 429 and 500. */
export const FLAKY_MODEL = "openai-flaky";

/** Pool names callers use: `demo-<protocol>`. */
export function demoPool(p: ProtocolName): string {
  return `demo-${p}`;
}

export function demoConfigYaml(mockUrl: string, port: number): string {
  const lines = [
    "# busbar demo: every protocol routed to the built-in mock upstream; no keys, loopback only.",
    `listen: "127.0.0.1:${port}"`,
    "auth: { mode: none }",
    "providers:",
  ];
  for (const p of PROTOCOL_NAMES) {
    lines.push(`  mock-${p}: { protocol: ${p}, base_url: "${mockUrl}", auth: none, allow_private_network: true }`);
  }
  lines.push("models:");
  for (const p of PROTOCOL_NAMES) {
    lines.push(`  ${p}-mock: { provider: mock-${p}, upstream_model: "${UPSTREAM_MODEL[p]}", max_concurrent: 64 }`);
  }
  lines.push(`  ${FLAKY_MODEL}: { provider: mock-openai, upstream_model: "${UPSTREAM_MODEL.openai}@fail-rate=0.3", max_concurrent: 64 }`);
  lines.push("pools:");
  for (const p of PROTOCOL_NAMES) lines.push(`  ${demoPool(p)}: { members: [ { target: ${p}-mock, weight: 1 } ] }`);
  // platform.md §6.2: `demo` spans protocols (each answer is translated into the caller's), and `demo-flaky`'s
  // first member fails ~30 % with 429/500 so failover and the breaker can be watched in /stats.
  lines.push(`  demo: { members: [ ${PROTOCOL_NAMES.map((p) => `{ target: ${p}-mock }`).join(", ")} ] }`);
  lines.push(`  demo-flaky: { members: [ { target: ${FLAKY_MODEL}, weight: 3 }, { target: anthropic-mock }, { target: gemini-mock } ] }`);
  lines.push("observability: { emit_server_timing: true }");
  return `${lines.join("\n")}\n`;
}
