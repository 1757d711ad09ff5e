// Up to `capacity` grants at once after an idle spell, then a steady `rate` per second: the
// pacer's default strategy, and the services' per-client call limits. Tokens
// refill continuously, computed on demand from the clock, so the bucket needs no timer.

/**
 * Delays are computed in floating point, so a grant due after 100 ms may come out as
 * 100.0000000001 ms. Anything within this much of due is due: it keeps a timer from waking a
 * whole millisecond late, or waking early only to be set again. Far below a clock's resolution.
 */
export const GRANT_SLACK_MS = 1e-6;

export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private ratePerMs: number;

  constructor(
    rate: number,
    private readonly capacity: number,
    private readonly now: () => number,
  ) {
    this.ratePerMs = rate / 1000;
    this.tokens = capacity;
    this.refilledAt = now();
  }

  get rate(): number {
    return this.ratePerMs * 1000;
  }

  /** Changes the refill rate from now on; tokens earned until now are kept at the old rate. */
  setRate(rate: number): void {
    this.refill();
    this.ratePerMs = rate / 1000;
  }

  delayFor(count: number): number {
    this.refill();
    const missing = count - this.tokens;
    // Grants are taken as soon as a token is there, so the bucket never sits full while the
    // queue waits: `missing` tokens take exactly missing / rate, even past `capacity`.
    const delay = missing / this.ratePerMs;
    return delay <= GRANT_SLACK_MS ? 0 : delay;
  }

  /** Takes a token if one is there and answers 0; else takes none and answers the wait for one, ms. */
  tryTake(): number {
    this.refill();
    const delay = (1 - this.tokens) / this.ratePerMs;
    if (delay > GRANT_SLACK_MS) return delay;
    this.tokens -= 1;
    return 0;
  }

  take(): void {
    this.refill();
    this.tokens -= 1;
  }

  private refill(): void {
    const at = this.now();
    // A clock that steps back (wall-clock adjustments) must not drain the bucket.
    const elapsed = Math.max(0, at - this.refilledAt);
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerMs);
    this.refilledAt = Math.max(at, this.refilledAt);
  }
}
