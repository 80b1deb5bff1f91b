// A real, throwaway Postgres for one test file: initdb into a temp dir, a free loopback port, fsync off, ready when
// it answers a query. Missing binaries are a failure, never a skip. Postgres refuses to run as root, so under root
// (containers) it runs as the `postgres` user.
import { SQL } from "bun";
import { chownSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface TestPostgres {
  readonly url: string;
  stop(): Promise<void>;
}

const READY_WITHIN_MS = 20_000;

function findBin(name: string): string | undefined {
  const onPath = Bun.which(name);
  if (onPath !== null) return onPath;
  // Debian and Ubuntu keep the server binaries off PATH.
  const root = "/usr/lib/postgresql";
  let versions: string[] = [];
  try {
    versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  } catch {
    return undefined;
  }
  for (const v of versions) {
    const p = join(root, v, "bin", name);
    if (Bun.file(p).size > 0) return p;
  }
  return undefined;
}

export async function startPostgres(): Promise<TestPostgres> {
  const initdb = findBin("initdb");
  const postgres = findBin("postgres");
  if (initdb === undefined || postgres === undefined) {
    throw new Error("postgres and initdb were not found (PATH or /usr/lib/postgresql/*/bin): install them "
      + "(apt-get install postgresql); the Postgres store tests need a real server and never skip");
  }
  const dir = mkdtempSync(join(tmpdir(), "busbar-pg-"));
  const asUser: string[] = [];
  if (process.getuid?.() === 0) {
    const uid = Number(Bun.spawnSync(["id", "-u", "postgres"]).stdout.toString().trim());
    const gid = Number(Bun.spawnSync(["id", "-g", "postgres"]).stdout.toString().trim());
    if (!Number.isInteger(uid) || uid === 0) throw new Error("running as root needs a `postgres` user to run the test server as");
    chownSync(dir, uid, gid);
    // setpriv execs in place (no parent left between us and postgres), so signals reach the server itself.
    asUser.push("setpriv", `--reuid=${uid}`, `--regid=${gid}`, "--clear-groups");
  }
  const init = Bun.spawnSync([...asUser, initdb, "-D", join(dir, "data"), "-U", "busbar", "--auth=trust", "-E", "UTF8",
    "--no-sync", "--no-instructions"]);
  if (init.exitCode !== 0) throw new Error(`initdb failed: ${init.stderr.toString()}`);

  let lastError = "";
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = freePort();
    const proc = Bun.spawn([...asUser, postgres, "-D", join(dir, "data"), "-p", String(port), "-k", dir,
      "-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "synchronous_commit=off",
      "-c", "full_page_writes=off"], { stdout: "ignore", stderr: Bun.file(join(dir, "server.log")) });
    const url = `postgres://busbar@127.0.0.1:${port}/postgres`;
    const ready = await untilReady(url, proc, join(dir, "server.log"));
    if (ready === true) {
      return {
        url,
        async stop() {
          proc.kill("SIGINT"); // fast shutdown
          await proc.exited;
          rmSync(dir, { recursive: true, force: true });
        },
      };
    }
    lastError = ready;
    proc.kill("SIGINT");
    await proc.exited;
  }
  rmSync(dir, { recursive: true, force: true });
  throw new Error(`postgres did not start: ${lastError}`);
}

function freePort(): number {
  const l = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = l;
  l.stop(true);
  return port;
}

async function untilReady(url: string, proc: Bun.Subprocess, log: string): Promise<true | string> {
  const deadline = Date.now() + READY_WITHIN_MS;
  let last = "";
  while (Date.now() < deadline) {
    if (proc.exitCode !== null) return `exited ${proc.exitCode}: ${await Bun.file(log).text()}`;
    const sql = new SQL(url, { max: 1, connectionTimeout: 1 });
    try {
      await sql.unsafe("SELECT 1", []);
      return true;
    } catch (e) {
      last = e instanceof Error ? e.message : String(e);
    } finally {
      await sql.close();
    }
    await Bun.sleep(20); // poll interval between connection attempts
  }
  return `not ready within ${READY_WITHIN_MS} ms: ${last}`;
}
