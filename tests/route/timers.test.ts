import { expect, test } from "bun:test";
import { TICK_MS, TimerWheel } from "../../src/route/timers.ts";

function wheel() {
  let t = 1_000;
  const w = new TimerWheel(() => t);
  return { w, advance(ms: number) { t += ms; w.tick(); } };
}

test("a timer fires once, never early and at most one tick late", () => {
  const { w, advance } = wheel();
  const fired: number[] = [];
  w.schedule(100, () => fired.push(1));
  advance(99);
  expect(fired).toEqual([]);
  advance(TICK_MS);
  expect(fired).toEqual([1]);
  advance(1000);
  expect(fired).toEqual([1]);
  w.schedule(0, () => fired.push(2)).cancel();
});

test("a cancelled timer never fires, and cancelling inside a firing bucket does not skip a sibling", () => {
  const { w, advance } = wheel();
  const fired: string[] = [];
  const handles: { cancel(): void }[] = [];
  handles.push(w.schedule(50, () => { fired.push("a"); handles[1]!.cancel(); }));
  handles.push(w.schedule(50, () => fired.push("b")));
  handles.push(w.schedule(50, () => fired.push("c")));
  w.schedule(50, () => fired.push("d")).cancel();
  advance(100);
  expect(fired).toEqual(["a", "c"]);
});

test("timers in many buckets fire in order of their deadlines", () => {
  const { w, advance } = wheel();
  const fired: number[] = [];
  for (const d of [300, 20, 150, 90]) w.schedule(d, () => fired.push(d));
  for (let i = 0; i < 20; i++) advance(TICK_MS);
  expect(fired).toEqual([20, 90, 150, 300]);
});
