// argv → a command. Pure: no process access, so every form is testable (platform.md §6.1).
import { parseVerifyArgs, type VerifyCommand } from "../verify/args.ts";
import { parseKeysArgs, type KeysCommand } from "./keys.ts";

export type Command =
  | { readonly kind: "serve"; readonly config?: string; readonly providers?: string }
  | { readonly kind: "validate"; readonly config?: string; readonly providers?: string; readonly strict: boolean }
  | { readonly kind: "demo"; readonly port: number }
  | { readonly kind: "mock-upstream"; readonly argv: readonly string[] }
  | VerifyCommand
  | Extract<KeysCommand, { kind: "keys" }>
  | { readonly kind: "version" }
  | { readonly kind: "help" }
  | { readonly kind: "print-catalog"; readonly providers?: string }
  | { readonly kind: "print-metadata-blocklist"; readonly config?: string; readonly providers?: string }
  | { readonly kind: "usage-error"; readonly message: string };

export const USAGE = `usage:
  busbar [--config PATH] [--providers PATH]       run the gateway
  busbar demo [--port N]                          a working gateway with a built-in mock upstream, no keys needed
  busbar mock-upstream [--port N] [--host H] [--delay-ms N] [--stream-chunks N]
                       [--stream-interval-ms N] [--tls-cert F --tls-key F] [--faults]
                       [--member-tag] [--hang-cap-ms N]
  busbar verify [--config PATH] [--providers PATH] [--pool NAME]... [--json] [--hang-after SECS]
                                                  run a catalogue of provider faults against each pool, with
                                                  the built-in mock as every provider (no keys needed); exit 1
                                                  if a client would see a hang or a truncated success
  busbar keys create|list|get|revoke|usage|reset …  manage virtual keys over the admin API (busbar keys --help)
  busbar --validate [--strict] [--config PATH] [--providers PATH]
  busbar --print-catalog                          print the embedded provider catalog
  busbar --print-metadata-blocklist [--config PATH]
                                                  print the effective cloud-metadata denylist, one per line
  busbar --version | -V
  busbar --help | -h

environment:
  BUSBAR_CONFIG     operator config (else ./config.yaml, else /etc/busbar/config.yaml)
  BUSBAR_PROVIDERS  provider catalog replacing the embedded one
  BUSBAR_LOG_LEVEL  trace | debug | info | warn | error (default info)
  BUSBAR_LOG_FORMAT json | text (default json)
  BUSBAR_ADMIN_TOKEN, BUSBAR_ADMIN_URL   for \`busbar keys\`

endpoints (data plane):
  POST /v1/chat/completions  /v1/responses  /v1/embeddings        OpenAI SDKs
  POST /v1/messages  /{pool}/v1/messages                          Anthropic SDK
  POST /v1beta/models/{pool}:generateContent (and v1)             Gemini SDK
  POST /model/{pool}/converse  /model/{pool}/converse-stream      Bedrock SDK
  POST /v2/chat                                                   Cohere SDK
  GET  /v1/models  /v1beta/models  /healthz
`;

export function parseArgs(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === "mock-upstream") return { kind: "mock-upstream", argv: rest };
  if (first === "verify") return parseVerifyArgs(rest);
  if (first === "keys") return parseKeysArgs(rest);
  const isDemo = first === "demo" || first === "--demo";
  const args = isDemo || first === "serve" ? rest : argv;

  let config: string | undefined;
  let providers: string | undefined;
  let port: number | undefined;
  let validate = false, strict = false, version = false, help = false, printCatalog = false, printBlocklist = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const value = (): string | undefined => {
      const eq = a.indexOf("=");
      if (eq > 0) return a.slice(eq + 1);
      const v = args[i + 1];
      if (v === undefined || v.startsWith("--")) return undefined;
      i++;
      return v;
    };
    const flag = a.includes("=") ? a.slice(0, a.indexOf("=")) : a;
    switch (flag) {
      case "--config": { const v = value(); if (v === undefined) return err("--config needs a path"); config = v; break; }
      case "--providers": { const v = value(); if (v === undefined) return err("--providers needs a path"); providers = v; break; }
      case "--port": {
        const v = Number(value());
        if (!isDemo || !Number.isInteger(v) || v < 0 || v > 65535) return err("--port takes 0-65535 and goes with demo");
        port = v;
        break;
      }
      case "--validate": validate = true; break;
      case "--strict": strict = true; break;
      case "--version": case "-V": version = true; break;
      case "--help": case "-h": help = true; break;
      case "--print-catalog": printCatalog = true; break;
      case "--print-metadata-blocklist": printBlocklist = true; break;
      default: return err(`unknown argument: ${a}`);
    }
  }
  if (help) return { kind: "help" };
  if (version) return { kind: "version" };
  if (isDemo) return { kind: "demo", port: port ?? 8080 };
  if (printBlocklist) return { kind: "print-metadata-blocklist", ...(config !== undefined && { config }), ...(providers !== undefined && { providers }) };
  if (printCatalog) return providers === undefined ? { kind: "print-catalog" } : { kind: "print-catalog", providers };
  if (strict && !validate) return err("--strict goes with --validate");
  if (validate) return { kind: "validate", strict, ...(config !== undefined && { config }), ...(providers !== undefined && { providers }) };
  return { kind: "serve", ...(config !== undefined && { config }), ...(providers !== undefined && { providers }) };
}

function err(message: string): Command {
  return { kind: "usage-error", message };
}
