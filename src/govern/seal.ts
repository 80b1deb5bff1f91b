// Minted AWS secrets must stay usable for HMAC (SigV4 verification), so unlike virtual-key secrets they are kept;
// with `governance.store.encryption_key_env` they are kept sealed (AES-256-GCM, a fresh 96-bit nonce each), so a
// copy of the store alone does not yield them (platform.md §3.1 [ADD]).
import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";

const PREFIX = "sealed:v1:";

export class SecretSeal {
  private readonly key: Buffer;

  /** Any string: its SHA-256 is the AES key, so a passphrase, hex or base64 all work. */
  constructor(material: string) {
    this.key = createHash("sha256").update(material, "utf8").digest();
  }

  seal(plain: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    const body = Buffer.concat([c.update(plain, "utf8"), c.final()]);
    return `${PREFIX}${iv.toString("base64")}:${Buffer.concat([body, c.getAuthTag()]).toString("base64")}`;
  }

  /** Undefined when the value is not sealed with this key (tampered, or another key). */
  open(value: string): string | undefined {
    if (!value.startsWith(PREFIX)) return undefined;
    const [ivText, dataText] = value.slice(PREFIX.length).split(":");
    if (ivText === undefined || dataText === undefined) return undefined;
    try {
      const data = Buffer.from(dataText, "base64");
      const d = createDecipheriv("aes-256-gcm", this.key, Buffer.from(ivText, "base64"));
      d.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([d.update(data.subarray(0, data.length - 16)), d.final()]).toString("utf8");
    } catch {
      return undefined;
    }
  }

  static isSealed(value: string): boolean {
    return value.startsWith(PREFIX);
  }
}
