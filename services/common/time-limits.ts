// The time limit of calls that all get the same limit (REQUEST_TIMEOUT), kept with one timer
// instead of one per call: their expiry times rise in the order the calls start, so a queue in
// that order needs a timer only for its head. A timer set and cleared on every call cost a few
// per cent of a small call's throughput.

/** A started limit; `cancel` when the call ends first. */
export interface TimeLimit {
  cancel(): void;
}

interface Entry {
  readonly expiresAt: number;
  onExpire: (() => void) | undefined;
}

/** Dead entries at the front are dropped in batches once there are this many. */
const COMPACT_AFTER = 1024;

export class TimeLimitQueue {
  private entries: Entry[] = [];
  private head = 0;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;

  /** `now` in milliseconds on a clock that never goes back (performance.now by default). */
  constructor(
    readonly limitMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Calls `onExpire` once `limitMs` have passed, unless cancelled first. */
  start(onExpire: () => void): TimeLimit {
    const entry: Entry = { expiresAt: this.now() + this.limitMs, onExpire };
    this.entries.push(entry);
    if (this.timer === undefined) this.arm(entry.expiresAt);
    return {
      cancel: () => {
        entry.onExpire = undefined;
        this.dropDeadHead();
      },
    };
  }

  /** Limits started and not yet expired or cancelled (dead ones behind a live head included). */
  get pending(): number {
    return this.entries.length - this.head;
  }

  private dropDeadHead(): void {
    while (this.head < this.entries.length && (this.entries[this.head] as Entry).onExpire === undefined) this.head++;
    if (this.head === this.entries.length) {
      this.entries = [];
      this.head = 0;
    } else if (this.head >= COMPACT_AFTER && this.head * 2 >= this.entries.length) {
      this.entries = this.entries.slice(this.head);
      this.head = 0;
    }
  }

  private arm(at: number): void {
    this.timerAt = at;
    this.timer = setTimeout(() => this.expire(), Math.max(0, at - this.now()));
    // A pending limit must not keep a stopping process alive: the call it guards does that.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = this.now();
    while (this.head < this.entries.length) {
      const entry = this.entries[this.head] as Entry;
      if (entry.onExpire !== undefined && entry.expiresAt > now) break;
      this.head++;
      const onExpire = entry.onExpire;
      entry.onExpire = undefined;
      onExpire?.();
    }
    this.dropDeadHead();
    const next = this.entries[this.head];
    if (next !== undefined && next.expiresAt < this.timerAt) this.arm(next.expiresAt);
  }
}
