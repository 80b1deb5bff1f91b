// Process settings that would weaken transport security (platform.md §4.1, §4.6 B20). Pure, so it is unit-tested;
// main.ts refuses to serve when it returns a reason.

/**
 * `NODE_TLS_REJECT_UNAUTHORIZED=0` turns off certificate checks for every outgoing TLS connection of a Node-style
 * runtime, Bun's fetch included; busbar holds provider keys, so it would rather not start.
 */
export function insecureTlsEnv(env: Readonly<Record<string, string | undefined>>): string | undefined {
  const v = env["NODE_TLS_REJECT_UNAUTHORIZED"];
  if (v === undefined || v === "1") return undefined;
  return `NODE_TLS_REJECT_UNAUTHORIZED=${JSON.stringify(v)} would disable upstream certificate verification; unset it (to trust a private CA, set ca_file on that provider)`;
}
