// `listen: "host:port"` (platform.md §1.4). IPv6 hosts are bracketed: `[::1]:8080`.
import type { ListenSpec } from "./model.ts";
import { classifyHost, parseIPv6 } from "./ssrf.ts";

const BRACKETED = /^\[([^\]]+)\]:(\d{1,5})$/;
const PLAIN = /^([^:[\]\s]+):(\d{1,5})$/;

export function parseListen(s: string): ListenSpec | undefined {
  const m = BRACKETED.exec(s) ?? PLAIN.exec(s);
  const host = m?.[1];
  const port = Number(m?.[2]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) return undefined;
  if (BRACKETED.test(s) && !parseIPv6(host)) return undefined;
  return { host, port };
}

/** Only loopback binds count as local: `127/8`, `::1`, `localhost` (spec README platform decision 7). */
export function isLoopbackListen(listen: ListenSpec): boolean {
  return classifyHost(listen.host.includes(":") ? `[${listen.host}]` : listen.host) === "loopback";
}
