// Client-auth combinations checked at load (platform.md §1.6, §2; spec README platform decision 7).
import { assertNever } from "../ir/protocol.ts";
import type { ListenSpec } from "./model.ts";
import { isLoopbackListen } from "./listen.ts";
import { type Problem, problem } from "./messages.ts";
import type { MergedProvider } from "./providers.ts";
import { dependsOnUnset, type UnknownAt } from "./placeholders.ts";
import type { OperatorConfig } from "./schema.ts";

export interface AuthFindings {
  readonly problems: Problem[];
  readonly warnings: Problem[];
}

/**
 * Under --validate, values from unset variables are only known at runtime (`unknownAt`): an
 * unknown mode skips these checks, an unknown bind address skips the open-relay decision.
 */
export function checkClientAuth(op: OperatorConfig, listen: ListenSpec, providers: readonly MergedProvider[], unknownAt: UnknownAt): AuthFindings {
  const out: AuthFindings = { problems: [], warnings: [] };
  const auth = op.auth;
  if (unknownAt(["auth", "mode"])) return out;
  // Governance replaces static client auth: every request needs a virtual key whatever auth.mode says, so neither
  // the token-list rule nor the open-relay rule applies (governance.ts checks passthrough and ignored tokens).
  if (op.governance.enabled && !unknownAt(["governance", "enabled"])) return out;
  const listenKnown = !unknownAt(["listen"]) && !dependsOnUnset(op.listen) && !unknownAt(["auth", "allow_open_relay"]);
  const hasTokens = auth.client_tokens.length > 0 || auth.client_tokens_file !== undefined;
  const where = listen.host.includes(":") ? `[${listen.host}]:${listen.port}` : `${listen.host}:${listen.port}`;
  switch (auth.mode) {
    case "token":
      if (!hasTokens) out.problems.push(problem(["auth", "mode"], "token mode needs client tokens: set auth.client_tokens or auth.client_tokens_file"));
      break;
    case "none":
      if (listenKnown && !isLoopbackListen(listen) && !auth.allow_open_relay) {
        out.problems.push(problem(["auth", "mode"],
          `none on the non-loopback listener ${where} is refused (anyone who can reach it could spend your provider keys); set auth.mode: token, listen on 127.0.0.1, or set auth.allow_open_relay: true`));
        break;
      }
      out.warnings.push(problem(["auth", "mode"],
        `none: NO CLIENT AUTHENTICATION, anyone who can reach ${where} can use the configured provider keys; set auth.mode: token unless this is local use`));
      if (hasTokens) out.warnings.push(problem(["auth", "client_tokens"], "ignored because auth.mode is none"));
      break;
    case "passthrough": {
      const keyed = providers.filter((p) => p.apiKeyEnv !== undefined || p.apiKeyFile !== undefined).map((p) => p.name);
      if (keyed.length > 0) {
        out.warnings.push(problem(["auth", "mode"],
          `passthrough sends each caller's own credential upstream; the keys configured for ${keyed.join(", ")} are never used`));
      }
      break;
    }
    default:
      assertNever(auth.mode, "client auth mode");
  }
  return out;
}
