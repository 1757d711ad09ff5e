// Property test of the filters on the volatility context: on random chains carrying random
// histories, the engine's IV rank and percentile agree with the reference's own reading of the
// definitions, and under random IV rank, IV percentile and σ distance bounds the engine keeps
// exactly the reference's spreads and counts every candidate as the reference does.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { addDays } from "../../../services/engine/new-york-time.js";
import { referenceExpiries } from "../../support/reference-legs.js";
import { referenceStanding } from "../../support/reference-market-context.js";
import { referenceCounts, referenceScan } from "../../support/reference-scanner.js";
import { expectRejectionsByFilter } from "../../support/rejections-check.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRIES = ["2026-11-27", "2026-12-11", "2026-12-24", "2027-01-15"];
const STRIKES = [90, 92.5, 95, 97.5, 100, 102.5, 105, 107.5, 110];

const chainArbitrary = fc
  .record({
    spot: fc.double({ min: 96, max: 104, noNaN: true }),
    expiries: fc.subarray(EXPIRIES, { minLength: 1, maxLength: 3 }),
    volatilities: fc.array(fc.double({ min: 0.12, max: 0.5, noNaN: true }), { minLength: EXPIRIES.length, maxLength: EXPIRIES.length }),
    /** Days of history: none, too few for a rank, or enough. */
    historyDays: fc.constantFrom(0, 150, 199, 200, 252, 400),
    historyLow: fc.double({ min: 0.08, max: 0.3, noNaN: true }),
    historySpan: fc.double({ min: 0, max: 0.4, noNaN: true }),
    historySeed: fc.integer({ min: 1, max: 2 ** 30 }),
  })
  .map(({ spot, expiries, volatilities, historyDays, historyLow, historySpan, historySeed }) => {
    const quotes: OptionQuote[] = [];
    expiries.forEach((expiry) => {
      const volatility = volatilities[EXPIRIES.indexOf(expiry)] as number;
      const years = (Date.parse(`${expiry}T21:00:00Z`) - AS_OF.getTime()) / (365 * 86_400_000);
      for (const strike of STRIKES) {
        for (const isCall of [false, true]) {
          // A put skew: lower strikes a little dearer.
          const legVolatility = volatility * (1 + (100 - strike) / 200);
          const price = optionPrice(isCall ? CALL : PUT, strike, legVolatility, { spot, rate: 0.03, dividendYield: 0.01, years });
          const bid = Math.max(0.01, Math.round((price - 0.03) * 100) / 100);
          quotes.push(
            OptionQuote.fromPartial({
              expiryDate: expiry,
              strike,
              right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
              bid,
              ask: Math.max(bid + 0.01, Math.round((price + 0.03) * 100) / 100),
              impliedVolatility: legVolatility,
              greeks: { delta: isCall ? 0.5 + (spot - strike) / 40 : -0.5 + (spot - strike) / 40, gamma: 0.02, theta: -0.02, vega: 0.1 },
              volume: 100n,
              openInterest: 500n,
            }),
          );
        }
      }
    });
    // A seeded walk between historyLow and historyLow + historySpan, one value a day up to the day before AS_OF.
    let state = historySeed;
    const days = Array.from({ length: historyDays }, (_, index) => {
      state = (state * 1_103_515_245 + 12_345) % 2 ** 31;
      return { date: addDays("2026-11-19", index - historyDays + 1), impliedVolatility: historyLow + (historySpan * state) / 2 ** 31 };
    });
    return OptionChain.fromPartial({
      symbol: "CTX",
      underlyingPrice: spot,
      asOf: AS_OF,
      rate: 0.03,
      dividendYield: 0.01,
      multiplier: 100,
      quotes,
      ...(historyDays > 0 ? { impliedVolatilityHistory: { days, source: "walk" } } : {}),
    });
  });

const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 2 }, { arbitrary, weight: 1 });

const queryArbitrary = fc
  .record({
    strategies: fc.subarray([Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_IRON_CONDOR, Strategy.STRATEGY_BULL_CALL]),
    minIvRank: sometimes(fc.double({ min: 0, max: 0.5, noNaN: true })),
    maxIvRank: sometimes(fc.double({ min: 0.5, max: 1, noNaN: true })),
    minIvPercentile: sometimes(fc.double({ min: 0, max: 0.5, noNaN: true })),
    maxIvPercentile: sometimes(fc.double({ min: 0.5, max: 1, noNaN: true })),
    minShortSigmaDistance: sometimes(fc.double({ min: -0.5, max: 1.2, noNaN: true })),
    sort: fc.constantFrom(SortKey.SORT_KEY_SCORE, SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE, SortKey.SORT_KEY_POP),
    model: fc.constantFrom(ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV, ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV),
    limit: fc.integer({ min: 1, max: 8 }),
  })
  .map(({ strategies, sort, model, limit, ...filters }) =>
    ScanQuery.fromPartial({
      strategies,
      sort,
      probabilityModel: model,
      limit,
      filters: { minDte: 0, maxDte: 60, minShortDelta: 0, ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) },
    }),
  );

describe("the filters on the volatility context, on random chains and histories", () => {
  it("agree with the reference on IV rank and percentile, the spreads kept and every candidate's fate", () => {
    let barredRuns = 0;
    let keptRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, queryArbitrary, (chain, query) => {
        const result = scanChain(chain, query);
        const standing = referenceStanding(chain, referenceExpiries(chain, false));
        const context = result.marketContext;
        if (standing.ivRank === undefined) expect(context?.ivRank).toBeUndefined();
        else expect(context?.ivRank).toBeCloseTo(standing.ivRank, 12);
        if (standing.ivPercentile === undefined) expect(context?.ivPercentile).toBeUndefined();
        else expect(context?.ivPercentile).toBeCloseTo(standing.ivPercentile, 12);
        expect(context?.atmImpliedVolatility30d).toBeCloseTo(standing.atm30d as number, 12);

        const applied = result.effectiveQuery as ScanQuery;
        const counts = referenceCounts(chain, applied);
        expectRejectionsByFilter(result, counts);
        expect(Number(result.candidatesConsidered)).toBe(counts.considered);
        expect(Number(result.candidatesRejectedByLegFilters)).toBe(counts.rejectedByLegFilters);
        const reference = referenceScan(chain, applied);
        expect(result.spreads.length).toBe(reference.length);
        result.spreads.forEach((spread, rank) => expect(spread.shortSigmaDistance).toBeCloseTo(reference[rank]?.shortSigmaDistance as number, 9));
        if (counts.considered > 0 && counts.rejectedByLegFilters === counts.considered) barredRuns++;
        if (reference.length > 0) keptRuns++;
      }),
      { numRuns: 150, seed: 19 },
    );
    // Both outcomes must occur, or the property would not test the filters.
    expect(barredRuns).toBeGreaterThan(10);
    expect(keptRuns).toBeGreaterThan(10);
  });
});
