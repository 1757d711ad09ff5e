// A prepared chain moved into shared memory scans exactly as the original.
import { describe, expect, it } from "vitest";
import { ScanQuery } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { prepareChain, scanPrepared } from "../../../services/engine/index.js";
import { addDays } from "../../../services/engine/new-york-time.js";
import { openSharedPreparedChain, sharePreparedChain } from "../../../services/engine/shared-prepared-chain.js";

describe("a shared prepared chain", () => {
  it("keeps every column and scans to the same result", () => {
    const chain = generateSyntheticChain({ symbol: "QQQ", spot: 520, seed: 3, asOf: new Date("2026-11-20T15:00:00Z") });
    chain.quotes[10] = { ...chain.quotes[10]!, bid: 0 };
    // A year of history rides along in the header, for the market context.
    chain.impliedVolatilityHistory = {
      days: Array.from({ length: 252 }, (_, day) => ({ date: addDays("2026-11-19", day - 251), impliedVolatility: 0.15 + (day % 17) / 100 })),
      source: "simulated",
    };
    const prepared = prepareChain(chain);
    const shared = sharePreparedChain(prepared, "QQQ:1");
    expect(shared.buffer).toBeInstanceOf(SharedArrayBuffer);
    const opened = openSharedPreparedChain(structuredClone(shared));
    expect(opened.expiries.map((expiry) => [expiry.expiryDate, expiry.calls.count, expiry.puts.count])).toEqual(
      prepared.expiries.map((expiry) => [expiry.expiryDate, expiry.calls.count, expiry.puts.count]),
    );
    expect([...opened.expiries[3]!.puts.impliedVolatility]).toEqual([
      ...prepared.expiries[3]!.puts.impliedVolatility.subarray(0, prepared.expiries[3]!.puts.count),
    ]);
    expect([...opened.skipped]).toEqual([...prepared.skipped]);
    for (const query of [
      ScanQuery.fromPartial({ filters: { maxDte: 40, maxWidth: 5 }, limit: 50 }),
      ScanQuery.fromPartial({ strategies: [5, 6], filters: { minDte: 20, maxDte: 50, maxWidth: 5, maxShortDelta: 0.3 } }),
    ]) {
      const direct = scanPrepared(prepared, query);
      const viaShared = scanPrepared(opened, query);
      expect(viaShared.spreads).toEqual(direct.spreads);
      expect(viaShared.skippedQuotes).toEqual(direct.skippedQuotes);
      expect(viaShared.marketContext).toEqual(direct.marketContext);
      expect(viaShared.marketContext?.ivRank).toBeDefined();
    }
  });
});
