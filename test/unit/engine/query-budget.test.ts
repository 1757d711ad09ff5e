// A query broad enough to run for minutes is refused at once, naming the filter to narrow;
// a bare query, which the defaults bound, is answered.
import { describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { EngineInputError, MAX_CANDIDATES, prepareChain, scanPrepared } from "../../../services/engine/index.js";

const prepared = prepareChain(generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") }));

function refusal(query: ScanQuery): EngineInputError | undefined {
  try {
    scanPrepared(prepared, query);
  } catch (error) {
    if (error instanceof EngineInputError) return error;
    throw error;
  }
  return undefined;
}

describe("the candidate budget", () => {
  it(`refuses iron condors the caller made $1,000 wide on the full SPY chain (more than ${MAX_CANDIDATES} candidates), naming max_width`, () => {
    const refused = refusal(ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 1000 } }));
    expect(refused?.violations).toEqual([
      {
        field: "query.filters.max_width",
        description: expect.stringMatching(/^the query reaches more than 25,000,000 candidate spreads; narrow it with max_width/) as unknown,
      },
    ]);
  });

  it("answers a bare query: the defaults bound it well under the budget", () => {
    const result = scanPrepared(prepared, ScanQuery.fromPartial({}));
    expect(result.spreads).toHaveLength(20);
    expect(Number(result.candidatesConsidered)).toBeGreaterThan(0);
    expect(Number(result.candidatesConsidered)).toBeLessThan(MAX_CANDIDATES / 5);
  });

  it("scans every vertical of every expiration at any short delta and width when the caller asks, and iron condors once the wings are bounded", () => {
    const verticals = scanPrepared(
      prepared,
      ScanQuery.fromPartial({
        strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT],
        filters: { minDte: 0, maxDte: 36_500, minShortDelta: 0, maxWidth: 1_000_000 },
      }),
    );
    expect(verticals.spreads).toHaveLength(20);
    expect(verticals.effectiveQuery?.filters).toMatchObject({ minDte: 0, maxDte: 36_500, minShortDelta: 0, maxWidth: 1_000_000 });
    const condors = scanPrepared(
      prepared,
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { minDte: 0, maxDte: 36_500, maxWidth: 3 } }),
    );
    expect(Number(condors.candidatesConsidered)).toBeLessThanOrEqual(MAX_CANDIDATES);
    expect(condors.spreads).toHaveLength(20);
  });
});
