// Property tests on random chains and queries: the query the engine applied keeps every
// field the caller set, every returned spread passes every filter applied, the engine's top
// N is the brute-force reference's top N, and the engine accounts for every candidate as
// the reference counts them; each under every probability model.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import type { ScanResult } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { ALL_STRATEGIES, MAX_DTE, SORT_KEYS } from "../../../services/engine/resolved-query.js";
import { summedOutcomes } from "../../support/candidate-outcomes.js";
import { referenceCounts, referenceScan } from "../../support/reference-scanner.js";
import { appliedQuery, closeToNine, expectSameRanking } from "../../support/reference-top-n.js";
import { expectRejectionsByFilter } from "../../support/rejections-check.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRIES = ["2026-11-27", "2026-12-04", "2026-12-18", "2027-01-15"];
const STRIKES = [85, 87.5, 90, 92.5, 95, 97.5, 100, 102.5, 105, 107.5, 110, 112.5, 115];

/** One contract's market: its price comes from Black–Scholes at a random volatility. */
const contractArbitrary = fc.record({
  volatility: fc.double({ min: 0.12, max: 0.6, noNaN: true }),
  halfSpread: fc.constantFrom(0.01, 0.02, 0.05, 0.1, 0.25),
  /** 0: normal; 1: no IV given; 2: no greeks given; 3: neither; 4: no bid; 5: crossed. */
  kind: fc.constantFrom(0, 0, 0, 0, 0, 1, 2, 3, 4, 5),
  openInterest: fc.integer({ min: 0, max: 5000 }),
  volume: fc.integer({ min: 0, max: 2000 }),
  ageSeconds: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
});

type Contract = typeof contractArbitrary extends fc.Arbitrary<infer T> ? T : never;

function quoteFor(spot: number, expiry: string, strike: number, isCall: boolean, contract: Contract): OptionQuote {
  const years = (Date.parse(`${expiry}T21:00:00Z`) - AS_OF.getTime()) / (365 * 86_400_000);
  const market = { spot, rate: 0.04, dividendYield: 0.01, years };
  const price = optionPrice(isCall ? CALL : PUT, strike, contract.volatility, market);
  let bid = contract.kind === 4 ? 0 : Math.max(0.01, Math.round((price - contract.halfSpread) * 100) / 100);
  let ask = Math.max(bid + 0.01, Math.round((price + contract.halfSpread) * 100) / 100);
  if (contract.kind === 5) [bid, ask] = [ask, bid];
  const delta = isCall ? 0.5 + (spot - strike) / 40 : -0.5 + (spot - strike) / 40;
  return OptionQuote.fromPartial({
    expiryDate: expiry,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    volume: BigInt(contract.volume),
    openInterest: BigInt(contract.openInterest),
    ...(contract.kind === 1 || contract.kind === 3 ? {} : { impliedVolatility: contract.volatility }),
    ...(contract.kind === 2 || contract.kind === 3 ? {} : { greeks: { delta: Math.max(-1, Math.min(1, delta)), gamma: 0.02, theta: -0.02, vega: 0.1 } }),
    ...(contract.ageSeconds === undefined ? {} : { quoteTime: new Date(AS_OF.getTime() - contract.ageSeconds * 1000) }),
  });
}

/** Dense chains: one or two expirations, most strikes of a grid around the spot, both rights. */
const chainArbitrary = fc
  .record({
    spot: fc.double({ min: 95, max: 105, noNaN: true }),
    expiries: fc.subarray(EXPIRIES, { minLength: 1, maxLength: 2 }),
    strikes: fc.subarray(STRIKES, { minLength: 4 }),
    contracts: fc.array(contractArbitrary, { minLength: 2 * 2 * STRIKES.length, maxLength: 2 * 2 * STRIKES.length }),
  })
  .map(({ spot, expiries, strikes, contracts }) => {
    const quotes: OptionQuote[] = [];
    let next = 0;
    for (const expiry of expiries) {
      for (const strike of strikes) {
        for (const isCall of [false, true]) quotes.push(quoteFor(spot, expiry, strike, isCall, contracts[next++] as Contract));
      }
    }
    return OptionChain.fromPartial({ symbol: "PROP", underlyingPrice: spot, asOf: AS_OF, rate: 0.04, dividendYield: 0.01, multiplier: 100, quotes });
  });

/** Absent most of the time, so that each run combines a few filters and still finds spreads. */
const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 5 }, { arbitrary, weight: 1 });

const filtersArbitrary = fc
  .record({
    minDte: sometimes(fc.integer({ min: 0, max: 30 })),
    maxDte: sometimes(fc.integer({ min: 10, max: 60 })),
    minShortDelta: sometimes(fc.double({ min: 0, max: 0.3, noNaN: true })),
    maxShortDelta: sometimes(fc.double({ min: 0.3, max: 1, noNaN: true })),
    maxLongDelta: sometimes(fc.double({ min: 0.1, max: 1, noNaN: true })),
    minWidth: sometimes(fc.constantFrom(0, 2.5, 5)),
    maxWidth: sometimes(fc.constantFrom(5, 10, 15)),
    minCredit: sometimes(fc.double({ min: 0, max: 1, noNaN: true })),
    maxDebit: sometimes(fc.double({ min: 0.5, max: 5, noNaN: true })),
    minCreditToWidth: sometimes(fc.double({ min: 0, max: 0.3, noNaN: true })),
    maxMaxLoss: sometimes(fc.double({ min: 100, max: 2000, noNaN: true })),
    minPop: sometimes(fc.double({ min: 0, max: 0.8, noNaN: true })),
    minExpectedValue: sometimes(fc.double({ min: -200, max: 10, noNaN: true })),
    maxProbabilityOfTouch: sometimes(fc.double({ min: 0.2, max: 1, noNaN: true })),
    minReturnOnRisk: sometimes(fc.double({ min: 0, max: 0.5, noNaN: true })),
    minOpenInterest: sometimes(fc.bigInt({ min: 0n, max: 2000n })),
    minVolume: sometimes(fc.bigInt({ min: 0n, max: 500n })),
    maxLegBidAskWidth: sometimes(fc.double({ min: 0.05, max: 1, noNaN: true })),
    maxLegBidAskWidthFraction: sometimes(fc.double({ min: 0.05, max: 1, noNaN: true })),
    minShortImpliedVolatility: sometimes(fc.double({ min: 0, max: 0.3, noNaN: true })),
    maxShortImpliedVolatility: sometimes(fc.double({ min: 0.3, max: 1, noNaN: true })),
    shortStrikesOutOfTheMoney: sometimes(fc.boolean()),
    maxWingWidthDifference: sometimes(fc.constantFrom(0, 2.5, 5)),
    maxPerExpiry: sometimes(fc.integer({ min: 1, max: 5 })),
    maxQuoteAge: sometimes(fc.constantFrom({ seconds: 60n, nanos: 0 }, { seconds: 300n, nanos: 0 })),
    // Rarer than the others: it thins the candidates more than most.
    minShortSigmaDistance: fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: fc.double({ min: -1, max: 1.5, noNaN: true }), weight: 1 }),
  })
  .map((filters) =>
    ScanFilters.fromPartial({
      ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
      // Keep the range valid: an inverted one is an input error, tested elsewhere.
      ...(filters.minDte !== undefined && filters.maxDte !== undefined ? { maxDte: Math.max(filters.minDte, filters.maxDte) } : {}),
    }),
  );

/** Queries under one probability model (unspecified: the default), with a random volatility when the caller gives it. */
const queryArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      strategies: fc.subarray(ALL_STRATEGIES),
      filters: filtersArbitrary,
      sort: fc.constantFrom(...SORT_KEYS),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 25 }),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(({ volatility, ...query }) =>
      ScanQuery.fromPartial({
        ...query,
        probabilityModel: model,
        volatility: model === ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY ? volatility : undefined,
      }),
    );

const MODELS = [
  ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED,
  ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
  ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
];

/** Every filter of the query, checked from the returned spread alone. */
function violatedFilters(spread: Spread, query: ScanQuery, spot: number): string[] {
  const f = query.filters ?? ScanFilters.fromPartial({});
  const broken: string[] = [];
  const check = (name: string, ok: boolean): void => {
    if (!ok) broken.push(name);
  };
  const tolerance = 1e-9;
  const shorts = spread.legs.filter((leg) => leg.action === LegAction.LEG_ACTION_SELL);
  const longs = spread.legs.filter((leg) => leg.action === LegAction.LEG_ACTION_BUY);
  const isCredit = ![Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT].includes(spread.strategy);
  if (query.strategies.length > 0) check("strategies", query.strategies.includes(spread.strategy));
  if (f.minDte !== undefined) check("min_dte", spread.dte >= f.minDte);
  if (f.maxDte !== undefined) check("max_dte", spread.dte <= f.maxDte);
  if (f.minShortSigmaDistance !== undefined) check("min_short_sigma_distance", spread.shortSigmaDistance >= f.minShortSigmaDistance - tolerance);
  for (const leg of shorts) {
    const delta = Math.abs(leg.greeks?.delta ?? Number.NaN);
    if (f.minShortDelta !== undefined) check("min_short_delta", delta >= f.minShortDelta);
    if (f.maxShortDelta !== undefined) check("max_short_delta", delta <= f.maxShortDelta);
    if (f.minShortImpliedVolatility !== undefined) check("min_short_iv", leg.impliedVolatility >= f.minShortImpliedVolatility);
    if (f.maxShortImpliedVolatility !== undefined) check("max_short_iv", leg.impliedVolatility <= f.maxShortImpliedVolatility);
    if ((f.shortStrikesOutOfTheMoney ?? true) && spread.strategy !== Strategy.STRATEGY_IRON_BUTTERFLY) {
      check("short_otm", leg.right === OptionRight.OPTION_RIGHT_CALL ? leg.strike > spot : leg.strike < spot);
    }
  }
  for (const leg of longs) if (f.maxLongDelta !== undefined) check("max_long_delta", Math.abs(leg.greeks?.delta ?? Number.NaN) <= f.maxLongDelta);
  for (const leg of spread.legs) {
    if (f.minOpenInterest !== undefined) check("min_open_interest", leg.openInterest >= f.minOpenInterest);
    if (f.minVolume !== undefined) check("min_volume", leg.volume >= f.minVolume);
    if (f.maxLegBidAskWidth !== undefined) check("max_leg_bid_ask_width", leg.bidAskWidth <= f.maxLegBidAskWidth + tolerance);
    if (f.maxLegBidAskWidthFraction !== undefined) check("max_leg_bid_ask_width_fraction", leg.bidAskWidthFraction <= f.maxLegBidAskWidthFraction + tolerance);
  }
  if (f.minWidth !== undefined) check("min_width", spread.width >= f.minWidth);
  if (f.maxWidth !== undefined) check("max_width", spread.width <= f.maxWidth);
  if (isCredit && f.minCredit !== undefined) check("min_credit", spread.netCredit >= f.minCredit - tolerance);
  if (isCredit && f.minCreditToWidth !== undefined) check("min_credit_to_width", spread.creditToWidth >= f.minCreditToWidth - tolerance);
  if (!isCredit && f.maxDebit !== undefined) check("max_debit", -spread.netCredit <= f.maxDebit + tolerance);
  if (f.maxMaxLoss !== undefined) check("max_max_loss", spread.maxLoss <= f.maxMaxLoss + tolerance);
  if (f.minPop !== undefined) check("min_pop", spread.pop >= f.minPop - tolerance);
  if (f.minExpectedValue !== undefined) check("min_expected_value", spread.expectedValue >= f.minExpectedValue - tolerance);
  if (f.maxProbabilityOfTouch !== undefined) check("max_probability_of_touch", spread.probabilityOfTouch <= f.maxProbabilityOfTouch + tolerance);
  if (f.minReturnOnRisk !== undefined) check("min_return_on_risk", spread.returnOnRisk >= f.minReturnOnRisk - tolerance);
  check("credit within width", spread.maxProfit > 0 && spread.maxLoss > 0);
  return broken;
}

/**
 * Every returned spread passes every filter applied, and the result is exactly the
 * brute-force reference's top N (identities may differ only among spreads tied, to rounding,
 * with the last one kept).
 */
function expectReferenceTopN(chain: OptionChain, result: ScanResult): void {
  // The reference reads a query literally (absent means unbounded): it gets the query as applied.
  const query = appliedQuery(result);
  const reference = referenceScan(chain, query);
  for (const spread of result.spreads) expect(violatedFilters(spread, query, chain.underlyingPrice), spread.id).toEqual([]);
  expectSameRanking(result.spreads, query, reference, closeToNine);
  for (const spread of result.spreads) {
    const twin = reference.find((candidate) => candidate.id === spread.id);
    if (!twin) continue;
    expect(spread.netCredit).toBeCloseTo(twin.netCredit, 9);
    expect(spread.maxProfit).toBeCloseTo(twin.maxProfit, 7);
    expect(spread.maxLoss).toBeCloseTo(twin.maxLoss, 7);
    expect(spread.breakevens.length).toBe(twin.breakevens.length);
    spread.breakevens.forEach((breakeven, index) => expect(breakeven).toBeCloseTo(twin.breakevens[index] as number, 7));
    expect(spread.pop).toBeCloseTo(twin.pop, 9);
    expect(spread.expectedValue).toBeCloseTo(twin.expectedValue, 6);
    expect(spread.probabilityOfTouch).toBeCloseTo(twin.probabilityOfTouch, 9);
    expect(spread.score).toBeCloseTo(twin.score, 9);
    expect(spread.volatility).toBe(twin.volatility);
  }
}

describe.each(MODELS.map((model) => [ProbabilityModel[model], model] as const))("the engine on random chains and queries under %s", (_name, model) => {
  const queryArbitraryOfModel = queryArbitrary(model);

  it("applies every field the caller set as given", () => {
    fc.assert(
      fc.property(chainArbitrary, queryArbitraryOfModel, (chain, query) => {
        const applied = appliedQuery(scanChain(chain, query));
        const given = Object.entries(query.filters ?? {}).filter(([, value]) => value !== undefined);
        expect(Object.fromEntries(given.map(([key]) => [key, applied.filters?.[key as keyof ScanFilters]]))).toEqual(Object.fromEntries(given));
        expect(applied.sort).toBe(query.sort === SortKey.SORT_KEY_UNSPECIFIED ? SortKey.SORT_KEY_SCORE : query.sort);
        expect(applied.pricing).toBe(query.pricing);
        expect(applied.limit).toBe(query.limit);
        expect(applied.strategies).toEqual(query.strategies.length > 0 ? query.strategies : ALL_STRATEGIES);
        expect(applied.probabilityModel).toBe(
          model === ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED ? ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV : model,
        );
        expect(applied.volatility).toBe(query.volatility);
      }),
      { numRuns: 200, seed: 11 },
    );
  });

  it("returns only spreads that pass every filter applied, and exactly the brute-force reference's top N", () => {
    fc.assert(
      fc.property(chainArbitrary, queryArbitraryOfModel, (chain, given) => {
        expectReferenceTopN(chain, scanChain(chain, given));
      }),
      { numRuns: 300, seed: 20261124 },
    );
  });

  it("accounts for every candidate exactly once, as the brute-force reference counts them", () => {
    // How often the heap's bound dropped candidates (one by one, and in groups), and how often every count could be
    // checked exactly: both must happen, or the property would not test what it claims.
    let rankedOutRuns = 0;
    let boundedOutRuns = 0;
    let exactRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, queryArbitraryOfModel, (chain, given) => {
        const result = scanChain(chain, given);
        const counts = referenceCounts(chain, appliedQuery(result));
        expectRejectionsByFilter(result, counts);
        const considered = Number(result.candidatesConsidered);
        const leg = Number(result.candidatesRejectedByLegFilters);
        const spread = Number(result.candidatesRejectedBySpreadFilters);
        const rankedOut = Number(result.candidatesRankedOut);
        const fullyEvaluated = Number(result.candidatesFullyEvaluated);
        const boundedOut = Number(result.candidatesBoundedOut);
        expect(result.workBudgetExhausted).toBe(false);
        expect(result.candidatesUnexplored).toBe(0n);
        expect(leg + spread + rankedOut + fullyEvaluated + boundedOut).toBe(considered);
        expect(considered).toBe(counts.considered);
        expect(leg).toBe(counts.rejectedByLegFilters);
        // A group dropped by its bound holds candidates that would have failed a spread filter
        // and candidates that would have passed: only the sums are known.
        expect(spread + rankedOut + fullyEvaluated + boundedOut).toBe(counts.rejectedBySpreadFilters + counts.passed);
        expect(spread).toBeLessThanOrEqual(counts.rejectedBySpreadFilters);
        expect(rankedOut + fullyEvaluated).toBeLessThanOrEqual(counts.passed);
        expect(Number(result.candidatesPassed)).toBe(rankedOut + fullyEvaluated);
        expect(fullyEvaluated).toBeGreaterThanOrEqual(result.spreads.length);
        // eslint-disable-next-line @typescript-eslint/no-deprecated -- kept for old clients: the candidates considered
        expect(result.candidatesEvaluated).toBe(result.candidatesConsidered);
        // Until the top N (or an expiration's share of it) is full, nothing can be ranked or bounded out.
        if (given.filters?.maxPerExpiry === undefined && counts.passed < (given.limit ?? 20)) {
          expect(rankedOut).toBe(0);
          expect(boundedOut).toBe(0);
          expect(spread).toBe(counts.rejectedBySpreadFilters);
          expect(fullyEvaluated).toBe(counts.passed);
          exactRuns++;
        }
        if (boundedOut > 0) boundedOutRuns++;
        if (rankedOut > 0) rankedOutRuns++;
      }),
      { numRuns: 400, seed: 5 },
    );
    expect(rankedOutRuns).toBeGreaterThan(10);
    expect(boundedOutRuns).toBeGreaterThan(10);
    expect(exactRuns).toBeGreaterThan(10);
  });

  it("gives the same output for the same input", () => {
    fc.assert(
      fc.property(chainArbitrary, queryArbitraryOfModel, (chain, query) => {
        expect(scanChain(chain, query).spreads).toEqual(scanChain(chain, query).spreads);
      }),
      { numRuns: 50, seed: 7 },
    );
  });
});

/**
 * Queries as broad as the engine allows: every filter at its widest (any DTE, any short
 * delta, any width), short strikes out of the money or not, all six strategies (or a few),
 * sometimes a share per expiration; any sort key, pricing and limit.
 */
const broadQueryArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      strategies: fc.oneof({ arbitrary: fc.constant<Strategy[]>([]), weight: 3 }, { arbitrary: fc.subarray(ALL_STRATEGIES, { minLength: 1 }), weight: 1 }),
      shortStrikesOutOfTheMoney: fc.boolean(),
      maxPerExpiry: sometimes(fc.integer({ min: 1, max: 5 })),
      sort: fc.constantFrom(...SORT_KEYS),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 25 }),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(({ strategies, shortStrikesOutOfTheMoney, maxPerExpiry, volatility, ...query }) =>
      ScanQuery.fromPartial({
        ...query,
        strategies,
        filters: {
          minDte: 0,
          maxDte: MAX_DTE,
          minShortDelta: 0,
          maxWidth: 1_000_000,
          shortStrikesOutOfTheMoney,
          ...(maxPerExpiry === undefined ? {} : { maxPerExpiry }),
        },
        probabilityModel: model,
        volatility: model === ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY ? volatility : undefined,
      }),
    );

describe.each(MODELS.map((model) => [ProbabilityModel[model], model] as const))("the engine on the broadest queries under %s", (_name, model) => {
  it("answers with exactly the brute-force reference's top N, and accounts for every candidate of the whole space", () => {
    let boundedOutRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, broadQueryArbitrary(model), (chain, given) => {
        const result = scanChain(chain, given);
        expectReferenceTopN(chain, result);
        const counts = referenceCounts(chain, appliedQuery(result));
        const outcomes = summedOutcomes(result);
        expect(result.workBudgetExhausted).toBe(false);
        expect(outcomes).toBe(result.candidatesConsidered);
        expect(Number(result.candidatesConsidered)).toBe(counts.considered);
        expect(Number(result.candidatesRejectedByLegFilters)).toBe(counts.rejectedByLegFilters);
        if (result.candidatesBoundedOut > 0n) boundedOutRuns++;
      }),
      { numRuns: 150, seed: 17 },
    );
    expect(boundedOutRuns).toBeGreaterThan(30);
  });
});
