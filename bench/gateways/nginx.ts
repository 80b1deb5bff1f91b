// nginx as a reverse proxy: the bytes-only floor of any proxy. Debian's `nginx` package, fetched with
// `apt-get download` and unpacked into bench/.cache/nginx (no service is installed or started on the
// host); an nginx already on PATH is used as is. One worker, loopback only, keep-alive upstream.
import { existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { bodyMaker } from "../bodies.ts";
import { freePort, runBounded, spawnLogged, waitForPort, which } from "../spawn.ts";
import { MOCK_MODELS } from "./direct.ts";
import { chatHeaders, isStream, notServed, type CallKind, type CallOptions, type CallTarget, type Manifest, type StartContext, type StartResult } from "./types.ts";

function cachedBinary(cacheDir: string): string {
  return join(cacheDir, "nginx", "root", "usr", "sbin", "nginx");
}

async function install(cacheDir: string, log: (l: string) => void): Promise<{ ok: true; bin: string } | { ok: false; reason: string }> {
  const debDir = join(cacheDir, "nginx", "deb");
  mkdirSync(debDir, { recursive: true });
  log("nginx: apt-get download nginx → bench/.cache/nginx (unpacked, not installed as a service)");
  let dl = await runBounded(["apt-get", "download", "nginx"], 180_000, debDir);
  if (dl.code !== 0) {
    // A fresh machine may have no package lists yet.
    await runBounded(["apt-get", "update"], 300_000);
    dl = await runBounded(["apt-get", "download", "nginx"], 180_000, debDir);
  }
  const deb = readdirSync(debDir).find((f) => /^nginx_.*\.deb$/.test(f));
  if (dl.code !== 0 || deb === undefined) return { ok: false, reason: `apt-get download nginx failed: ${dl.out.trim().split("\n").slice(-2).join(" ")}` };
  const x = await runBounded(["dpkg-deb", "-x", join(debDir, deb), join(cacheDir, "nginx", "root")], 60_000);
  if (x.code !== 0) return { ok: false, reason: `dpkg-deb -x failed: ${x.out.trim()}` };
  return { ok: true, bin: cachedBinary(cacheDir) };
}

export function nginxConf(dir: string, port: number, upstreamPort: number): string {
  return `# busbar bench: nginx as a plain reverse proxy in front of the mock (loopback only).
daemon off;
master_process on;
worker_processes 1;
user root root;
pid ${dir}/nginx.pid;
error_log stderr warn;
events { worker_connections 8192; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  client_max_body_size 64m;
  client_body_buffer_size 1m;
  keepalive_requests 1000000;
  upstream mock {
    server 127.0.0.1:${upstreamPort};
    keepalive 1024;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://mock;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_buffering off;
    }
  }
}
`;
}

function nginxCall(base: string, kind: CallKind, opts: CallOptions): CallTarget {
  const stream = isStream(kind);
  const size = opts.bytes === undefined ? {} : { bytes: opts.bytes };
  switch (kind) {
    case "openai":
    case "stream":
      return { call: { url: `${base}/v1/chat/completions`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "openai", model: MOCK_MODELS.openai, stream, nonce: opts.nonce, ...size }) } };
    case "anthropic":
    case "anthropic-stream":
      return { call: { url: `${base}/v1/messages`, headers: chatHeaders(kind), body: bodyMaker({ dialect: "anthropic", model: MOCK_MODELS.anthropic, stream, nonce: opts.nonce, ...size }) } };
    case "cross":
      return notServed("nginx forwards bytes; it does not translate protocols");
    default: {
      const never: never = kind;
      throw new Error(`unknown call kind ${String(never)}`);
    }
  }
}

export const nginx: Manifest = {
  name: "nginx",
  describe: "nginx (Debian package) reverse proxy: 1 worker, keep-alive upstream, proxy_buffering off, model not rewritten",
  async start(ctx: StartContext): Promise<StartResult> {
    let bin = which("nginx") ?? (existsSync(cachedBinary(ctx.cacheDir)) ? cachedBinary(ctx.cacheDir) : undefined);
    if (bin === undefined) {
      if (!ctx.allowInstall) return { served: false, skipped: true, reason: "skipped: not installed (smoke mode does not install; `bun bench/run.ts mock` does)" };
      const got = await install(ctx.cacheDir, ctx.log);
      if (!got.ok) return { served: false, reason: got.reason };
      bin = got.bin;
    }
    const v = await runBounded([bin, "-v"], 10_000);
    if (v.code !== 0) return { served: false, reason: `${bin} -v failed: ${v.out.trim()}` };
    const dir = join(ctx.tmpDir, "nginx");
    mkdirSync(dir, { recursive: true });
    const port = freePort();
    const upstreamPort = Number(new URL(ctx.upstream).port);
    writeFileSync(join(dir, "nginx.conf"), nginxConf(dir, port, upstreamPort));
    const child = spawnLogged("nginx", [bin, "-e", "stderr", "-p", dir, "-c", join(dir, "nginx.conf")], {
      logPath: join(ctx.logDir, "nginx.log"),
      ...(ctx.cpus === undefined ? {} : { cpus: ctx.cpus }),
    });
    const ready = await waitForPort(child, port, 15_000);
    if (!ready.ok) {
      await child.stop();
      return { served: false, reason: ready.reason };
    }
    const base = `http://127.0.0.1:${port}`;
    return {
      served: true,
      running: { name: "nginx", version: v.out.trim().replace(/^nginx version:\s*/, ""), pid: child.pid, facts: { port, binary: bin }, call: (kind, opts) => nginxCall(base, kind, opts), stop: () => child.stop() },
    };
  },
};
