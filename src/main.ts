#!/usr/bin/env bun
// The process edge: argv, env, files, listeners and signals. Nothing else touches the process (STYLE).
import { existsSync, readFileSync } from "node:fs";
import { buildInfo } from "./build-info.ts";
import { parseArgs, USAGE } from "./cli/args.ts";
import { runKeys } from "./cli/keys.ts";
import { embeddedCatalogText } from "./config/catalog.ts";
import { loadConfig, locateCatalog, locateConfigFile } from "./config/load.ts";
import { effectiveBlocklist, metadataPolicy } from "./config/metadata.ts";
import { runPrintBlocklist } from "./config/print-blocklist.ts";
import { runValidate } from "./config/validate.ts";
import { insecureTlsEnv } from "./transport-env.ts";
import { listenAdmin, type AdminListening } from "./admin/serve.ts";
import { Governor } from "./govern/governor.ts";
import { openStore } from "./govern/store/index.ts";
import { jsonLogger, parseLogFormat, parseLogLevel, type Logger } from "./observe/log.ts";
import { buildRuntime } from "./runtime.ts";
import { type Listening, listen } from "./serve.ts";
import { Reloader } from "./reload.ts";
import { scriptProblems } from "./route/script-policy.ts";
import { AuditSink } from "./observe/audit-webhook.ts";
import { OtlpSink } from "./observe/otlp.ts";
import type { VerifyCommand } from "./verify/index.ts";

function versionLine(): string {
  const b = buildInfo();
  return `busbar ${b.version} (${b.commit} ${b.target})`;
}

function readCatalog(flag: string | undefined, env: NodeJS.ProcessEnv): { text: string; file: string } {
  const where = locateCatalog(flag, env);
  return "embedded" in where
    ? { text: embeddedCatalogText(), file: "embedded catalog" }
    : { text: readFileSync(where.path, "utf8"), file: where.path };
}

/** SIGINT/SIGTERM start a graceful shutdown (platform.md §6.5); a second signal exits at once with 130. */
function onSignals(shutdown: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) process.exit(130);
    stopping = true;
    void shutdown().then(() => process.exit(0), () => process.exit(1));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}

async function serve(configFlag: string | undefined, providersFlag: string | undefined, log: Logger): Promise<number> {
  const env = process.env;
  const b = buildInfo();
  log.info("busbar starting", { version: b.version, commit: b.commit, target: b.target, bun: Bun.version });
  const insecure = insecureTlsEnv(env);
  if (insecure !== undefined) { console.error(`busbar: refusing to start: ${insecure}`); return 1; }
  const located = locateConfigFile(configFlag, env, existsSync, process.cwd());
  if ("error" in located) { console.error(located.error); return 1; }
  let catalog: { text: string; file: string };
  let configText: string;
  try {
    catalog = readCatalog(providersFlag, env);
    configText = readFileSync(located.path, "utf8");
  } catch (e) {
    console.error(`cannot read ${e instanceof Error && "path" in e ? String(e.path) : "file"}: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  const loaded = loadConfig({ configText, configFile: located.path, catalogText: catalog.text, catalogFile: catalog.file, env });
  for (const w of loaded.warnings) log.warn(w);
  if (!loaded.ok) {
    console.error(`config invalid (${loaded.errors.length} error${loaded.errors.length === 1 ? "" : "s"}):`);
    for (const e of loaded.errors) console.error(e);
    return 1;
  }
  log.info("config loaded", { config: located.path, catalog: catalog.file, ...loaded.counts });
  // platform.md §5.6 `metadata protection`; the §1.6 warning above already named the key when it is off.
  if (loaded.config.security.allowAllMetadata) log.warn("metadata protection DISABLED", { hosts_blocked: 0 });
  else log.info("metadata protection", { hosts_blocked: effectiveBlocklist(metadataPolicy(loaded.config.security)).hosts.length });
  const config = loaded.config;
  const scriptErrors = await scriptProblems(config.pools, log);
  if (scriptErrors.length > 0) {
    console.error(`config invalid (${scriptErrors.length} error${scriptErrors.length === 1 ? "" : "s"}):`);
    for (const e of scriptErrors) console.error(`${located.path}: ${e}`);
    return 1;
  }
  let governor: Governor | undefined;
  if (config.governance.enabled) {
    const spec = config.governance.store;
    try {
      governor = new Governor(config.governance, await openStore(spec), Date.now, log);
    } catch (e) {
      // The store URL may carry a password: never print it, even inside the driver's message.
      const url = "url" in spec ? spec.url : undefined;
      const msg = e instanceof Error ? e.message : String(e);
      console.error(`cannot open the governance store (${spec.kind}): ${url === undefined ? msg : msg.split(url).join("<url_env>")}`);
      return 1;
    }
    // Every minute, or twice per lease when leases are shorter, so a crashed instance's reserve comes back promptly.
    governor.startReconciling(Math.min(60_000, Math.max(500, config.governance.reservationLeaseSecs * 500)));
    log.info("governance store ready", { kind: spec.kind });
  }
  // The sinks are built once: a reload keeps them (their settings are start-only, src/reload.ts).
  const audit = config.observability.audit;
  const otlp = config.observability.otlp;
  const sinks = {
    audit: audit === undefined ? undefined : new AuditSink(audit, { fetch, log }),
    otlp: otlp === undefined ? undefined : new OtlpSink(otlp, { fetch, log }),
  };
  const opts = { log, sinks, ...(governor === undefined ? {} : { governor }) };
  const rt = buildRuntime(config, opts);
  let gateway: Listening;
  try {
    gateway = listen(rt);
  } catch (e) {
    console.error(`cannot listen on ${loaded.config.listen.host}:${loaded.config.listen.port}: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  // platform.md §6.6: the same files, read and checked again; the running runtime keeps serving on any error.
  const reloader = new Reloader(rt, () => {
    const cat = readCatalog(providersFlag, process.env);
    return loadConfig({ configText: readFileSync(located.path, "utf8"), configFile: located.path, catalogText: cat.text, catalogFile: cat.file, env: process.env });
  }, (c, previous) => buildRuntime(c, opts, previous), (next) => gateway.reload(next), log, (c) => scriptProblems(c.pools, log));
  process.on("SIGHUP", () => { void reloader.reload(); });
  log.info("busbar listening", {
    url: gateway.url, tls: rt.config.tls !== undefined, mtls: rt.config.tls?.clientCa !== undefined,
    version: buildInfo().version, pools: loaded.counts.pools, models: loaded.counts.models,
  });
  let admin: AdminListening | undefined;
  if (config.admin !== undefined) {
    try {
      admin = listenAdmin(config.admin, {
        governor, log, nowMs: Date.now, startedAt: Date.now(), configVersion: () => reloader.configVersion,
        routeNames: () => [...Object.keys(reloader.runtime.config.pools), ...Object.keys(reloader.runtime.config.models)],
        reload: () => reloader.reload(),
      });
    } catch (e) {
      console.error(`cannot listen on ${config.admin.listen.host}:${config.admin.listen.port} (admin): ${e instanceof Error ? e.message : e}`);
      await gateway.stop();
      return 1;
    }
    log.info("admin listening", { url: admin.url, tls: config.admin.tls !== undefined, mtls: config.admin.tls?.clientCa !== undefined });
  }
  // Loading parsed YAML, the catalog and every schema; collect that garbage now rather than carry it while idle.
  Bun.gc(true);
  onSignals(async () => {
    log.info("draining", { inflight: gateway.inFlight(), grace_secs: config.limits.shutdownGraceSecs });
    const { drained, forced } = await gateway.drain(config.limits.shutdownGraceSecs * 1000);
    await admin?.stop();
    await reloader.runtime.observe.flush(2000); // traces and audit deliveries: at most 2 s more
    await governor?.close(); // pending settlements written, then the store closed (SQLite checkpoints on close)
    log.info("shutdown complete", { drained, forced });
  });
  return new Promise<number>(() => {}); // runs until a signal
}

/** `busbar verify`: the same file lookup as serving; the report on stdout, config problems on stderr. */
async function verify(cmd: VerifyCommand): Promise<number> {
  const env = process.env;
  const located = locateConfigFile(cmd.config, env, existsSync, process.cwd());
  if ("error" in located) { console.error(located.error); return 1; }
  let catalog: { text: string; file: string };
  let configText: string;
  try {
    catalog = readCatalog(cmd.providers, env);
    configText = readFileSync(located.path, "utf8");
  } catch (e) {
    console.error(`cannot read ${e instanceof Error && "path" in e ? String(e.path) : "file"}: ${e instanceof Error ? e.message : e}`);
    return 1;
  }
  // The run can take up to the hang bound in silence; say so to a person watching (not to a pipe).
  if (process.stderr.isTTY && !cmd.json) process.stderr.write(`busbar verify: running the fault catalogue (cases run side by side; at most ~${Math.ceil(cmd.hangAfterMs / 1000)} s)…\n`);
  const { runVerify } = await import("./verify/index.ts");
  const r = await runVerify({
    configText, configFile: located.path, catalogText: catalog.text, catalogFile: catalog.file, env,
    pools: cmd.pools, hangAfterMs: cmd.hangAfterMs, json: cmd.json,
  });
  process.stderr.write(r.err);
  process.stdout.write(r.out);
  return r.exitCode;
}

export async function main(argv: readonly string[]): Promise<number> {
  const cmd = parseArgs(argv);
  const log = jsonLogger(parseLogLevel(process.env.BUSBAR_LOG_LEVEL), undefined, parseLogFormat(process.env.BUSBAR_LOG_FORMAT));
  switch (cmd.kind) {
    case "help": process.stdout.write(USAGE); return 0;
    case "version": console.log(versionLine()); return 0;
    case "usage-error": console.error(`busbar: ${cmd.message}\n\n${USAGE}`); return 2;
    case "print-catalog": process.stdout.write(readCatalog(cmd.providers, process.env).text); return 0;
    case "print-metadata-blocklist": {
      const r = runPrintBlocklist({ configFlag: cmd.config, providersFlag: cmd.providers, env: process.env, cwd: process.cwd() });
      process.stdout.write(r.out);
      process.stderr.write(r.err);
      return r.exitCode;
    }
    case "validate": {
      const r = runValidate({ configFlag: cmd.config, providersFlag: cmd.providers, strict: cmd.strict, env: process.env, cwd: process.cwd() });
      (r.exitCode === 0 ? process.stdout : process.stderr).write(r.out.endsWith("\n") ? r.out : `${r.out}\n`);
      return r.exitCode;
    }
    // The demo, mock and verify code loads only for its own subcommand: a serving gateway's idle RSS is budgeted.
    case "mock-upstream": return (await import("./mock/index.ts")).runMockUpstreamCli([...cmd.argv]);
    case "verify": return verify(cmd);
    case "keys": return runKeys(cmd, {
      env: process.env, readFile: (p) => readFileSync(p, "utf8"), fetch: (u, i) => fetch(u, i),
      out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t),
    });
    case "demo": {
      const demo = (await import("./demo/index.ts")).startDemo(cmd.port, log);
      process.stdout.write(demo.banner);
      onSignals(() => demo.stop());
      return new Promise<number>(() => {});
    }
    case "serve": return serve(cmd.config, cmd.providers, log);
    default: {
      const never: never = cmd;
      throw new Error(`unhandled command ${JSON.stringify(never)}`);
    }
  }
}

if (import.meta.main) {
  main(process.argv.slice(2)).then((code) => process.exit(code), (e: unknown) => {
    console.error(`busbar: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
