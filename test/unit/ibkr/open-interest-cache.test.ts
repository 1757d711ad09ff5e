// Today's open interest per contract: kept for the New York trading day, gone the next.
import { describe, expect, it } from "vitest";
import { OpenInterestCache } from "../../../services/coordinator/market/ibkr/open-interest-cache.js";

describe("OpenInterestCache", () => {
  it("keeps a contract's open interest until New York's date changes", () => {
    // 23:30 in New York on 11 March 2026 (UTC−4 after the switch to daylight time on the 8th).
    let now = new Date("2026-03-12T03:30:00Z");
    const cache = new OpenInterestCache(() => now);
    cache.set("SPY|SPY|2026-04-10|580|P", 950);
    expect(cache.get("SPY|SPY|2026-04-10|580|P")).toBe(950);
    now = new Date("2026-03-12T03:59:00Z");
    expect(cache.get("SPY|SPY|2026-04-10|580|P")).toBe(950);
    // Midnight in New York: a new trading day, whose open interest OCC publishes afresh.
    now = new Date("2026-03-12T04:00:00Z");
    expect(cache.get("SPY|SPY|2026-04-10|580|P")).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it("keeps a known 0 as 0", () => {
    const cache = new OpenInterestCache(() => new Date("2026-03-11T15:00:00Z"));
    cache.set("k", 0);
    expect(cache.get("k")).toBe(0);
  });

  it("lets the oldest go beyond its bound", () => {
    const cache = new OpenInterestCache(() => new Date("2026-03-11T15:00:00Z"), 2);
    cache.set("a", 1);
    cache.set("b", 2);
    cache.set("c", 3);
    expect([cache.get("a"), cache.get("b"), cache.get("c")]).toEqual([undefined, 2, 3]);
  });
});
