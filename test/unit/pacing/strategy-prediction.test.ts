// delayFor(n) is what the pacer tells a newcomer about its wait (and refuses on), so it must
// be exact: after any history, the n-th grant of a caller that takes as soon as allowed lands
// exactly where delayFor(n) said.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { AdaptiveBucket, FixedWindow, SlidingWindow, TokenBucket, type RateStrategy } from "../../../services/coordinator/pacing/index.js";

type Factory = (clock: () => number) => RateStrategy;

const strategies: [string, Factory][] = [
  ["token bucket", (clock) => new TokenBucket(7, 5, clock)],
  ["sliding window", (clock) => new SlidingWindow(7, clock)],
  ["sliding window, below 1/s", (clock) => new SlidingWindow(0.4, clock)],
  ["fixed window", (clock) => new FixedWindow(7, clock)],
  ["fixed window, below 1/s", (clock) => new FixedWindow(0.4, clock)],
  ["adaptive", (clock) => new AdaptiveBucket(7, 5, 1000, clock)],
];

/** A history: gaps between attempts, each attempt taking when allowed. */
const historyArbitrary = fc.array(fc.integer({ min: 0, max: 700 }), { maxLength: 60 });

describe.each(strategies)("%s: delayFor predicts the grants", (_name, create) => {
  it("matches a greedy caller's actual grant times", () => {
    fc.assert(
      fc.property(historyArbitrary, fc.integer({ min: 1, max: 25 }), fc.integer({ min: 0, max: 3000 }), (gaps, count, start) => {
        let now = start;
        const strategy = create(() => now);
        for (const gap of gaps) {
          now += gap;
          if (strategy.delayFor(1) === 0) {
            strategy.take();
          }
        }
        const from = now;
        const predicted = Array.from({ length: count }, (_, i) => from + strategy.delayFor(i + 1));
        const actual: number[] = [];
        for (let i = 0; i < count; i++) {
          now += strategy.delayFor(1);
          expect(strategy.delayFor(1)).toBe(0);
          strategy.take();
          actual.push(now);
        }
        for (let i = 0; i < count; i++) {
          expect(actual[i]).toBeCloseTo(predicted[i]!, 6);
        }
      }),
      { numRuns: 200, seed: 20_240_601 },
    );
  });
});
