// The pacer's public face: what main.ts wires and what the metrics read.
export { Pacer, type AcquireOptions, type PacingMetrics, type PacingOptions, type Grant, type RateStrategyName, type RequestOutcome } from "./pacer.js";
export type { RateStrategy, StrategyOutcome } from "./rate-strategy.js";
export { TokenBucket } from "../../common/rate/token-bucket.js";
export { SlidingWindow } from "./sliding-window.js";
export { FixedWindow } from "./fixed-window.js";
export { AdaptiveBucket, adaptiveLimits, type AdaptiveLimits } from "./adaptive-bucket.js";
