// Over a long run with many concurrent callers, no window grants more than the strategy
// promises, and the strategy does grant that much when callers keep asking (it is not merely
// slow). Every window start is checked, not just aligned ones.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Pacer } from "../../../services/coordinator/pacing/index.js";
import { busiestAlignedWindow, busiestWindow, driveLongRun, pacerOnFakeTime, START } from "./pacing-support.js";

const RUN_MS = 10_000;
let pacer: Pacer | undefined;

afterEach(() => {
  pacer?.close();
  pacer = undefined;
  vi.useRealTimers();
});

describe("strategy bounds over a long run", () => {
  it("token bucket: at most burstSize + rate in any closed 1000 ms window, and exactly burst + rate × time overall", async () => {
    pacer = pacerOnFakeTime({ strategy: "token-bucket", requestsPerSecond: 10, burstSize: 20, maxQueue: 100_000, maxWaitMs: 1e9 });
    const { grants, refused } = await driveLongRun(pacer, RUN_MS);
    expect(refused).toBe(0);
    expect(busiestWindow(grants, 1000, true)).toBe(30);
    // Saturated from the start: 20 at once, then one every 100 ms up to and including t = 10 s.
    expect(grants.filter((at) => at <= START + RUN_MS)).toHaveLength(20 + 100);
    // After the burst, never two grants closer than the steady rate allows.
    const steady = grants.slice(20);
    for (let i = 1; i < steady.length; i++) {
      expect(steady[i]! - steady[i - 1]!).toBeGreaterThanOrEqual(100);
    }
  });

  it("sliding window: at most rate grants in any 1000 ms window, whatever its start", async () => {
    pacer = pacerOnFakeTime({ strategy: "sliding-window", requestsPerSecond: 10, maxQueue: 100_000, maxWaitMs: 1e9 });
    const { grants } = await driveLongRun(pacer, RUN_MS);
    expect(busiestWindow(grants, 1000, false)).toBe(10);
    // Grant k and grant k + 10 are never less than a window apart.
    for (let i = 10; i < grants.length; i++) {
      expect(grants[i]! - grants[i - 10]!).toBeGreaterThanOrEqual(1000);
    }
    // Saturated: 10 per window for 10 windows, plus the 11th window's opening at t = 10 s.
    expect(grants.filter((at) => at <= START + RUN_MS)).toHaveLength(110);
  });

  it("fixed window: at most rate per aligned window, at most twice that across a border", async () => {
    pacer = pacerOnFakeTime({ strategy: "fixed-window", requestsPerSecond: 10, maxQueue: 100_000, maxWaitMs: 1e9 });
    const { grants } = await driveLongRun(pacer, RUN_MS);
    expect(busiestAlignedWindow(grants, 1000)).toBe(10);
    expect(busiestWindow(grants, 1000, false)).toBeLessThanOrEqual(20);
    // Every aligned window the run fully covers is used to the full.
    const firstFull = Math.ceil(START / 1000);
    for (let window = firstFull; window < Math.floor((START + RUN_MS) / 1000); window++) {
      expect(grants.filter((at) => Math.floor(at / 1000) === window)).toHaveLength(10);
    }
  });

  it("adaptive: at most burstSize + ceiling in any closed 1000 ms window while the rate moves", async () => {
    pacer = pacerOnFakeTime({ strategy: "adaptive", requestsPerSecond: 10, burstSize: 20, maxQueue: 100_000, maxWaitMs: 1e9 });
    const h = pacer;
    const rates: number[] = [];
    // Alternate bad and good spells of responses so the rate goes down and back up.
    const { grants } = await driveLongRun(h, RUN_MS, (index) => {
      const bad = Math.floor(index / 40) % 2 === 1;
      h.recordRequest({ duration: bad ? 3000 : 50, success: !bad || index % 3 !== 0, queueTime: 0 });
      rates.push(h.metrics().adaptiveRate);
    });
    expect(busiestWindow(grants, 1000, true)).toBeLessThanOrEqual(30);
    expect(Math.min(...rates)).toBeLessThan(10);
    expect(Math.min(...rates)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...rates)).toBeLessThanOrEqual(10);
    // Slower than a plain bucket at the configured rate would be: the cuts were real.
    expect(grants.filter((at) => at <= START + RUN_MS).length).toBeLessThan(120);
  });

  it.each([
    ["sliding-window", 2.5, 2, 1000],
    ["sliding-window", 0.5, 1, 2000],
    ["fixed-window", 2.5, 2, 1000],
    ["fixed-window", 0.5, 1, 2000],
  ] as const)("%s at %d/s: fractional rates round down to whole grants (%d per %d ms)", async (strategy, rate, limit, windowMs) => {
    pacer = pacerOnFakeTime({ strategy, requestsPerSecond: rate, maxQueue: 100_000, maxWaitMs: 1e9 });
    const { grants } = await driveLongRun(pacer, RUN_MS);
    if (strategy === "sliding-window") {
      expect(busiestWindow(grants, windowMs, false)).toBe(limit);
    } else {
      expect(busiestAlignedWindow(grants, windowMs)).toBe(limit);
    }
    expect(busiestWindow(grants, 1000, false)).toBeLessThanOrEqual(strategy === "sliding-window" ? Math.max(1, Math.floor(rate)) : 2 * limit);
  });
});
