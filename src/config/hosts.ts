// Host names and addresses in one canonical spelling, and the range each falls in (platform.md §4.2).
// The WHATWG URL parser already lowercases, percent-decodes, folds `\` into `/` and decodes the alternate IPv4
// spellings (2852039166, 0xa9fea9fe, 0251.0376.0251.0376, 169.254.43518, 0x7f.1, 127.1); what it leaves is done
// here: trailing dots stripped and IPv4 embedded in IPv6 unwrapped, so every spelling of an address is one key.
// The same functions serve load time (URL hosts, operator lists) and connect time (resolved addresses).

export type HostClass = "metadata" | "unroutable" | "loopback" | "private" | "public";

/** The compiled-in metadata denylist as `--print-metadata-blocklist` prints it (§4.2 table, first row). */
export const BUILTIN_METADATA = [
  "169.254.0.0/16", // link-local; every major cloud's instance metadata lives here (AWS, GCP, Azure IMDS, OCI…)
  "100.100.100.200", // Alibaba Cloud
  "168.63.129.16", // Azure wireserver
  "192.0.0.192", // Oracle Cloud (classic)
  "fd00:ec2::254", // AWS IMDS over IPv6
  "metadata.google.internal",
  "metadata.internal",
  "metadata.tencentyun.com",
  "metadata.platformequinix.com",
  "instance-data",
  "instance-data.ec2.internal",
] as const;

const METADATA_NAMES: ReadonlySet<string> = new Set(BUILTIN_METADATA.filter((h) => /[a-z]/.test(h) && !h.includes(":")));
const METADATA_V4: ReadonlySet<string> = new Set(["100.100.100.200", "168.63.129.16", "192.0.0.192"]);

/** What a name may hold once the URL parser has had it: no port, path, userinfo or whitespace. */
const NAME_CHARS = /^[^\s/\\?#@:[\]]+$/;

/**
 * One spelling per host: a lowercase name (IDNA-encoded by the URL parser) without trailing dots, a dotted
 * IPv4 address, or a compressed IPv6 address without brackets (IPv4-mapped, -compatible, SIIT and NAT64 forms
 * become the IPv4 address they reach). Accepts a URL hostname, an operator list entry or a resolver's answer
 * (an IPv6 zone id such as `%eth0` is dropped). Undefined when it is not a host at all.
 */
export function canonicalHost(raw: string): string | undefined {
  let s = raw;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  if (s.includes(":")) {
    const zone = s.indexOf("%");
    if (zone >= 0) s = s.slice(0, zone);
    const words = parseIPv6(s);
    if (words === undefined) return undefined;
    const v4 = embeddedV4(words);
    return v4 !== undefined ? v4.join(".") : formatIPv6(words);
  }
  if (!NAME_CHARS.test(s)) return undefined;
  let host: string;
  try {
    host = new URL(`http://${s}/`).hostname;
  } catch {
    return undefined;
  }
  // §4.2 strips one trailing dot; stripping every one is stricter (`localhost..` must not slip past as a name).
  host = host.replace(/\.+$/, "");
  return host === "" ? undefined : host;
}

/** The range a canonical host falls in; names other than the compiled-in ones are `public` until resolved. */
export function classifyCanonical(host: string): HostClass {
  const v4 = parseIPv4(host);
  if (v4 !== undefined) return classifyV4(v4);
  if (host.includes(":")) {
    const v6 = parseIPv6(host);
    return v6 === undefined ? "unroutable" : classifyV6(v6);
  }
  if (METADATA_NAMES.has(host)) return "metadata";
  if (host === "localhost" || host.endsWith(".localhost")) return "loopback";
  return "public";
}

/** Classifies a hostname as written (a URL hostname, `[v6]` brackets allowed); not a host → `unroutable`. */
export function classifyHost(hostname: string): HostClass {
  const host = canonicalHost(hostname);
  return host === undefined ? "unroutable" : classifyCanonical(host);
}

/** True for a canonical IPv4 or IPv6 literal (as opposed to a name that needs resolving). */
export function isIpLiteral(host: string): boolean {
  return host.includes(":") || parseIPv4(host) !== undefined;
}

function classifyV4([a, b, c, d]: readonly number[]): HostClass {
  const dotted = `${a}.${b}.${c}.${d}`;
  if (a === 169 && b === 254) return "metadata";
  if (METADATA_V4.has(dotted)) return "metadata";
  if (a === 0 || (a !== undefined && a >= 224)) return "unroutable"; // this-network, multicast, reserved, broadcast
  if (a === 127) return "loopback";
  if (a === 10 || (a === 172 && b !== undefined && b >= 16 && b <= 31) || (a === 192 && b === 168)) return "private";
  if (a === 100 && b !== undefined && b >= 64 && b <= 127) return "private"; // carrier-grade NAT, shared space (RFC 6598)
  return "public";
}

function classifyV6(h: readonly number[]): HostClass {
  const v4 = embeddedV4(h);
  if (v4 !== undefined) return classifyV4(v4);
  const w = (i: number): number => h[i] ?? 0;
  if (h.every((x) => x === 0)) return "unroutable";
  if (h.slice(0, 7).every((x) => x === 0) && w(7) === 1) return "loopback";
  if (w(0) === 0xfd00 && w(1) === 0x0ec2 && h.slice(2, 7).every((x) => x === 0) && w(7) === 0x254) return "metadata";
  if ((w(0) & 0xff00) === 0xff00) return "unroutable"; // multicast ff00::/8
  if ((w(0) & 0xfe00) === 0xfc00) return "private"; // unique local fc00::/7
  if ((w(0) & 0xffc0) === 0xfe80) return "private"; // link-local fe80::/10
  if ((w(0) & 0xffc0) === 0xfec0) return "private"; // site-local fec0::/10 (deprecated, still routed on some networks)
  return "public";
}

/**
 * The IPv4 address an IPv6 address reaches directly: IPv4-mapped `::ffff:a.b.c.d`, IPv4-compatible `::a.b.c.d`
 * (not `::` or `::1`), SIIT `::ffff:0:a.b.c.d` (RFC 6145) and the NAT64 well-known prefix `64:ff9b::/96` (RFC 6052).
 */
function embeddedV4(h: readonly number[]): number[] | undefined {
  const w = (i: number): number => h[i] ?? 0;
  const zero = (from: number, to: number): boolean => h.slice(from, to).every((x) => x === 0);
  const mapped = zero(0, 5) && w(5) === 0xffff;
  const compatible = zero(0, 6) && (w(6) !== 0 || w(7) > 1);
  const siit = zero(0, 4) && w(4) === 0xffff && w(5) === 0;
  const nat64 = w(0) === 0x64 && w(1) === 0xff9b && zero(2, 6);
  if (!mapped && !compatible && !siit && !nat64) return undefined;
  return [w(6) >> 8, w(6) & 0xff, w(7) >> 8, w(7) & 0xff];
}

/** Strict dotted-quad (the URL parser has already folded the other spellings into this form). */
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

/** RFC 5952 text: lowercase, leading zeros dropped, the longest run (≥ 2) of zero words compressed. */
function formatIPv6(h: readonly number[]): string {
  let best = -1, bestLen = 1;
  for (let i = 0; i < 8;) {
    if (h[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && h[j] === 0) j++;
    if (j - i > bestLen) { best = i; bestLen = j - i; }
    i = j;
  }
  const hex = (from: number, to: number): string => h.slice(from, to).map((x) => x.toString(16)).join(":");
  return best < 0 ? hex(0, 8) : `${hex(0, best)}::${hex(best + bestLen, 8)}`;
}
