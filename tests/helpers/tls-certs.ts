// Real certificates for the TLS tests, made with the openssl CLI in a temp dir (installed by .ci/run): two CAs,
// a server certificate for 127.0.0.1/localhost, client certificates from each CA, and an expired one.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface Pem {
  readonly certFile: string;
  readonly keyFile: string;
  readonly cert: string;
  readonly key: string;
}

export interface TestPki {
  readonly dir: string;
  readonly ca: Pem;
  readonly otherCa: Pem;
  /** Signed by `ca`; SAN 127.0.0.1 and localhost. */
  readonly server: Pem;
  /** Client certificates: from `ca`, from `otherCa`, and from `ca` but expired in 2020. */
  readonly client: Pem;
  readonly foreignClient: Pem;
  readonly expiredClient: Pem;
  cleanup(): void;
}

function openssl(args: string[], cwd: string): void {
  const r = Bun.spawnSync(["openssl", ...args], { cwd, stdout: "pipe", stderr: "pipe" });
  if (r.exitCode !== 0) throw new Error(`openssl ${args[0]} failed: ${r.stderr.toString()}`);
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "busbar-pki-"));
  const pem = (name: string): Pem => {
    const certFile = join(dir, `${name}.crt`);
    const keyFile = join(dir, `${name}.key`);
    return { certFile, keyFile, cert: readFileSync(certFile, "utf8"), key: readFileSync(keyFile, "utf8") };
  };
  const selfSigned = (name: string) =>
    openssl(["req", "-x509", ...EC, "-keyout", `${name}.key`, "-out", `${name}.crt`, "-days", "2", "-subj", `/CN=${name}`], dir);
  const csr = (name: string, cn: string) => openssl(["req", ...EC, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${cn}`], dir);
  const sign = (name: string, ca: string, ext?: string) => {
    const args = ["x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.crt`, "-CAkey", `${ca}.key`, "-CAcreateserial", "-out", `${name}.crt`, "-days", "2"];
    if (ext !== undefined) {
      writeFileSync(join(dir, `${name}.ext`), ext);
      args.push("-extfile", `${name}.ext`);
    }
    openssl(args, dir);
  };

  selfSigned("ca");
  selfSigned("other-ca");
  csr("server", "localhost");
  sign("server", "ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
  csr("client", "client");
  sign("client", "ca");
  csr("foreign", "foreign");
  sign("foreign", "other-ca");
  // `x509 -req` in OpenSSL 3.0 cannot backdate; `openssl ca` can.
  csr("expired", "expired");
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), "1000\n");
  writeFileSync(join(dir, "ca.cnf"), [
    "[ca]", "default_ca = test", "[test]", "database = index.txt", "serial = serial", "new_certs_dir = .",
    "default_md = sha256", "policy = any", "[any]", "commonName = supplied", "",
  ].join("\n"));
  openssl(["ca", "-batch", "-config", "ca.cnf", "-cert", "ca.crt", "-keyfile", "ca.key", "-in", "expired.csr", "-out", "expired.crt",
    "-startdate", "20200101000000Z", "-enddate", "20200102000000Z", "-notext"], dir);

  return {
    dir,
    ca: pem("ca"),
    otherCa: pem("other-ca"),
    server: pem("server"),
    client: pem("client"),
    foreignClient: pem("foreign"),
    expiredClient: pem("expired"),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
