// The adaptive strategy: failures and slow responses cut the rate by half (once per target
// latency), fast successes raise it step by step, and it stays between its floor and ceiling.
import fc from "fast-check";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AdaptiveBucket, adaptiveLimits, type Pacer } from "../../../services/coordinator/pacing/index.js";
import { pacerOnFakeTime } from "./pacing-support.js";

const FAST = { durationMs: 50, success: true };
const SLOW = { durationMs: 3000, success: true };
const FAILED = { durationMs: 50, success: false };

function adaptiveAt(rate: number, target = 1000) {
  const clock = { now: 0 };
  const strategy = new AdaptiveBucket(rate, 20, target, () => clock.now);
  return { clock, strategy };
}

let pacer: Pacer | undefined;

afterEach(() => {
  pacer?.close();
  pacer = undefined;
  vi.useRealTimers();
});

describe("adaptive rate", () => {
  it("has the configured rate as ceiling, 10% of it (at least 0.1/s) as floor, 5% of it as step", () => {
    expect(adaptiveLimits(10)).toEqual({ ceiling: 10, floor: 1, step: 0.5 });
    expect(adaptiveLimits(0.5)).toEqual({ ceiling: 0.5, floor: 0.1, step: 0.025 });
    // A floor above the ceiling would make no sense: a tiny configured rate is both.
    expect(adaptiveLimits(0.05)).toMatchObject({ ceiling: 0.05, floor: 0.05 });
  });

  it("starts at the configured rate", () => {
    expect(adaptiveAt(10).strategy.currentRate).toBe(10);
  });

  it("halves on a failure, at most once per target latency, down to the floor", () => {
    const { clock, strategy } = adaptiveAt(10);
    strategy.onResult(FAILED);
    expect(strategy.currentRate).toBe(5);
    // Answers to requests sent before the cut do not cut again.
    strategy.onResult(FAILED);
    clock.now = 999;
    strategy.onResult(FAILED);
    expect(strategy.currentRate).toBe(5);
    clock.now = 1000;
    strategy.onResult(FAILED);
    expect(strategy.currentRate).toBe(2.5);
    for (let i = 0; i < 10; i++) {
      clock.now += 1000;
      strategy.onResult(FAILED);
    }
    expect(strategy.currentRate).toBe(1);
  });

  it("falls when the recent average response time exceeds the target, even without failures", () => {
    const { clock, strategy } = adaptiveAt(10, 500);
    strategy.onResult({ durationMs: 400, success: true });
    expect(strategy.currentRate).toBe(10);
    // 400 and 700 average 550 > 500.
    strategy.onResult({ durationMs: 700, success: true });
    expect(strategy.currentRate).toBe(5);
    for (let i = 0; i < 5; i++) {
      clock.now += 500;
      strategy.onResult(SLOW);
    }
    expect(strategy.currentRate).toBe(1);
  });

  it("recovers under fast successes, one step each, and stops at the ceiling", () => {
    const { clock, strategy } = adaptiveAt(10);
    for (let i = 0; i < 6; i++) {
      clock.now += 1000;
      strategy.onResult(SLOW);
    }
    expect(strategy.currentRate).toBe(1);
    // Ten fast answers push the slow ones out of the recent average; each of those already
    // under the target adds a step once the average is back under it.
    const rates: number[] = [];
    for (let i = 0; i < 40; i++) {
      clock.now += 100;
      strategy.onResult(FAST);
      rates.push(strategy.currentRate);
    }
    expect(rates[rates.length - 1]).toBe(10);
    for (let i = 1; i < rates.length; i++) {
      expect(rates[i]! - rates[i - 1]!).toBeGreaterThanOrEqual(0);
      expect(rates[i]! - rates[i - 1]!).toBeLessThanOrEqual(0.5 + 1e-9);
    }
  });

  it("stays between floor and ceiling whatever the responses", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.01, max: 200, noNaN: true }),
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3000 }), durationMs: fc.integer({ min: 0, max: 5000 }), success: fc.boolean() }), {
          maxLength: 200,
        }),
        (rate, outcomes) => {
          const { clock, strategy } = adaptiveAt(rate);
          const { floor, ceiling } = adaptiveLimits(rate);
          for (const outcome of outcomes) {
            clock.now += outcome.gap;
            strategy.onResult(outcome);
            expect(strategy.currentRate).toBeGreaterThanOrEqual(floor);
            expect(strategy.currentRate).toBeLessThanOrEqual(ceiling);
          }
        },
      ),
      { numRuns: 300, seed: 7_117 },
    );
  });

  it("paces grants at the lowered rate and reports it as adaptiveRate", async () => {
    pacer = pacerOnFakeTime({ strategy: "adaptive", requestsPerSecond: 10, burstSize: 1, maxWaitMs: 1e9 });
    expect(pacer.metrics().adaptiveRate).toBe(10);
    await pacer.acquire();
    pacer.recordRequest({ duration: 20, success: false, queueTime: 0 });
    expect(pacer.metrics().adaptiveRate).toBe(5);

    const granted: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      void pacer.acquire().then(() => granted.push(Date.now() - start));
    }
    await vi.advanceTimersByTimeAsync(600);
    expect(granted).toEqual([200, 400, 600]);
  });

  it("moves a waiting head's timer when the rate changes", async () => {
    pacer = pacerOnFakeTime({ strategy: "adaptive", requestsPerSecond: 10, burstSize: 1, maxWaitMs: 1e9 });
    await pacer.acquire();
    let grantedAt: number | undefined;
    const start = Date.now();
    void pacer.acquire().then(() => (grantedAt = Date.now() - start));
    await vi.advanceTimersByTimeAsync(50);
    // Half a token earned at 10/s; the other half at 5/s takes another 100 ms.
    pacer.recordRequest({ duration: 20, success: false, queueTime: 0 });
    await vi.advanceTimersByTimeAsync(99);
    expect(grantedAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(grantedAt).toBe(150);
  });
});
