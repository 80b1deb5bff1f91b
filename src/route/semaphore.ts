// A lane's `max_concurrent` permits (reliability.md §3): taken before dispatch, held until delivery ends.
// Waiters are served first in, first out; a waiter gives up when its signal aborts (deadline or disconnect).

interface Waiter {
  readonly grant: () => void;
  done: boolean;
}

export class Semaphore {
  private used = 0;
  private readonly waiters: Waiter[] = [];

  constructor(readonly size: number) {}

  get inUse(): number {
    return this.used;
  }

  get free(): number {
    return this.size - this.used;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A permit now, or false. Never jumps the queue: a waiting request is served first. */
  tryAcquire(): boolean {
    if (this.used >= this.size || this.waiters.length > 0) return false;
    this.used++;
    return true;
  }

  /** Resolves true with a permit, or false if `signal` aborts first. */
  acquire(signal: AbortSignal): Promise<boolean> {
    if (this.tryAcquire()) return Promise.resolve(true);
    if (signal.aborted) return Promise.resolve(false);
    return new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        done: false,
        grant: () => {
          signal.removeEventListener("abort", onAbort);
          resolve(true);
        },
      };
      const onAbort = () => {
        if (waiter.done) return;
        waiter.done = true;
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        resolve(false);
      };
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /** Hands the permit to the oldest live waiter, else returns it. */
  release(): void {
    for (;;) {
      const next = this.waiters.shift();
      if (next === undefined) break;
      if (next.done) continue;
      next.done = true;
      next.grant(); // the permit passes on: `used` is unchanged
      return;
    }
    if (this.used > 0) this.used--;
  }
}
