// TLS material read once at boot (platform.md §4.1): `tls` for the data listener, `admin.tls` for the admin
// listener, and each provider's `ca_file` (extra upstream roots). Files that are missing or do not parse are
// fatal, naming the key and the file; PEM bytes never appear in a message.
import { createPrivateKey, X509Certificate } from "node:crypto";
import type { TlsSpec } from "./model.ts";
import { type Problem, problem } from "./messages.ts";
import type { OperatorConfig } from "./schema.ts";
import type { SecretIO } from "./secrets.ts";

type TlsEntry = NonNullable<OperatorConfig["tls"]>;
type Path = readonly (string | number)[];

const PEM_CERT = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Every certificate in a PEM bundle, or undefined when one does not parse or there is none. */
export function parseCertificates(pem: string): X509Certificate[] | undefined {
  const blocks = pem.match(PEM_CERT);
  if (blocks === null) return undefined;
  try {
    return blocks.map((b) => new X509Certificate(b));
  } catch {
    return undefined;
  }
}

function read(io: SecretIO, at: Path, path: string, out: Problem[]): string | undefined {
  try {
    return io.readFile(path);
  } catch (err) {
    const code = typeof err === "object" && err !== null && "code" in err && typeof err.code === "string" ? err.code : "unreadable";
    out.push(problem(at, `cannot read ${path} (${code})`));
    return undefined;
  }
}

/** A CA bundle file: at least one certificate, every block parseable. */
export function readCaFile(io: SecretIO, at: Path, path: string, out: Problem[]): string | undefined {
  const pem = read(io, at, path, out);
  if (pem === undefined) return undefined;
  if (parseCertificates(pem) === undefined) {
    out.push(problem(at, `${path} holds no parseable PEM certificate`));
    return undefined;
  }
  return pem;
}

/** The `tls` mapping at `base` (["tls"] or ["admin", "tls"]); undefined when absent or broken (then problems). */
export function readTls(base: Path, entry: TlsEntry | undefined, io: SecretIO, out: Problem[]): TlsSpec | undefined {
  if (entry === undefined) return undefined;
  const before = out.length;
  if ((entry.key_file === undefined) === (entry.key_env === undefined)) {
    out.push(problem([...base, "key_file"], "set exactly one of key_file or key_env (the NAME of a variable holding the PEM key)"));
    return undefined;
  }
  const cert = read(io, [...base, "cert_file"], entry.cert_file, out);
  let key: string | undefined;
  let keyAt: Path;
  if (entry.key_file !== undefined) {
    keyAt = [...base, "key_file"];
    key = read(io, keyAt, entry.key_file, out);
  } else {
    keyAt = [...base, "key_env"];
    key = io.env[entry.key_env ?? ""];
    if (key === undefined || key.trim() === "") {
      out.push(problem(keyAt, `environment variable ${entry.key_env} is unset or empty`));
      key = undefined;
    }
  }
  const leaf = cert === undefined ? undefined : parseCertificates(cert)?.[0];
  if (cert !== undefined && leaf === undefined) out.push(problem([...base, "cert_file"], `${entry.cert_file} holds no parseable PEM certificate`));
  let privateKey: ReturnType<typeof createPrivateKey> | undefined;
  if (key !== undefined) {
    try {
      privateKey = createPrivateKey(key);
    } catch {
      out.push(problem(keyAt, `${entry.key_file ?? entry.key_env} is not a PEM private key (PKCS#8, PKCS#1 or SEC1)`));
    }
  }
  if (leaf !== undefined && privateKey !== undefined && !leaf.checkPrivateKey(privateKey)) {
    out.push(problem(keyAt, `${entry.key_file ?? entry.key_env} does not match the certificate in ${entry.cert_file}`));
  }
  const clientCa = entry.client_ca_file === undefined ? undefined : readCaFile(io, [...base, "client_ca_file"], entry.client_ca_file, out);
  if (out.length > before || cert === undefined || key === undefined) return undefined;
  return { certFile: entry.cert_file, cert, key, clientCaFile: entry.client_ca_file, clientCa };
}
