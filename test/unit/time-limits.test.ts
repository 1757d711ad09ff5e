import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TimeLimitQueue } from "../../services/common/time-limits.js";

describe("time limit queue", () => {
  let now = 0;
  beforeEach(() => {
    vi.useFakeTimers();
    now = 1_000;
  });
  afterEach(() => vi.useRealTimers());
  const advance = (ms: number): void => {
    now += ms;
    vi.advanceTimersByTime(ms);
  };

  it("expires each limit once, limitMs after it started, in the order they started", () => {
    const queue = new TimeLimitQueue(100, () => now);
    const expired: string[] = [];
    queue.start(() => expired.push("a"));
    advance(30);
    queue.start(() => expired.push("b"));
    advance(69);
    expect(expired).toEqual([]);
    advance(1);
    expect(expired).toEqual(["a"]);
    advance(29);
    expect(expired).toEqual(["a"]);
    advance(1);
    expect(expired).toEqual(["a", "b"]);
    advance(1_000);
    expect(expired).toEqual(["a", "b"]);
    expect(queue.pending).toBe(0);
  });

  it("never expires a cancelled limit, and keeps timing the ones behind it", () => {
    const queue = new TimeLimitQueue(100, () => now);
    const expired: string[] = [];
    const first = queue.start(() => expired.push("first"));
    advance(50);
    queue.start(() => expired.push("second"));
    first.cancel();
    advance(60);
    expect(expired).toEqual([]);
    advance(40);
    expect(expired).toEqual(["second"]);
  });

  it("holds nothing for calls that ended, however many", () => {
    const queue = new TimeLimitQueue(30_000, () => now);
    for (let call = 0; call < 10_000; call++) queue.start(() => undefined).cancel();
    expect(queue.pending).toBe(0);
    // Ended out of order behind a live head: dropped once the head goes.
    const head = queue.start(() => undefined);
    const rest = Array.from({ length: 5_000 }, () => queue.start(() => undefined));
    for (const limit of rest) limit.cancel();
    expect(queue.pending).toBe(5_001);
    head.cancel();
    expect(queue.pending).toBe(0);
  });

  it("a limit started from an expiry is timed in full", () => {
    const queue = new TimeLimitQueue(100, () => now);
    const expired: number[] = [];
    queue.start(() => {
      expired.push(now);
      queue.start(() => expired.push(now));
    });
    advance(100);
    advance(99);
    expect(expired).toEqual([1_100]);
    advance(1);
    expect(expired).toEqual([1_100, 1_200]);
  });
});
