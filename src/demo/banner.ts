// The demo's ready-to-paste curl lines, one per protocol, plus a streaming one (platform.md §6.2).
import { demoPool } from "./config.ts";

const JSON_HEADER = "-H 'content-type: application/json'";

export function demoCurls(base: string): { label: string; command: string }[] {
  const hello = "Hello from curl!";
  return [
    { label: "OpenAI Chat", command: `curl -s ${base}/v1/chat/completions ${JSON_HEADER} -d '{"model":"${demoPool("openai")}","messages":[{"role":"user","content":"${hello}"}]}'` },
    { label: "OpenAI Chat, streaming", command: `curl -sN ${base}/v1/chat/completions ${JSON_HEADER} -d '{"model":"${demoPool("openai")}","stream":true,"messages":[{"role":"user","content":"${hello}"}]}'` },
    { label: "OpenAI Responses", command: `curl -s ${base}/v1/responses ${JSON_HEADER} -d '{"model":"${demoPool("responses")}","input":"${hello}"}'` },
    { label: "Anthropic Messages", command: `curl -s ${base}/${demoPool("anthropic")}/v1/messages ${JSON_HEADER} -d '{"max_tokens":256,"messages":[{"role":"user","content":"${hello}"}]}'` },
    { label: "Gemini", command: `curl -s ${base}/v1beta/models/${demoPool("gemini")}:generateContent ${JSON_HEADER} -d '{"contents":[{"role":"user","parts":[{"text":"${hello}"}]}]}'` },
    { label: "Bedrock Converse", command: `curl -s ${base}/model/${demoPool("bedrock")}/converse ${JSON_HEADER} -d '{"messages":[{"role":"user","content":[{"text":"${hello}"}]}]}'` },
    { label: "Cohere v2", command: `curl -s ${base}/v2/chat ${JSON_HEADER} -d '{"model":"${demoPool("cohere")}","messages":[{"role":"user","content":"${hello}"}]}'` },
  ];
}

export function demoBanner(base: string, mockUrl: string): string {
  const out = [
    `busbar demo is up on ${base} (mock upstream on ${mockUrl}; no provider keys, loopback only).`,
    "",
    "Try any SDK's protocol:",
  ];
  for (const c of demoCurls(base)) out.push("", `# ${c.label}`, c.command);
  out.push(
    "",
    "Failover: pool `demo` spans all six protocols; `demo-flaky`'s first member fails ~30 % (429/500) and",
    `busbar answers from the others. Send a few, then look: curl -s ${base}/stats`,
    `Models: curl -s ${base}/v1/models    Health: curl -s ${base}/healthz`,
    `SDKs: OpenAI baseURL ${base}/v1 · Anthropic baseURL ${base} (model "demo-anthropic") · Gemini httpOptions.baseUrl ${base}`,
    `      Bedrock endpoint ${base} · Cohere environment ${base}`,
    "Ctrl-C to stop.",
    "",
  );
  return out.join("\n");
}
