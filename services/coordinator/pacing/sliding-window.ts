// At most `limit` grants in any window of `windowMs`, whatever its start: a grant is allowed
// when the grant `limit` places before it is at least a window old. Only the last `limit` grant
// times matter for that, so they are kept in a ring rather than a growing log.
import type { RateStrategy } from "./rate-strategy.js";
import { windowLimit } from "./window-limit.js";

export class SlidingWindow implements RateStrategy {
  readonly rate: number;
  private readonly limit: number;
  private readonly windowMs: number;
  /** Grant times, oldest at `oldest`, once the ring is full; grows to `limit` entries at most. */
  private readonly grants: number[] = [];
  private oldest = 0;

  constructor(
    requestsPerSecond: number,
    private readonly now: () => number,
  ) {
    this.rate = requestsPerSecond;
    ({ limit: this.limit, windowMs: this.windowMs } = windowLimit(requestsPerSecond));
  }

  delayFor(count: number): number {
    const at = this.now();
    // The k-th future grant (1-based) is bounded by the grant `limit` places before it. For
    // k ≤ limit that is a recorded grant (or none yet); beyond, it is future grant k − limit,
    // which is itself at `now` or later, so each further lap of `limit` grants adds one window.
    const laps = Math.floor((count - 1) / this.limit);
    const place = count - laps * this.limit;
    const unconstrained = this.limit - this.grants.length;
    let first = at;
    if (place > unconstrained) {
      const recorded = this.grants[(this.oldest + place - unconstrained - 1) % this.limit] ?? at;
      first = Math.max(at, recorded + this.windowMs);
    }
    return first + laps * this.windowMs - at;
  }

  take(): void {
    const at = this.now();
    if (this.grants.length < this.limit) {
      this.grants.push(at);
      return;
    }
    this.grants[this.oldest] = at;
    this.oldest = (this.oldest + 1) % this.limit;
  }
}
