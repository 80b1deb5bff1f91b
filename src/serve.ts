// Binds the data-plane listener for a built runtime. Used by `busbar`, `busbar demo` and tests.
import type { Server } from "bun";
import { createApp, nativeRoutes } from "./app.ts";
import { HealthProber } from "./route/health.ts";
import type { Runtime } from "./runtime.ts";

export interface Listening {
  readonly server: Server<undefined>;
  readonly url: string;
  stop(): Promise<void>;
}

export function listen(rt: Runtime, host = rt.config.listen.host, port = rt.config.listen.port): Listening {
  const app = createApp(rt);
  const server = Bun.serve({
    hostname: host,
    port,
    // The hot POST paths go straight to their handlers (app.ts `nativeRoutes`); the rest through Hono.
    routes: nativeRoutes(rt),
    fetch: (req) => app.fetch(req),
    // Our own reader enforces the body cap with a native 413; Bun's plain-text one must never fire first.
    maxRequestBodySize: Number.MAX_SAFE_INTEGER,
    // Bun's idle timer also runs while a response streams; the maximum keeps quiet streams alive until the
    // transport work (platform.md §4.3) lifts it per request once the body is read.
    idleTimeout: 255,
  });
  const prober = new HealthProber(rt, rt.resolver.lanes.values());
  prober.start();
  const shownHost = host.includes(":") ? `[${host}]` : host;
  return {
    server,
    url: `http://${shownHost}:${server.port}`,
    stop: async () => {
      prober.stop();
      await server.stop(true);
    },
  };
}
