// Predictive invalidation on the coordinator's real cache: a feed's update that leaves a result's
// reach digest as it was keeps the result (counted kept), one that moves it drops the result at
// once (counted early) and, when callers were asking for it, has it recomputed; a result stored
// without a digest is dropped by any update of its symbol, and other symbols' results are untouched.
import { Registry } from "prom-client";
import { afterEach, describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { ScanCache } from "../../../services/coordinator/scan-cache.js";
import { scanKey } from "../../../services/coordinator/scan-request.js";
import { CacheWarmingMetrics } from "../../../services/coordinator/warming/cache-warming-metrics.js";
import { PredictiveInvalidation } from "../../../services/coordinator/warming/predictive-invalidation.js";
import { sumOfSamples } from "../../support/prometheus-samples.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const quote = (expiryDate: string, volume: bigint): OptionQuote =>
  OptionQuote.fromPartial({ expiryDate, strike: 100, right: OptionRight.OPTION_RIGHT_CALL, bid: 1, ask: 1.1, volume, impliedVolatility: 0.2 });
const chainWith = (symbol: string, { spot = 100, farVolume = 5n } = {}): OptionChain =>
  OptionChain.fromPartial({ symbol, underlyingPrice: spot, asOf: AS_OF, quotes: [quote("2026-11-27", 5n), quote("2027-01-15", farVolume)] });
const QUERY = ScanQuery.fromPartial({ filters: { minDte: 0, maxDte: 10 } });

const caches: ScanCache[] = [];
afterEach(() => caches.splice(0).forEach((cache) => cache.close()));

function setUp() {
  const cache = new ScanCache(60_000);
  caches.push(cache);
  const registry = new Registry();
  const refreshed: string[] = [];
  const asked = new Set<string>();
  const invalidation = new PredictiveInvalidation({
    cache,
    metrics: new CacheWarmingMetrics(registry, 0.2),
    refreshAhead: { wasAskedFor: (entry) => asked.has(entry.jobId), refreshNow: (_symbol, _query, key) => void refreshed.push(key) },
  });
  const store = (symbol: string, jobId: string, reach: string | undefined): string => {
    const key = scanKey(symbol, `q-${jobId}`);
    cache.set(key, { result: ScanResult.fromPartial({ symbol }), jobId, storedAt: Date.now(), query: QUERY, reach });
    return key;
  };
  const count = async (metric: string): Promise<number> => sumOfSamples(await registry.metrics(), metric);
  return { cache, invalidation, refreshed, asked, store, count };
}

describe("predictive invalidation", () => {
  it("keeps a result through an update outside its reach and drops it, and only it, on one inside", async () => {
    const { cache, invalidation, refreshed, asked, store, count } = setUp();
    const digest = PredictiveInvalidation.digestOf(chainWith("SPY"), QUERY);
    const kept = store("SPY", "job-1", digest);
    const other = store("QQQ", "job-2", PredictiveInvalidation.digestOf(chainWith("QQQ"), QUERY));
    asked.add("job-1");

    invalidation.chainUpdated(chainWith("SPY", { farVolume: 900n }));
    expect(cache.get(kept)?.jobId).toBe("job-1");
    expect(await count("spreadscan_scan_cache_kept_on_update_total")).toBe(1);
    expect(await count("spreadscan_scan_cache_early_invalidations_total")).toBe(0);

    invalidation.chainUpdated(chainWith("SPY", { spot: 100.5 }));
    expect(cache.get(kept)).toBeUndefined();
    expect(cache.get(other)?.jobId).toBe("job-2");
    expect(await count("spreadscan_scan_cache_early_invalidations_total")).toBe(1);
    expect(refreshed).toEqual([kept]);
  });

  it("drops a result stored without a digest at its symbol's first update, and does not refresh one nobody asked for", async () => {
    const { cache, invalidation, refreshed, store, count } = setUp();
    const unknown = store("IWM", "job-3", undefined);
    invalidation.chainUpdated(chainWith("IWM"));
    expect(cache.get(unknown)).toBeUndefined();
    expect(await count("spreadscan_scan_cache_early_invalidations_total")).toBe(1);
    expect(refreshed).toEqual([]);
  });
});
