// Selection units (reliability.md §4): FNV-1a pinning, the FIFO permit queue, saturation skipping (D7).
import { expect, test } from "bun:test";
import { fnv1a64, pinIndex } from "../../src/route/select.ts";
import { Semaphore } from "../../src/route/semaphore.ts";

test("fnv1a64 matches the published FNV-1a 64-bit vectors", () => {
  expect(fnv1a64("")).toBe(0xcbf29ce484222325n);
  expect(fnv1a64("a")).toBe(0xaf63dc4c8601ec8cn);
  expect(fnv1a64("foobar")).toBe(0x85944171f73967e8n);
  // UTF-8 bytes, not UTF-16 code units.
  expect(fnv1a64("é")).not.toBe(fnv1a64("\u00e9".normalize("NFD")));
  expect(pinIndex("s1", 3)).toBe(Number(fnv1a64("s1") % 3n));
});

test("a semaphore hands permits to waiters first in, first out, and a waiter that aborts leaves the queue", async () => {
  const s = new Semaphore(1);
  expect(s.tryAcquire()).toBe(true);
  expect(s.tryAcquire()).toBe(false);
  const order: string[] = [];
  const gone = new AbortController();
  const a = s.acquire(new AbortController().signal).then((ok) => order.push(`a:${ok}`));
  const b = s.acquire(gone.signal).then((ok) => order.push(`b:${ok}`));
  const c = s.acquire(new AbortController().signal).then((ok) => order.push(`c:${ok}`));
  expect(s.waiting).toBe(3);
  gone.abort();
  await b;
  s.release(); // → a
  await a;
  s.release(); // → c (b left)
  await c;
  expect(order).toEqual(["b:false", "a:true", "c:true"]);
  expect(s.inUse).toBe(1);
  s.release();
  expect(s.inUse).toBe(0);
  expect(s.tryAcquire()).toBe(true);
});

test("tryAcquire never jumps the queue", async () => {
  const s = new Semaphore(1);
  s.tryAcquire();
  const w = s.acquire(new AbortController().signal);
  s.release(); // goes to the waiter
  expect(await w).toBe(true);
  expect(s.tryAcquire()).toBe(false);
});
