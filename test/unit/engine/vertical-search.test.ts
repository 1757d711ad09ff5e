// Broad vertical queries (widths up to the widest allowed, shorts in the money or not, every
// sort key, every probability model) on chains with enough strikes that the engine searches
// each side by groups and drops some by their bound: its top N must still be exactly the
// brute-force reference's, and its counters must add up (what it dropped in groups is
// counted, and nothing else moves).
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { SORT_KEYS } from "../../../services/engine/resolved-query.js";
import { referenceCounts, referenceScan } from "../../support/reference-scanner.js";
import { appliedQuery, closeToNine, expectSameRanking } from "../../support/reference-top-n.js";
import { expectRejectionsByFilter } from "../../support/rejections-check.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const VERTICALS = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];
const MODELS = [
  ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV,
  ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
  ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
];
/** The models under which one σ serves a whole expiration. */
const SHARED_MODELS = [ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV, ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY];

/** A small deterministic generator, so that a chain of hundreds of quotes comes from one number. */
function randomFrom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4_294_967_296;
  };
}

/**
 * 100 strikes a dollar apart around the spot, one or two expirations, both rights, priced by
 * Black–Scholes on a skewed smile with noise, random half-spreads, and now and then a quote
 * without a bid: enough partners per leg for the search by groups.
 */
const chainArbitrary = fc
  .record({ seed: fc.integer({ min: 1, max: 2 ** 31 - 1 }), spot: fc.double({ min: 95, max: 105, noNaN: true }), expiries: fc.integer({ min: 1, max: 2 }) })
  .map(({ seed, spot, expiries }) => {
    const random = randomFrom(seed);
    const quotes: OptionQuote[] = [];
    for (const expiry of ["2026-12-04", "2027-01-15"].slice(0, expiries)) {
      const years = (Date.parse(`${expiry}T21:00:00Z`) - AS_OF.getTime()) / (365 * 86_400_000);
      const market = { spot, rate: 0.04, dividendYield: 0.01, years };
      for (let strike = 50; strike < 150; strike++) {
        for (const isCall of [false, true]) {
          const volatility = 0.2 + 0.3 * Math.max(0, (spot - strike) / spot) + 0.05 * random();
          const price = optionPrice(isCall ? CALL : PUT, strike, volatility, market);
          const halfSpread = [0.01, 0.02, 0.05, 0.1][Math.floor(random() * 4)] as number;
          const bid = random() < 0.05 ? 0 : Math.max(0.01, Math.round((price - halfSpread) * 100) / 100);
          const ask = Math.max(bid + 0.01, Math.round((price + halfSpread) * 100) / 100);
          const delta = Math.max(-1, Math.min(1, (isCall ? 0.5 : -0.5) + (spot - strike) / 40));
          quotes.push(
            OptionQuote.fromPartial({
              expiryDate: expiry,
              strike,
              right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
              bid,
              ask,
              volume: BigInt(Math.floor(random() * 500)),
              openInterest: BigInt(Math.floor(random() * 2000)),
              impliedVolatility: volatility,
              greeks: { delta, gamma: 0.02, theta: -0.02, vega: 0.1 },
            }),
          );
        }
      }
    }
    return OptionChain.fromPartial({ symbol: "WIDE", underlyingPrice: spot, asOf: AS_OF, rate: 0.04, dividendYield: 0.01, multiplier: 100, quotes });
  });

/** Broad vertical queries: widths up to $1,000,000, shorts in the money or not, now and then a filter. */
/** What the arbitraries below draw: the query's own fields, σ, and its filters (unset where undefined). */
interface DrawnQuery {
  readonly strategies: Strategy[];
  readonly sort: SortKey;
  readonly pricing: PricingMode;
  readonly limit: number;
  readonly volatility: number;
  readonly [filter: string]: unknown;
}

/** A drawn query under `model`, over every DTE and short delta; σ is the caller's only under the caller's volatility. */
const queryUnder =
  (model: ProbabilityModel) =>
  ({ strategies, sort, pricing, limit, volatility, ...filters }: DrawnQuery): ScanQuery =>
    ScanQuery.fromPartial({
      strategies,
      sort,
      pricing,
      limit,
      filters: { minDte: 0, maxDte: 36_500, minShortDelta: 0, ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)) },
      probabilityModel: model,
      volatility: model === ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY ? volatility : undefined,
    });

const queryArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      strategies: fc.subarray(VERTICALS, { minLength: 1 }),
      sort: fc.constantFrom(...SORT_KEYS),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 25 }),
      maxWidth: fc.constantFrom(1_000_000, 1_000_000, 40),
      shortStrikesOutOfTheMoney: fc.boolean(),
      minPop: fc.option(fc.double({ min: 0, max: 0.8, noNaN: true }), { nil: undefined, freq: 4 }),
      minExpectedValue: fc.option(fc.double({ min: -200, max: 10, noNaN: true }), { nil: undefined, freq: 4 }),
      minVolume: fc.option(fc.bigInt({ min: 0n, max: 200n }), { nil: undefined, freq: 4 }),
      maxPerExpiry: fc.option(fc.integer({ min: 1, max: 5 }), { nil: undefined, freq: 4 }),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(queryUnder(model));

/** The engine's top N against the brute-force reference's, and its counts against the reference's; returns the result. */
function expectReferenceScan(chain: OptionChain, given: ScanQuery): ScanResult {
  const result = scanChain(chain, given);
  const query = appliedQuery(result);
  expectSameRanking(result.spreads, query, referenceScan(chain, query), closeToNine);

  const counts = referenceCounts(chain, query);
  expectRejectionsByFilter(result, counts);
  const considered = Number(result.candidatesConsidered);
  const leg = Number(result.candidatesRejectedByLegFilters);
  const spread = Number(result.candidatesRejectedBySpreadFilters);
  const rankedOut = Number(result.candidatesRankedOut);
  const fullyEvaluated = Number(result.candidatesFullyEvaluated);
  const boundedOut = Number(result.candidatesBoundedOut);
  const unexplored = Number(result.candidatesUnexplored);
  expect(leg + spread + rankedOut + fullyEvaluated + boundedOut + unexplored).toBe(considered);
  expect(considered).toBe(counts.considered);
  // The leg flags are counted by arithmetic, never by a bound.
  expect(leg).toBe(counts.rejectedByLegFilters);
  // What a group's bound dropped would have failed a filter or passed: together they are the reference's.
  expect(spread + rankedOut + fullyEvaluated + boundedOut).toBe(counts.rejectedBySpreadFilters + counts.passed);
  expect(spread).toBeLessThanOrEqual(counts.rejectedBySpreadFilters);
  expect(rankedOut + fullyEvaluated).toBeLessThanOrEqual(counts.passed);
  if (boundedOut === 0) expect(spread).toBe(counts.rejectedBySpreadFilters);
  expect(result.workBudgetExhausted).toBe(false);
  return result;
}

describe.each(MODELS.map((model) => [ProbabilityModel[model], model] as const))("broad vertical queries under %s", (_name, model) => {
  it("give exactly the brute-force reference's top N, with every candidate counted once", () => {
    let boundedRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, queryArbitrary(model), (chain, given) => {
        if (Number(expectReferenceScan(chain, given).candidatesBoundedOut) > 0) boundedRuns++;
      }),
      { numRuns: 40, seed: 1707 },
    );
    // The search by groups must have dropped something often, or this would not test it.
    expect(boundedRuns).toBeGreaterThan(12);
  });
});

/**
 * Narrow widths and short lists: groups visited one by one, a full heap early, and under a
 * σ shared by the expiration most candidates ranked out from per-leg figures before the
 * evaluator proper (VerticalEvaluator.skipRankedOut), now and then with a spread filter for
 * that loop to stop at.
 */
/** Whole cents from `min` to `max`: fc.double favours extremes, and a filter at 1e-300 rejects everything or nothing. */
const cents = (min: number, max: number): fc.Arbitrary<number> =>
  fc.integer({ min: Math.round(min * 100), max: Math.round(max * 100) }).map((value) => value / 100);

/** Undefined five times out of six: a filter now and then, so that most heaps fill. */
const sometimes = (value: fc.Arbitrary<number>): fc.Arbitrary<number | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary: value, weight: 1 });

const narrowQueryArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      strategies: fc.subarray(VERTICALS, { minLength: 1 }),
      sort: fc.constantFrom(...SORT_KEYS),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 5 }),
      maxWidth: fc.integer({ min: 1, max: 8 }),
      shortStrikesOutOfTheMoney: fc.boolean(),
      minCredit: sometimes(cents(0, 1)),
      maxDebit: sometimes(cents(0.2, 3)),
      minCreditToWidth: sometimes(cents(0, 0.5)),
      maxMaxLoss: sometimes(cents(50, 600)),
      minReturnOnRisk: sometimes(cents(0, 1)),
      minExpectedValue: sometimes(cents(-100, 5)),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(queryUnder(model));

const CREDIT_VERTICALS = [Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_BEAR_CALL];
const DEBIT_VERTICALS = [Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT];

/** Narrow queries with one filter on the figure they sort by (and the strategies it applies to). */
const filterOnSortedFigureArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      sorted: fc.oneof(
        fc.record({ sort: fc.constant(SortKey.SORT_KEY_CREDIT), strategies: fc.constant(CREDIT_VERTICALS), filter: fc.record({ minCredit: cents(0.05, 1) }) }),
        fc.record({ sort: fc.constant(SortKey.SORT_KEY_CREDIT), strategies: fc.constant(DEBIT_VERTICALS), filter: fc.record({ maxDebit: cents(0.2, 3) }) }),
        fc.record({
          sort: fc.constant(SortKey.SORT_KEY_CREDIT_TO_WIDTH),
          strategies: fc.constant(CREDIT_VERTICALS),
          filter: fc.record({ minCreditToWidth: cents(0.05, 0.5) }),
        }),
        fc.record({ sort: fc.constant(SortKey.SORT_KEY_MAX_LOSS), strategies: fc.constant(VERTICALS), filter: fc.record({ maxMaxLoss: cents(50, 600) }) }),
        fc.record({
          sort: fc.constant(SortKey.SORT_KEY_RETURN_ON_RISK),
          strategies: fc.constant(VERTICALS),
          filter: fc.record({ minReturnOnRisk: cents(0.05, 1) }),
        }),
        fc.record({
          sort: fc.constant(SortKey.SORT_KEY_EXPECTED_VALUE),
          strategies: fc.constant(VERTICALS),
          filter: fc.record({ minExpectedValue: cents(-100, 5) }),
        }),
      ),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 5 }),
      maxWidth: fc.integer({ min: 1, max: 8 }),
      shortStrikesOutOfTheMoney: fc.boolean(),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(({ sorted, ...drawn }) => queryUnder(model)({ ...drawn, ...sorted.filter, strategies: sorted.strategies, sort: sorted.sort }));

describe.each(SHARED_MODELS.map((model) => [ProbabilityModel[model], model] as const))("narrow vertical queries under %s", (_name, model) => {
  it("give exactly the brute-force reference's top N, with every candidate counted once", () => {
    let rankedOutRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, narrowQueryArbitrary(model), (chain, given) => {
        const result = expectReferenceScan(chain, given);
        expect(Number(result.candidatesBoundedOut)).toBe(0);
        if (Number(result.candidatesRankedOut) > 0) rankedOutRuns++;
      }),
      { numRuns: 40, seed: 2203 },
    );
    // Most runs must have ranked candidates out, or this would not test that loop.
    expect(rankedOutRuns).toBeGreaterThan(30);
  });

  it("judge a filter on the sorted figure before ranking out", () => {
    // What fails such a filter also ranks below what passes it: ranked out first, it would be
    // counted as ranked out where the reference counts it rejected.
    let bothRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, filterOnSortedFigureArbitrary(model), (chain, given) => {
        const result = expectReferenceScan(chain, given);
        if (Number(result.candidatesRankedOut) > 0 && Number(result.candidatesRejectedBySpreadFilters) > 0) bothRuns++;
      }),
      { numRuns: 30, seed: 3119 },
    );
    expect(bothRuns).toBeGreaterThan(20);
  });
});
