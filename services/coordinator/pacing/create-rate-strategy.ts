// The one place a strategy name becomes a strategy.
import { AdaptiveBucket } from "./adaptive-bucket.js";
import { FixedWindow } from "./fixed-window.js";
import type { RateStrategy } from "./rate-strategy.js";
import { SlidingWindow } from "./sliding-window.js";
import { TokenBucket } from "../../common/rate/token-bucket.js";

export type RateStrategyName = "token-bucket" | "sliding-window" | "fixed-window" | "adaptive";

export interface RateStrategySettings {
  readonly requestsPerSecond: number;
  readonly burstSize: number;
  readonly targetLatencyMs: number;
  readonly now: () => number;
}

export function createRateStrategy(name: RateStrategyName, settings: RateStrategySettings): RateStrategy {
  const { requestsPerSecond, burstSize, targetLatencyMs, now } = settings;
  switch (name) {
    case "token-bucket":
      return new TokenBucket(requestsPerSecond, burstSize, now);
    case "sliding-window":
      return new SlidingWindow(requestsPerSecond, now);
    case "fixed-window":
      return new FixedWindow(requestsPerSecond, now);
    case "adaptive":
      return new AdaptiveBucket(requestsPerSecond, burstSize, targetLatencyMs, now);
  }
}
