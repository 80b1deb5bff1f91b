// Binds the data-plane listener for a built runtime. Used by `busbar`, `busbar demo` and tests.
import type { Server } from "bun";
import { createApp, nativeRoutes } from "./app.ts";
import { Edge } from "./ingress/limits.ts";
import { HealthProber } from "./route/health.ts";
import type { Runtime } from "./runtime.ts";

export interface Listening {
  readonly server: Server<undefined>;
  readonly url: string;
  stop(): Promise<void>;
  /**
   * Graceful stop (platform.md §6.5): no new connections, idle keep-alives closed, in-flight requests and streams
   * run to their end for up to `graceMs`; whatever is left then is cut and counted as `forced`.
   */
  drain(graceMs: number): Promise<{ readonly drained: number; readonly forced: number }>;
  /** Admitted requests not yet delivered. */
  inFlight(): number;
  /** New requests go to `next` (a config reload, platform.md §6.6); in-flight ones finish on the runtime they had. */
  reload(next: Runtime): void;
}

export function listen(rt: Runtime, host = rt.config.listen.host, port = rt.config.listen.port): Listening {
  const edge = new Edge(rt.config.limits); // one inbound cap for both routers
  const app = createApp(rt, edge);
  const tls = rt.config.tls;
  const server = Bun.serve({
    hostname: host,
    port,
    // The hot POST paths go straight to their handlers (app.ts `nativeRoutes`); the rest through Hono.
    routes: nativeRoutes(rt, edge),
    // The server rides along so handlers can set their connection's timer (ingress/limits.ts).
    fetch: (req, server) => app.fetch(req, server),
    // Our own reader enforces the body cap with a native 413; Bun's plain-text one must never fire first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Bun's per-connection timer (~4 s ticks; headers before the first request have Bun's own ~10 s one). Each
    // request moves it: body read timeout, then off once the body is read, then back to this (ingress/limits.ts).
    idleTimeout: rt.config.limits.idleTimeoutSecs,
    // platform.md §4.1: with a client CA, a missing or non-chaining client certificate fails the handshake itself.
    // Bun 1.4.5's server negotiates no ALPN at all (an ALPNProtocols option is ignored), so clients speak HTTP/1.1,
    // which is what §4.1's "ALPN http/1.1" is for: no client ever gets h2 (tests/security/tls-mtls.test.ts).
    ...(tls === undefined ? {} : {
      tls: {
        cert: tls.cert,
        key: tls.key,
        ...(tls.clientCa === undefined ? {} : { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true }),
      },
    }),
  });
  let prober = new HealthProber(rt, rt.resolver.lanes.values());
  prober.start();
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    url: `${tls === undefined ? "http" : "https"}://${shownHost}:${server.port}`,
    stop: async () => {
      prober.stop();
      await server.stop(true);
    },
    inFlight: () => edge.gate.inFlight,
    reload: (next) => {
      // Bun swaps the handlers atomically; the inbound cap (edge) is the listener's and stays shared.
      const nextApp = createApp(next, edge);
      server.reload({ routes: nativeRoutes(next, edge), fetch: (req, s) => nextApp.fetch(req, s) });
      prober.stop();
      prober = new HealthProber(next, next.resolver.lanes.values());
      prober.start();
    },
    drain: async (graceMs) => {
      rt.lifecycle.draining = true;
      prober.stop();
      const before = edge.gate.inFlight;
      // Resolves once every connection has closed, that is when the last in-flight response has been delivered.
      const closed = server.stop(false).then(() => true);
      let timer: ReturnType<typeof setTimeout> | undefined;
      const grace = new Promise<false>((r) => { timer = setTimeout(() => r(false), graceMs); });
      const done = await Promise.race([closed, grace]);
      clearTimeout(timer);
      if (done) return { drained: before, forced: 0 };
      const forced = edge.gate.inFlight;
      await server.stop(true);
      return { drained: Math.max(0, before - forced), forced };
    },
  };
}
