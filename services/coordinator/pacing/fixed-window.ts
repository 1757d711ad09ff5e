// At most `limit` grants per window aligned on multiples of `windowMs` of the clock. Cheap and
// simple, at the known cost that two adjacent windows can grant 2 × limit across their border.
import type { RateStrategy } from "./rate-strategy.js";
import { windowLimit } from "./window-limit.js";

export class FixedWindow implements RateStrategy {
  readonly rate: number;
  private readonly limit: number;
  private readonly windowMs: number;
  private windowStart = Number.NEGATIVE_INFINITY;
  private granted = 0;

  constructor(
    requestsPerSecond: number,
    private readonly now: () => number,
  ) {
    this.rate = requestsPerSecond;
    ({ limit: this.limit, windowMs: this.windowMs } = windowLimit(requestsPerSecond));
  }

  delayFor(count: number): number {
    const at = this.now();
    this.roll(at);
    // Which window, counting this one as 0, the `count`-th grant from now falls in.
    const windowsAhead = Math.floor((this.granted + count - 1) / this.limit);
    return windowsAhead === 0 ? 0 : this.windowStart + windowsAhead * this.windowMs - at;
  }

  take(): void {
    this.roll(this.now());
    this.granted += 1;
  }

  private roll(at: number): void {
    const start = Math.floor(at / this.windowMs) * this.windowMs;
    // Only forward: a clock stepping back must not reopen a window already used up.
    if (start > this.windowStart) {
      this.windowStart = start;
      this.granted = 0;
    }
  }
}
