// A live chain ticks hundreds of times a second (every bid, ask and greek of every line is its
// own message), while a watcher needs at most one fresh chain per interval. Changes are marked
// as they come; one emission follows, no sooner than `intervalMs` after the previous one, so a
// quiet feed still delivers its first change at once and a busy one exactly once per interval.

export interface CoalescerOptions {
  readonly intervalMs: number;
  /** Builds and delivers the chain; called with no change marked since. */
  readonly emit: () => void;
  /** Milliseconds, monotonic; performance.now by default. */
  readonly now?: () => number;
}

export class UpdateCoalescer {
  private readonly intervalMs: number;
  private readonly emit: () => void;
  private readonly now: () => number;
  private lastEmit = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor({ intervalMs, emit, now = () => performance.now() }: CoalescerOptions) {
    if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) throw new RangeError(`intervalMs must be a non-negative number, got ${intervalMs}`);
    this.intervalMs = intervalMs;
    this.emit = emit;
    this.now = now;
  }

  /** Something changed: an emission is due, at once or when the interval since the last one ends. */
  mark(): void {
    if (this.closed || this.timer !== undefined) return;
    const wait = Math.max(0, this.lastEmit + this.intervalMs - this.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.lastEmit = this.now();
      this.emit();
    }, Math.ceil(wait));
    // A pending update is no reason to keep the process alive.
    this.timer.unref();
  }

  /** Delivers a scheduled emission now, if there is one; the next interval counts from now. */
  flush(): void {
    if (this.closed || this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.lastEmit = this.now();
    this.emit();
  }

  /** Whether an emission is scheduled. */
  get pending(): boolean {
    return this.timer !== undefined;
  }

  /** Drops any pending emission; marks are ignored from now on. */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
