// A token bucket whose rate follows the responses (AIMD, as TCP does): a fast success adds a
// little, a failure or a slow recent average halves it. The ceiling is the configured rate, not
// a multiple of it: REQUESTS_PER_SECOND may be set to a hard limit (IBKR's pacing) that no
// amount of fast answers makes safe to exceed.
import type { RateStrategy, StrategyOutcome } from "./rate-strategy.js";
import { RecentAverage } from "./recent-average.js";
import { TokenBucket } from "../../common/rate/token-bucket.js";

/** The floor is this fraction of the configured rate… */
const FLOOR_FRACTION = 0.1;
/** …but never below this many per second, so a struggling dependency is still probed. */
const FLOOR_MIN_RATE = 0.1;
/** Additive increase per fast success, as a fraction of the ceiling: 20 in a row recover fully. */
const INCREASE_FRACTION = 0.05;
const DECREASE_FACTOR = 0.5;
/** How many of the latest responses make the "recent average". */
const RECENT_RESPONSES = 10;

export interface AdaptiveLimits {
  readonly floor: number;
  readonly ceiling: number;
  readonly step: number;
}

export function adaptiveLimits(requestsPerSecond: number): AdaptiveLimits {
  const ceiling = requestsPerSecond;
  return {
    ceiling,
    floor: Math.min(ceiling, Math.max(FLOOR_MIN_RATE, ceiling * FLOOR_FRACTION)),
    step: ceiling * INCREASE_FRACTION,
  };
}

export class AdaptiveBucket implements RateStrategy {
  readonly limits: AdaptiveLimits;
  private readonly bucket: TokenBucket;
  private readonly recent = new RecentAverage(RECENT_RESPONSES);
  private decreasedAt = Number.NEGATIVE_INFINITY;

  constructor(
    requestsPerSecond: number,
    burstSize: number,
    private readonly targetLatencyMs: number,
    private readonly now: () => number,
  ) {
    this.limits = adaptiveLimits(requestsPerSecond);
    this.bucket = new TokenBucket(this.limits.ceiling, burstSize, now);
  }

  get rate(): number {
    return this.bucket.rate;
  }

  /** GetMetrics' `backpressure.adaptive_rate`. */
  get currentRate(): number {
    return this.bucket.rate;
  }

  delayFor(count: number): number {
    return this.bucket.delayFor(count);
  }

  take(): void {
    this.bucket.take();
  }

  onResult(outcome: StrategyOutcome): void {
    this.recent.add(outcome.durationMs);
    if (!outcome.success || this.recent.value > this.targetLatencyMs) {
      this.decrease();
    } else if (outcome.durationMs <= this.targetLatencyMs) {
      this.bucket.setRate(Math.min(this.limits.ceiling, this.bucket.rate + this.limits.step));
    }
  }

  private decrease(): void {
    const at = this.now();
    // Answers arriving within one target latency of a cut were mostly sent before it; halving
    // again for each of them would take the rate to the floor on a single bad moment.
    if (at - this.decreasedAt < this.targetLatencyMs) {
      return;
    }
    this.decreasedAt = at;
    this.bucket.setRate(Math.max(this.limits.floor, this.bucket.rate * DECREASE_FACTOR));
  }
}
