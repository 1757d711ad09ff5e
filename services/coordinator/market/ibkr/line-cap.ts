// IBKR counts every open market data request against the account's line limit (100 by
// default), a quote request's until it is cancelled, and refuses the next one with error 101. This
// counts our open requests against a smaller cap (IB_MAX_LINES) so that never happens in
// normal use; when it happens anyway (TWS windows and other API clients share the limit) the
// cap drops to what was open and creeps back up as requests succeed.

export interface LineLease {
  /** Gives the line back; later calls do nothing. */
  release(): void;
}

interface Waiter {
  readonly resolve: (lease: LineLease) => void;
  readonly reject: (reason: unknown) => void;
  readonly detach: () => void;
}

/** Successful requests between two steps of the limit back up after a 101. */
const RECOVER_EVERY = 20;

export class LineCap {
  readonly maxLines: number;
  private currentLimit: number;
  private openLines = 0;
  private highWater = 0;
  private successes = 0;
  private readonly waiters: Waiter[] = [];
  private closedReason: Error | undefined;

  constructor(maxLines: number) {
    if (!Number.isInteger(maxLines) || maxLines < 1) throw new RangeError(`maxLines must be a positive integer, got ${maxLines}`);
    this.maxLines = maxLines;
    this.currentLimit = maxLines;
  }

  /** Lines open now. */
  get open(): number {
    return this.openLines;
  }

  /** How many may be open now (below maxLines after a 101). */
  get limit(): number {
    return this.currentLimit;
  }

  /** The most lines ever open at once. */
  get maxOpen(): number {
    return this.highWater;
  }

  get waiting(): number {
    return this.waiters.length;
  }

  /** A line, as soon as one is free (first come, first served). Rejects with the signal's reason on abort. */
  acquire(signal?: AbortSignal): Promise<LineLease> {
    if (this.closedReason !== undefined) return Promise.reject(this.closedReason);
    if (signal?.aborted === true) return Promise.reject(abortReason(signal));
    if (this.waiters.length === 0 && this.openLines < this.currentLimit) return Promise.resolve(this.lease());
    return new Promise<LineLease>((resolve, reject) => {
      const onAbort = (): void => {
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
        if (signal) reject(abortReason(signal));
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener("abort", onAbort) };
      signal?.addEventListener("abort", onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  /**
   * Up to `count` lines at once, leaving `reserve` free for others (a live feed must not take
   * the lines quote requests need): never waits, may return fewer, or none.
   */
  takeUpTo(count: number, reserve: number): LineLease[] {
    const leases: LineLease[] = [];
    if (this.closedReason !== undefined || this.waiters.length > 0) return leases;
    while (leases.length < count && this.openLines < this.currentLimit - reserve) leases.push(this.lease());
    return leases;
  }

  /** TWS answered 101: open no more than are open now (at least one) until requests succeed again. */
  reduce(): void {
    this.currentLimit = Math.max(1, Math.min(this.currentLimit, this.openLines));
    this.successes = 0;
  }

  /** A request on a line succeeded: after a 101, every RECOVER_EVERY of these give one line back. */
  recordSuccess(): void {
    if (this.currentLimit >= this.maxLines) return;
    this.successes++;
    if (this.successes >= RECOVER_EVERY) {
      this.successes = 0;
      this.currentLimit++;
      this.wake();
    }
  }

  /** Rejects every waiter and every later acquire with `reason`. */
  close(reason: Error): void {
    this.closedReason = reason;
    for (const waiter of this.waiters.splice(0)) {
      waiter.detach();
      waiter.reject(reason);
    }
  }

  private lease(): LineLease {
    this.openLines++;
    this.highWater = Math.max(this.highWater, this.openLines);
    let held = true;
    return {
      release: () => {
        if (!held) return;
        held = false;
        this.openLines--;
        this.wake();
      },
    };
  }

  private wake(): void {
    while (this.waiters.length > 0 && this.openLines < this.currentLimit) {
      const waiter = this.waiters.shift();
      if (!waiter) return;
      waiter.detach();
      waiter.resolve(this.lease());
    }
  }
}

/** The caller's own reason, unchanged when it is an Error (an AbortError DOMException by default). */
function abortReason(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new Error(String(signal.reason));
}
