// Request timeouts without a native timer per request. Every request arms a deadline, and most attempts a header or
// body timeout, and nearly all of them are cancelled: setTimeout + clearTimeout per timer showed as ~3 % of a
// request's CPU in the profile (2-vCPU VM). Here a timer is an entry in a bucket of a coarse wheel (TICK_MS), one
// shared interval runs only while entries are pending, and cancelling is a flag. Timers fire up to TICK_MS late,
// never early; every bound in reliability.md §9 is far coarser than that.

export const TICK_MS = 20;
/** Idle ticks before the interval stops: at concurrency 1 the wheel empties after every request, and restarting
 * the interval each time cost more than ticking idle for a second. */
const LINGER_TICKS = 50;

export interface TimerHandle {
  cancel(): void;
}

interface Entry extends TimerHandle {
  readonly fn: () => void;
  live: boolean;
  /** Where it sits, so a cancel removes it at once (swap with the last): a cancelled 120 s deadline must not
   * stay in memory for 120 s under load. */
  list: Entry[];
  index: number;
}

export class TimerWheel {
  /** Bucket index (ms / TICK_MS, rounded up) → entries due then. */
  private readonly buckets = new Map<number, Entry[]>();
  private pending = 0;
  private interval: ReturnType<typeof setInterval> | undefined;
  private nextBucket = 0;
  private idleTicks = 0;

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Runs `fn` once, `delayMs` from now (up to TICK_MS late), unless cancelled first. */
  schedule(delayMs: number, fn: () => void): TimerHandle {
    const at = this.now() + Math.max(0, delayMs);
    const bucket = Math.ceil(at / TICK_MS);
    const wheel = this;
    let list = this.buckets.get(bucket);
    if (list === undefined) this.buckets.set(bucket, list = []);
    const entry: Entry = {
      fn, live: true, list, index: list.length,
      cancel() {
        if (!this.live) return;
        this.live = false;
        const last = this.list.pop()!;
        if (last !== this) {
          this.list[this.index] = last;
          last.index = this.index;
        }
        wheel.pending--;
      },
    };
    list.push(entry);
    this.pending++;
    if (this.interval === undefined) this.startTicking(bucket);
    else if (bucket < this.nextBucket) this.nextBucket = bucket;
    return entry;
  }

  private startTicking(from: number): void {
    this.nextBucket = Math.min(from, Math.ceil(this.now() / TICK_MS));
    this.interval = setInterval(() => this.tick(), TICK_MS);
    this.interval.unref?.();
  }

  private stopTicking(): void {
    clearInterval(this.interval);
    this.interval = undefined;
    this.idleTicks = 0;
    this.buckets.clear();
  }

  /** Fires every live entry whose bucket has come. */
  tick(): void {
    const upTo = Math.floor(this.now() / TICK_MS);
    for (let b = this.nextBucket; b <= upTo; b++) {
      const list = this.buckets.get(b);
      if (list === undefined) continue;
      this.buckets.delete(b);
      // A copy: a firing timer may cancel another in this bucket, which reorders the list.
      for (const e of list.slice()) {
        if (!e.live) continue;
        e.live = false;
        this.pending--;
        e.fn();
      }
    }
    this.nextBucket = upTo + 1;
    if (this.pending > 0) this.idleTicks = 0;
    else if (++this.idleTicks >= LINGER_TICKS && this.interval !== undefined) this.stopTicking();
  }
}

/** The process's wheel; tests may build their own with an injected clock. */
export const timers = new TimerWheel();
