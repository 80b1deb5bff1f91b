// Reading a process's CPU time and RSS from /proc text, and the core split taskset gets.
import { expect, test } from "bun:test";
import { planPinning } from "../../bench/machine.ts";
import { cpuSeconds, parseStatCpuTicks, parseStatPpid, parseVmRssKiB, processTree, rssKiB } from "../../bench/proc.ts";

// A real /proc/<pid>/stat line (bun), utime = 1234 and stime = 56 in fields 14 and 15.
const STAT = "4242 (bun) S 4200 4242 4200 34816 4242 4194560 9182 0 3 0 1234 56 0 0 20 0 5 0 123456 1234567890 7890 18446744073709551615 1 1 0 0 0 0 0 16781312 17922 0 0 0 17 1 0 0 0 0 0";

test("utime + stime of a stat line, counted from the last `)` so odd command names parse", () => {
  expect(parseStatCpuTicks(STAT)).toBe(1290);
  expect(parseStatCpuTicks(STAT.replace("(bun)", "(a) b (c) S 1 2)"))).toBe(1290);
  expect(parseStatPpid(STAT)).toBe(4200);
  expect([parseStatCpuTicks("garbage"), parseStatCpuTicks("1 (x) S 2 3")]).toEqual([undefined, undefined]);
});

test("VmRSS in KiB from a status text; absent for a zombie", () => {
  expect(parseVmRssKiB("Name:\tbun\nVmPeak:\t  99999 kB\nVmRSS:\t   31240 kB\nRssAnon:\t 1 kB\n")).toBe(31240);
  expect(parseVmRssKiB("Name:\tbun\nState:\tZ (zombie)\n")).toBeUndefined();
});

test("this process: its tree includes itself, and its CPU and RSS read as positive", () => {
  if (process.platform !== "linux") return;
  expect(processTree(process.pid)).toContain(process.pid);
  expect(cpuSeconds([process.pid])).toBeGreaterThan(0);
  expect(rssKiB([process.pid])).toBeGreaterThan(1024);
});

test("pinning splits the cores: upper half to the gateway, the rest to load and mocks", () => {
  expect([planPinning(2, true, "linux"), planPinning(8, true, "linux"), planPinning(4, true, "linux", 1)].map((p) => [p.gateway, p.loadgen])).toEqual([
    ["1", "0"],
    ["4-7", "0-3"],
    ["3", "0-2"],
  ]);
  expect([planPinning(1, true, "linux").gateway, planPinning(4, false, "linux").gateway, planPinning(4, true, "darwin").gateway]).toEqual([undefined, undefined, undefined]);
});
