// An idle bucket lets exactly burstSize through at once, then the steady rate, both through
// the pacer (fast path, then the queue's timer) and on the strategy alone.
import { afterEach, describe, expect, it, vi } from "vitest";
import { TokenBucket, type Pacer } from "../../../services/coordinator/pacing/index.js";
import { pacerOnFakeTime, START } from "./pacing-support.js";

let pacer: Pacer | undefined;

afterEach(() => {
  pacer?.close();
  pacer = undefined;
  vi.useRealTimers();
});

describe("token bucket", () => {
  it("grants exactly burstSize at once when idle, then one every 1000 / rate ms", async () => {
    pacer = pacerOnFakeTime({ strategy: "token-bucket", requestsPerSecond: 10, burstSize: 20, maxWaitMs: 1e9 });
    const granted: number[] = [];
    const queueTimes: number[] = [];
    for (let i = 0; i < 30; i++) {
      void pacer.acquire().then((grant) => {
        granted.push(Date.now() - START);
        queueTimes.push(grant.queueTimeMs);
      });
    }
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual(new Array(20).fill(0));
    expect(pacer.queued).toBe(10);

    await vi.advanceTimersByTimeAsync(99);
    expect(granted).toHaveLength(20);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toHaveLength(21);

    await vi.advanceTimersByTimeAsync(900);
    expect(granted.slice(20)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
    expect(queueTimes.slice(20)).toEqual([100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  });

  it("refills while idle, but never beyond burstSize", () => {
    let now = 0;
    const bucket = new TokenBucket(4, 3, () => now);
    for (let i = 0; i < 3; i++) {
      expect(bucket.delayFor(1)).toBe(0);
      bucket.take();
    }
    expect(bucket.delayFor(1)).toBe(250);
    now = 500;
    expect(bucket.delayFor(2)).toBe(0);
    expect(bucket.delayFor(3)).toBe(250);
    now = 60_000;
    expect(bucket.delayFor(3)).toBe(0);
    expect(bucket.delayFor(4)).toBe(250);
    // Counts beyond the capacity are still reached at the steady rate.
    expect(bucket.delayFor(13)).toBe(2500);
  });

  it("keeps tokens earned at the old rate when the rate changes", () => {
    let now = 0;
    const bucket = new TokenBucket(10, 1, () => now);
    bucket.take();
    now = 50; // half a token at 10/s
    bucket.setRate(1);
    // The other half at 1/s takes 500 ms.
    expect(bucket.delayFor(1)).toBeCloseTo(500, 9);
    expect(bucket.rate).toBe(1);
  });

  it("tryTake takes a token when one is there, and otherwise takes none and tells the wait", () => {
    let now = 0;
    const bucket = new TokenBucket(4, 2, () => now);
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(250);
    // Refused: nothing was taken, so the wait shrinks with time instead of growing.
    now = 100;
    expect(bucket.tryTake()).toBeCloseTo(150, 9);
    now = 250;
    expect(bucket.tryTake()).toBe(0);
    expect(bucket.tryTake()).toBe(250);
  });
});
