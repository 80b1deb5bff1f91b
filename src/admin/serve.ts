// The admin listener (platform.md §3.6): its own Bun.serve, loopback by default; with `admin.tls` it serves HTTPS,
// and `admin.tls.client_ca_file` (admin mTLS) refuses any client without a certificate from that CA at the handshake.
import type { AdminSpec } from "../config/model.ts";
import { createAdminApp, type AdminDeps } from "./app.ts";

export interface AdminListening {
  readonly url: string;
  stop(): Promise<void>;
}

export function listenAdmin(spec: AdminSpec, deps: Omit<AdminDeps, "token">, host = spec.listen.host, port = spec.listen.port): AdminListening {
  const app = createAdminApp({ ...deps, token: spec.token });
  const tls = spec.tls;
  const server = Bun.serve({
    hostname: host,
    port,
    fetch: (req) => app.fetch(req),
    ...(tls === undefined ? {} : {
      tls: {
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
      },
    }),
  });
  const shown = host.includes(":") ? `[${host}]` : host;
  return {
    url: `${tls === undefined ? "http" : "https"}://${shown}:${server.port}`,
    stop: async () => { await server.stop(true); },
  };
}
