// Client authentication: decides whether a caller may use the data plane, and which credential goes upstream.
import type { ClientAuthMode } from "../config/model.ts";
import { assertNever } from "../ir/protocol.ts";
import { extractCredential } from "./credential.ts";
import { TokenSet } from "./tokens.ts";

export type AuthDecision =
  | { readonly ok: true; /** passthrough mode: the caller's own credential, sent upstream natively ("" if none). */ readonly passthrough?: string }
  | { readonly ok: false; /** for the log only; the caller sees a reason-agnostic rejection */ readonly reason: string };

const ADMITTED: AuthDecision = { ok: true };

export class ClientAuth {
  private readonly tokens: TokenSet;

  constructor(private readonly mode: ClientAuthMode, clientTokens: readonly string[]) {
    this.tokens = new TokenSet(clientTokens);
  }

  check(headers: Headers, geminiQueryKey: string | undefined): AuthDecision {
    switch (this.mode) {
      case "none":
        return ADMITTED; // no credential is looked for: nothing would use it
      case "passthrough":
        return { ok: true, passthrough: extractCredential(headers, geminiQueryKey)?.value ?? "" };
      case "token": {
        const cred = extractCredential(headers, geminiQueryKey);
        if (cred === undefined) return { ok: false, reason: "no credential presented" };
        return this.tokens.matches(cred.value) ? ADMITTED : { ok: false, reason: `token via ${cred.carrier} not recognised` };
      }
      default:
        return assertNever(this.mode, "auth mode");
    }
  }
}
