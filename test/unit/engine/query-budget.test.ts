// A query broad enough to run for minutes is refused at once, naming the filter to narrow.
import { describe, expect, it } from "vitest";
import { ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../../../services/common/market-model/synthetic-chain.js";
import { EngineInputError, MAX_CANDIDATES, prepareChain, scanPrepared } from "../../../services/scanner/engine/index.js";

const prepared = prepareChain(generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") }));

describe("the candidate budget", () => {
  it(`refuses a query with no bounds at all on a full chain (more than ${MAX_CANDIDATES} candidates)`, () => {
    let refused: unknown;
    try {
      scanPrepared(prepared, ScanQuery.fromPartial({}));
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(EngineInputError);
    expect((refused as EngineInputError).violations).toEqual([
      { field: "query.filters.max_width", description: expect.stringMatching(/^the query reaches more than 25,000,000 candidate spreads; narrow it with max_width/) as unknown },
    ]);
  });

  it("scans every vertical of the chain with no bounds, and iron condors once the wings are bounded", () => {
    const verticals = scanPrepared(
      prepared,
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT] }),
    );
    expect(verticals.spreads).toHaveLength(20);
    const condors = scanPrepared(prepared, ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_IRON_CONDOR], filters: { maxWidth: 3 } }));
    expect(Number(condors.candidatesEvaluated)).toBeLessThanOrEqual(MAX_CANDIDATES);
    expect(condors.spreads).toHaveLength(20);
  });
});
