// The pacing part of GetMetrics' backpressure block: current_qps and average_response_time from
// recorded requests, and adaptive_rate (the configured rate for the fixed strategies).
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pacer } from "../../../services/coordinator/pacing/index.js";
import { pacerOnFakeTime } from "./pacing-support.js";

let pacer: Pacer | undefined;

afterEach(() => {
  pacer?.close();
  pacer = undefined;
  vi.useRealTimers();
});

describe("pacing metrics", () => {
  it("start at zero with the configured rate", () => {
    pacer = pacerOnFakeTime({ strategy: "sliding-window", requestsPerSecond: 7 });
    expect(pacer.metrics()).toEqual({ currentQps: 0, averageResponseTime: 0, adaptiveRate: 7 });
  });

  it("current_qps counts recorded requests per second over the current second and the nine before it", () => {
    const h = (pacer = pacerOnFakeTime());
    // 8 requests a second for 3 s: a young pacer divides by its age, not by ten seconds.
    for (let i = 0; i < 24; i++) {
      h.recordRequest({ duration: 10, success: true, queueTime: 0 });
      vi.advanceTimersByTime(125);
    }
    expect(h.metrics().currentQps).toBe(8);
    // Then 2 a second for 7 s more. Seconds are whole seconds of the clock and START is 250 ms
    // into one, so the span counted is the 9.25 s since START + 750: 18 of the first 24, all 14.
    for (let i = 0; i < 14; i++) {
      h.recordRequest({ duration: 10, success: i % 2 === 0, queueTime: 0 });
      vi.advanceTimersByTime(500);
    }
    expect(h.metrics().currentQps).toBeCloseTo((18 + 14) / 9.25, 9);
    // Ten idle seconds later nothing recent is left.
    vi.advanceTimersByTime(10_000);
    expect(h.metrics().currentQps).toBe(0);
  });

  it("does not count grants that were never recorded", async () => {
    const h = (pacer = pacerOnFakeTime());
    for (let i = 0; i < 10; i++) {
      await h.acquire();
    }
    expect(h.metrics().currentQps).toBe(0);
  });

  it("average_response_time is the mean of the latest 100 recorded durations, in ms", () => {
    const h = (pacer = pacerOnFakeTime());
    h.recordRequest({ duration: 100, success: true, queueTime: 5 });
    h.recordRequest({ duration: 300, success: false, queueTime: 0 });
    expect(h.metrics().averageResponseTime).toBe(200);
    for (let i = 0; i < 100; i++) {
      h.recordRequest({ duration: 40, success: true, queueTime: 0 });
    }
    expect(h.metrics().averageResponseTime).toBe(40);
  });
});
