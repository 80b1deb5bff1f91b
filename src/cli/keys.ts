// `busbar keys …`: the admin API from the shell (issue #8), so an operator never hand-writes curl. The admin token
// comes from BUSBAR_ADMIN_TOKEN or --token-file, never from a flag value (which would land in shell history).

export const KEYS_USAGE = `usage:
  busbar keys create --name NAME [--budget-cents X] [--period total|daily|monthly] [--rpm N] [--tpm N]
                     [--pools a,b] [--label k=v]... [--expires ISO-8601] [--aws]
  busbar keys list
  busbar keys get ID
  busbar keys revoke ID [--disable]       delete the key (or only disable it)
  busbar keys usage ID
  busbar keys reset ID
options:
  --admin-url URL   the admin listener (else BUSBAR_ADMIN_URL, else http://127.0.0.1:8081)
  --token-file F    the admin token (else BUSBAR_ADMIN_TOKEN)
  --json            print the API's JSON instead of a table
`;

type Verb = "create" | "list" | "get" | "revoke" | "usage" | "reset";

export type KeysCommand =
  | {
      readonly kind: "keys";
      readonly verb: Verb;
      readonly id?: string;
      readonly body?: Record<string, unknown>;
      readonly disable: boolean;
      readonly adminUrl?: string;
      readonly tokenFile?: string;
      readonly json: boolean;
    }
  | { readonly kind: "usage-error"; readonly message: string };

const VERBS: readonly Verb[] = ["create", "list", "get", "revoke", "usage", "reset"];

export function parseKeysArgs(argv: readonly string[]): KeysCommand {
  const [verbArg, ...rest] = argv;
  if (verbArg === undefined || !(VERBS as readonly string[]).includes(verbArg)) {
    return { kind: "usage-error", message: `keys: expected one of ${VERBS.join(", ")}\n\n${KEYS_USAGE}` };
  }
  const verb = verbArg as Verb;
  const body: Record<string, unknown> = {};
  const labels: Record<string, string> = {};
  let id: string | undefined, adminUrl: string | undefined, tokenFile: string | undefined;
  let json = false, disable = false;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    const value = (): string => {
      const v = rest[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${a} must be a whole number`);
      return Number(v);
    };
    try {
      switch (a) {
        case "--admin-url": adminUrl = value(); break;
        case "--token-file": tokenFile = value(); break;
        case "--json": json = true; break;
        case "--disable": disable = true; break;
        case "--name": body["name"] = value(); break;
        case "--budget-cents": {
          const v = Number(value());
          if (!Number.isFinite(v) || v < 0) throw new Error("--budget-cents must be a number >= 0");
          body["max_budget_cents"] = v;
          break;
        }
        case "--period": body["budget_period"] = value(); break;
        case "--rpm": body["rpm_limit"] = int(); break;
        case "--tpm": body["tpm_limit"] = int(); break;
        case "--pools": body["allowed_pools"] = value().split(",").map((s) => s.trim()).filter((s) => s !== ""); break;
        case "--expires": body["expires_at"] = value(); break;
        case "--aws": body["issue_aws_credential"] = true; break;
        case "--label": {
          const kv = value();
          const eq = kv.indexOf("=");
          if (eq <= 0) throw new Error("--label takes key=value");
          labels[kv.slice(0, eq)] = kv.slice(eq + 1);
          break;
        }
        case "--token":
          throw new Error("--token is not accepted (it would land in shell history): use BUSBAR_ADMIN_TOKEN or --token-file");
        default:
          if (a.startsWith("-") || id !== undefined) throw new Error(`unexpected argument ${a}`);
          id = a;
      }
    } catch (e) {
      return { kind: "usage-error", message: `keys ${verb}: ${(e as Error).message}` };
    }
  }
  if (Object.keys(labels).length > 0) body["labels"] = labels;
  const needsId = verb !== "create" && verb !== "list";
  if (needsId && id === undefined) return { kind: "usage-error", message: `keys ${verb}: the key id (vk_…) is required` };
  if (verb === "create" && body["name"] === undefined) return { kind: "usage-error", message: "keys create: --name is required" };
  return {
    kind: "keys", verb, json, disable,
    ...(id === undefined ? {} : { id }),
    ...(verb === "create" ? { body } : {}),
    ...(adminUrl === undefined ? {} : { adminUrl }),
    ...(tokenFile === undefined ? {} : { tokenFile }),
  };
}

export interface KeysIo {
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly readFile: (path: string) => string;
  readonly fetch: (url: string, init: RequestInit) => Promise<Response>;
  readonly out: (s: string) => void;
  readonly err: (s: string) => void;
}

type Json = Record<string, unknown>;

function table(keys: readonly Json[]): string {
  const cols = ["id", "name", "enabled", "budget_period", "max_budget_cents", "rpm_limit", "tpm_limit", "allowed_pools"] as const;
  const cell = (v: unknown): string => (v === null || v === undefined ? "-" : Array.isArray(v) ? (v.length === 0 ? "*" : v.join(",")) : String(v));
  const rows = [cols.map((c) => c.toUpperCase()), ...keys.map((k) => cols.map((c) => cell(k[c])))];
  const widths = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join("  ").trimEnd()).join("\n") + "\n";
}

export async function runKeys(cmd: Extract<KeysCommand, { kind: "keys" }>, io: KeysIo): Promise<number> {
  let token: string | undefined;
  try {
    token = cmd.tokenFile !== undefined ? io.readFile(cmd.tokenFile).replace(/\r?\n$/, "") : io.env["BUSBAR_ADMIN_TOKEN"];
  } catch {
    io.err(`busbar keys: cannot read ${cmd.tokenFile}\n`);
    return 1;
  }
  if (token === undefined || token.trim() === "") {
    io.err("busbar keys: no admin token: set BUSBAR_ADMIN_TOKEN or pass --token-file\n");
    return 2;
  }
  const base = (cmd.adminUrl ?? io.env["BUSBAR_ADMIN_URL"] ?? "http://127.0.0.1:8081").replace(/\/+$/, "");
  const id = encodeURIComponent(cmd.id ?? "");
  const [method, path, body]: [string, string, unknown] = (() => {
    switch (cmd.verb) {
      case "create": return ["POST", "/keys", cmd.body];
      case "list": return ["GET", "/keys", undefined];
      case "get": return ["GET", `/keys/${id}`, undefined];
      case "revoke": return cmd.disable ? ["PATCH", `/keys/${id}`, { enabled: false }] : ["DELETE", `/keys/${id}`, undefined];
      case "usage": return ["GET", `/keys/${id}/usage`, undefined];
      case "reset": return ["POST", `/keys/${id}/reset`, undefined];
    }
  })();
  let res: Response;
  let json: Json;
  try {
    res = await io.fetch(`${base}/api/v1/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    json = (await res.json()) as Json;
  } catch (e) {
    io.err(`busbar keys: cannot reach the admin API at ${base}: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  if (!res.ok) {
    const error = json["error"] as { code?: string; message?: string } | undefined;
    io.err(`busbar keys: ${res.status} ${error?.code ?? "error"}: ${error?.message ?? JSON.stringify(json)}\n`);
    return 1;
  }
  if (cmd.json) {
    io.out(`${JSON.stringify(json, null, 2)}\n`);
    return 0;
  }
  switch (cmd.verb) {
    case "create": {
      const { secret, aws_secret_access_key: awsSecret, warnings, ...meta } = json;
      io.out(table([meta]));
      io.out(`\nsecret: ${String(secret)}\n`);
      if (awsSecret !== undefined) io.out(`aws_access_key_id: ${String(meta["aws_access_key_id"])}\naws_secret_access_key: ${String(awsSecret)}\n`);
      io.out("This secret is shown once and cannot be read back. Store it now.\n");
      for (const w of (warnings as string[] | undefined) ?? []) io.err(`warning: ${w}\n`);
      return 0;
    }
    case "list": io.out(table((json["keys"] as Json[]) ?? [])); return 0;
    case "get": io.out(table([json])); return 0;
    case "revoke": io.out(cmd.disable ? `disabled ${String(json["id"])}\n` : `deleted ${String(json["deleted"])}\n`); return 0;
    case "usage":
      io.out(`${String(json["id"])}: ${String(json["spend_cents"])} ¢ spent, ${String(json["tokens"])} tokens, ${String(json["requests"])} requests since ${String(json["window_start"])} (${String(json["budget_period"])})\n`);
      return 0;
    case "reset": io.out(`reset ${String(json["reset"])}\n`); return 0;
  }
}
