// Load-time checks on provider base URLs (platform.md §4.2, spec README platform decision 1).
// This is the literal-host part: the WHATWG URL parser already lowercases, percent-decodes and
// folds alternate IPv4 spellings (2852039166, 0xa9fea9fe, 0251.0376.0251.0376) into dotted form;
// here IPv4-mapped IPv6 is unwrapped and the address is classified. Names are never resolved at
// load (DNS rebinding is out of scope, per §4.2); an operator blocklist and the other sinks
// (webhooks, OTLP) grow from this module.
import { formatPath, type Problem, problem } from "./messages.ts";

export type HostClass = "metadata" | "unroutable" | "loopback" | "private" | "public";

/** Cloud metadata names compiled in (§4.2); a trailing dot is stripped before lookup. */
const METADATA_NAMES = new Set([
  "metadata.google.internal", "metadata.internal", "metadata.tencentyun.com", "metadata.platformequinix.com",
  "instance-data", "instance-data.ec2.internal",
]);

/** Metadata IPv4 addresses besides 169.254/16 (Alibaba, Azure wireserver, Oracle/others). */
const METADATA_V4 = new Set(["100.100.100.200", "168.63.129.16", "192.0.0.192"]);

/** Classifies a hostname as the URL parser gives it (`[v6]` brackets allowed). */
export function classifyHost(hostname: string): HostClass {
  let host = hostname.toLowerCase();
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (host.endsWith(".")) host = host.slice(0, -1);
  const v4 = parseIPv4(host);
  if (v4) return classifyV4(v4);
  if (host.includes(":")) {
    const v6 = parseIPv6(host);
    return v6 ? classifyV6(v6) : "public";
  }
  if (METADATA_NAMES.has(host)) return "metadata";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  return "public";
}

function classifyV4([a, b, c, d]: readonly number[]): HostClass {
  const dotted = `${a}.${b}.${c}.${d}`;
  if (a === 169 && b === 254) return "metadata"; // link-local; every cloud's metadata lives here
  if (METADATA_V4.has(dotted)) return "metadata";
  if (a === 0 || dotted === "255.255.255.255") return "unroutable";
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b !== undefined && b >= 64 && b <= 127) return "private"; // carrier-grade NAT (RFC 6598)
  return "public";
}

function classifyV6(h: readonly number[]): HostClass {
  const word = (i: number): number => h[i] ?? 0;
  const firstSixZero = [0, 1, 2, 3, 4].every((i) => word(i) === 0);
  // IPv4-mapped (::ffff:a.b.c.d) and IPv4-compatible (::a.b.c.d) addresses reach the IPv4 host.
  if (firstSixZero && (word(5) === 0xffff || (word(5) === 0 && (word(6) !== 0 || word(7) > 1)))) {
    return classifyV4([word(6) >> 8, word(6) & 0xff, word(7) >> 8, word(7) & 0xff]);
  }
  if (h.every((x) => x === 0)) return "unroutable";
  if (h.slice(0, 7).every((x) => x === 0) && word(7) === 1) return "loopback";
  if (word(0) === 0xfd00 && word(1) === 0x0ec2 && h.slice(2, 7).every((x) => x === 0) && word(7) === 0x254) return "metadata";
  if ((word(0) & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((word(0) & 0xffc0) === 0xfe80) return "private"; // link-local fe80::/10
  return "public";
}

export function parseIPv4(s: string): number[] | undefined {
  const parts = s.split(".");
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) return undefined;
  const nums = parts.map(Number);
  return nums.every((n) => n <= 255) ? nums : undefined;
}

/** Eight 16-bit words, or undefined. Accepts `::` compression and a trailing dotted IPv4. */
export function parseIPv6(s: string): number[] | undefined {
  const halves = s.split("::");
  if (halves.length > 2) return undefined;
  const words = (part: string): number[] | undefined => {
    if (part === "") return [];
    const out: number[] = [];
    const pieces = part.split(":");
    for (const [i, p] of pieces.entries()) {
      if (i === pieces.length - 1 && p.includes(".")) {
        const v4 = parseIPv4(p);
        if (!v4) return undefined;
        out.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
      } else if (/^[0-9a-f]{1,4}$/i.test(p)) {
        out.push(parseInt(p, 16));
      } else {
        return undefined;
      }
    }
    return out;
  };
  const head = words(halves[0] ?? "");
  const tail = halves.length === 2 ? words(halves[1] ?? "") : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  return fill >= 1 ? [...head, ...new Array<number>(fill).fill(0), ...tail] : undefined;
}

export interface BaseUrlPolicy {
  readonly allowPrivateNetwork: boolean;
  readonly allowMetadataHosts: boolean;
}

/** Problems with one provider's `base_url` (+ `path`), reported on `providers.<name>.*`. */
export function checkProviderUrl(name: string, baseUrl: string, path: string | undefined, policy: BaseUrlPolicy): Problem[] {
  const at = ["providers", name, "base_url"] as const;
  const optIn = (key: string): string => formatPath(["providers", name, key]);
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    return [problem(at, "must be an absolute http:// or https:// URL")];
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    return [problem(at, `scheme must be https:// (got ${url.protocol}//)`)];
  }
  const out: Problem[] = [];
  if (url.username !== "" || url.password !== "") {
    out.push(problem(at, "must not contain user:password@ (put the credential in api_key_env or api_key_file)"));
  }
  if (url.search !== "" || url.hash !== "") {
    out.push(problem(at, "must not contain a query or fragment (put them in path)"));
  }
  const host = url.hostname.endsWith(".") ? url.hostname.slice(0, -1) : url.hostname;
  const cls = classifyHost(host);
  switch (cls) {
    case "metadata":
      if (!policy.allowMetadataHosts) out.push(problem(at, `${host} is a cloud metadata address; set ${optIn("allow_metadata_hosts")}: true to allow it`));
      break;
    case "unroutable":
      out.push(problem(at, `${host} is not a routable upstream address`));
      break;
    case "loopback":
    case "private":
      if (!policy.allowPrivateNetwork) out.push(problem(at, `${host} is a private/loopback address; set ${optIn("allow_private_network")}: true to allow it`));
      break;
    case "public":
      break;
  }
  // Plain http:// is accepted only for hosts that needed (and got) an explicit opt-in above.
  if (url.protocol === "http:" && cls === "public") {
    out.push(problem(at, `https:// is required for ${host} (plain http:// is only accepted for private hosts with allow_private_network: true)`));
  }
  if (path !== undefined && out.length === 0) {
    // The composed URL is re-checked (§4.2): a path may not move the request to another host.
    let composed: URL | undefined;
    try {
      composed = new URL(trimTrailingSlashes(baseUrl) + path);
    } catch {
      composed = undefined;
    }
    if (!composed || composed.host !== url.host) {
      out.push(problem(["providers", name, "path"], "must keep the request on the base_url host"));
    }
  }
  return out;
}

/** `https://api.example.com/v1/` → `https://api.example.com/v1` (platform.md §1.8). */
export function trimTrailingSlashes(s: string): string {
  return s.replace(/\/+$/, "");
}
