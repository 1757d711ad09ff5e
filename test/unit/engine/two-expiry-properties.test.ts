// Calendars and diagonals on random chains and queries, under every probability model and a
// few sort keys: every returned spread passes the filters applied to it, the engine's top N
// is the brute-force reference's (test/support/reference-two-expiry-scan.ts, which shares
// none of the engine's two-expiry code), and the engine accounts for every candidate as the
// reference counts them.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanFilters, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { CALL, optionPrice, PUT } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";
import { referenceCounts, referenceScan } from "../../support/reference-scanner.js";
import { appliedQuery, expectSameRanking } from "../../support/reference-top-n.js";
import { expectRejectionsByFilter } from "../../support/rejections-check.js";

const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRIES = ["2026-11-27", "2026-12-04", "2026-12-18", "2027-01-15", "2027-03-19"];
const STRIKES = [90, 92.5, 95, 97.5, 100, 102.5, 105, 107.5, 110];
const TWO_EXPIRY = [Strategy.STRATEGY_CALL_CALENDAR, Strategy.STRATEGY_PUT_CALENDAR, Strategy.STRATEGY_CALL_DIAGONAL, Strategy.STRATEGY_PUT_DIAGONAL];

const contractArbitrary = fc.record({
  volatility: fc.double({ min: 0.12, max: 0.6, noNaN: true }),
  halfSpread: fc.constantFrom(0.01, 0.02, 0.05, 0.1),
  /** 0: normal; 1: no IV given; 2: no greeks given; 4: no bid. */
  kind: fc.constantFrom(0, 0, 0, 0, 1, 2, 4),
  openInterest: fc.integer({ min: 0, max: 5000 }),
});
type Contract = typeof contractArbitrary extends fc.Arbitrary<infer T> ? T : never;

function quoteFor(spot: number, expiry: string, strike: number, isCall: boolean, contract: Contract): OptionQuote {
  const years = (Date.parse(`${expiry}T21:00:00Z`) - AS_OF.getTime()) / (365 * 86_400_000);
  const price = optionPrice(isCall ? CALL : PUT, strike, contract.volatility, { spot, rate: 0.04, dividendYield: 0.01, years });
  const bid = contract.kind === 4 ? 0 : Math.max(0.01, Math.round((price - contract.halfSpread) * 100) / 100);
  const ask = Math.max(bid + 0.01, Math.round((price + contract.halfSpread) * 100) / 100);
  const delta = isCall ? 0.5 + (spot - strike) / 40 : -0.5 + (spot - strike) / 40;
  return OptionQuote.fromPartial({
    expiryDate: expiry,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    volume: 10n,
    openInterest: BigInt(contract.openInterest),
    ...(contract.kind === 1 ? {} : { impliedVolatility: contract.volatility }),
    ...(contract.kind === 2 ? {} : { greeks: { delta: Math.max(-1, Math.min(1, delta)), gamma: 0.02, theta: -0.02, vega: 0.1 } }),
  });
}

/** Two to four expirations (so that there are fronts and backs), most strikes of a grid around the spot. */
const chainArbitrary = fc
  .record({
    spot: fc.double({ min: 95, max: 105, noNaN: true }),
    expiries: fc.subarray(EXPIRIES, { minLength: 2, maxLength: 4 }),
    strikes: fc.subarray(STRIKES, { minLength: 4 }),
    contracts: fc.array(contractArbitrary, { minLength: 2 * 4 * STRIKES.length, maxLength: 2 * 4 * STRIKES.length }),
  })
  .map(({ spot, expiries, strikes, contracts }) => {
    const quotes: OptionQuote[] = [];
    let next = 0;
    for (const expiry of expiries) {
      for (const strike of strikes) for (const isCall of [false, true]) quotes.push(quoteFor(spot, expiry, strike, isCall, contracts[next++] as Contract));
    }
    return OptionChain.fromPartial({ symbol: "CAL", underlyingPrice: spot, asOf: AS_OF, rate: 0.04, dividendYield: 0.01, multiplier: 100, quotes });
  });

const sometimes = <T>(arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> =>
  fc.oneof({ arbitrary: fc.constant(undefined), weight: 4 }, { arbitrary, weight: 1 });

const filtersArbitrary = fc
  .record({
    minDte: sometimes(fc.integer({ min: 0, max: 30 })),
    maxDte: sometimes(fc.integer({ min: 10, max: 60 })),
    minBackDte: sometimes(fc.integer({ min: 0, max: 60 })),
    maxBackDte: sometimes(fc.integer({ min: 20, max: 130 })),
    minShortDelta: sometimes(fc.double({ min: 0, max: 0.3, noNaN: true })),
    maxLongDelta: sometimes(fc.double({ min: 0.3, max: 1, noNaN: true })),
    minWidth: sometimes(fc.constantFrom(0, 2.5, 5)),
    maxWidth: sometimes(fc.constantFrom(2.5, 5, 10)),
    maxDebit: sometimes(fc.double({ min: 0.5, max: 5, noNaN: true })),
    maxMaxLoss: sometimes(fc.double({ min: 50, max: 600, noNaN: true })),
    minPop: sometimes(fc.double({ min: 0, max: 0.6, noNaN: true })),
    minExpectedValue: sometimes(fc.double({ min: -100, max: 20, noNaN: true })),
    maxProbabilityOfTouch: sometimes(fc.double({ min: 0.2, max: 1, noNaN: true })),
    minReturnOnRisk: sometimes(fc.double({ min: 0, max: 1.5, noNaN: true })),
    minOpenInterest: sometimes(fc.bigInt({ min: 0n, max: 2000n })),
    shortStrikesOutOfTheMoney: sometimes(fc.boolean()),
    maxPerExpiry: sometimes(fc.integer({ min: 1, max: 4 })),
    // Rarer than the others: it thins the candidates more than most.
    minShortSigmaDistance: fc.oneof({ arbitrary: fc.constant(undefined), weight: 12 }, { arbitrary: fc.double({ min: -1, max: 1.5, noNaN: true }), weight: 1 }),
  })
  .map((filters) =>
    ScanFilters.fromPartial({
      ...Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined)),
      ...(filters.minDte !== undefined && filters.maxDte !== undefined ? { maxDte: Math.max(filters.minDte, filters.maxDte) } : {}),
      ...(filters.minWidth !== undefined && filters.maxWidth !== undefined ? { maxWidth: Math.max(filters.minWidth, filters.maxWidth) } : {}),
      ...(filters.minBackDte !== undefined && filters.maxBackDte !== undefined ? { maxBackDte: Math.max(filters.minBackDte, filters.maxBackDte) } : {}),
    }),
  );

const SORTS = [
  SortKey.SORT_KEY_SCORE,
  SortKey.SORT_KEY_POP,
  SortKey.SORT_KEY_EXPECTED_VALUE,
  SortKey.SORT_KEY_RETURN_ON_RISK,
  SortKey.SORT_KEY_MAX_LOSS,
  SortKey.SORT_KEY_CREDIT_TO_WIDTH,
  SortKey.SORT_KEY_PROBABILITY_OF_TOUCH,
  SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE,
];

const queryArbitrary = (model: ProbabilityModel): fc.Arbitrary<ScanQuery> =>
  fc
    .record({
      strategies: fc.subarray(TWO_EXPIRY, { minLength: 1 }),
      // Now and then a vertical too, so that both kinds share the heaps.
      vertical: fc.boolean(),
      filters: filtersArbitrary,
      sort: fc.constantFrom(...SORTS),
      pricing: fc.constantFrom(PricingMode.PRICING_MODE_MID, PricingMode.PRICING_MODE_NATURAL),
      limit: fc.integer({ min: 1, max: 6 }),
      volatility: fc.double({ min: 0.05, max: 0.8, noNaN: true }),
    })
    .map(({ volatility, vertical, strategies, ...query }) =>
      ScanQuery.fromPartial({
        ...query,
        strategies: vertical ? [...strategies, Strategy.STRATEGY_BULL_PUT] : strategies,
        probabilityModel: model,
        volatility: model === ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY ? volatility : undefined,
      }),
    );

const MODELS = [
  ProbabilityModel.PROBABILITY_MODEL_UNSPECIFIED,
  ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
  ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
];

/**
 * ARCHITECTURE.md asks two-expiry POP, EV and max profit to 1e-6: the engine's quadrature is held
 * to that, so sort values built from them agree to 1e-6 (1e-7 was tighter than the definition and
 * failed once on a 1.47e-7 difference).
 */
const close = (a: number, b: number): boolean => a === b || Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));

/** The filters a calendar or diagonal must pass, from the returned spread alone. */
function violatedFilters(spread: Spread, query: ScanQuery, spot: number): string[] {
  const f = query.filters ?? ScanFilters.fromPartial({});
  const broken: string[] = [];
  const check = (name: string, ok: boolean): void => {
    if (!ok) broken.push(name);
  };
  const sold = spread.legs.find((leg) => leg.action === LegAction.LEG_ACTION_SELL);
  const bought = spread.legs.find((leg) => leg.action === LegAction.LEG_ACTION_BUY);
  if (!sold || !bought) return ["two legs"];
  check("front is the spread's expiry", sold.expiryDate === spread.expiryDate && bought.expiryDate === spread.backExpiryDate);
  check("back after front", spread.backExpiryDate > spread.expiryDate && spread.backDte > spread.dte);
  if (f.minDte !== undefined) check("min_dte", spread.dte >= f.minDte);
  if (f.maxDte !== undefined) check("max_dte", spread.dte <= f.maxDte);
  if (f.minBackDte !== undefined) check("min_back_dte", spread.backDte >= f.minBackDte);
  check("max_back_dte", spread.backDte <= (f.maxBackDte ?? spread.dte + 60));
  if (f.minShortDelta !== undefined) check("min_short_delta", Math.abs(sold.greeks?.delta ?? Number.NaN) >= f.minShortDelta);
  if (f.maxLongDelta !== undefined) check("max_long_delta", Math.abs(bought.greeks?.delta ?? Number.NaN) <= f.maxLongDelta);
  if (f.shortStrikesOutOfTheMoney ?? true) check("short_otm", sold.right === OptionRight.OPTION_RIGHT_CALL ? sold.strike > spot : sold.strike < spot);
  const calendar = spread.strategy === Strategy.STRATEGY_CALL_CALENDAR || spread.strategy === Strategy.STRATEGY_PUT_CALENDAR;
  check(
    "strikes",
    calendar ? sold.strike === bought.strike : sold.right === OptionRight.OPTION_RIGHT_CALL ? bought.strike < sold.strike : bought.strike > sold.strike,
  );
  if (!calendar && f.minWidth !== undefined) check("min_width", spread.width >= f.minWidth);
  if (!calendar && f.maxWidth !== undefined) check("max_width", spread.width <= f.maxWidth);
  if (f.maxDebit !== undefined) check("max_debit", -spread.netCredit <= f.maxDebit + 1e-9);
  if (f.maxMaxLoss !== undefined) check("max_max_loss", spread.maxLoss <= f.maxMaxLoss + 1e-9);
  if (f.minPop !== undefined) check("min_pop", spread.pop >= f.minPop);
  if (f.minExpectedValue !== undefined) check("min_expected_value", spread.expectedValue >= f.minExpectedValue);
  if (f.maxProbabilityOfTouch !== undefined) check("max_probability_of_touch", spread.probabilityOfTouch <= f.maxProbabilityOfTouch);
  if (f.minReturnOnRisk !== undefined) check("min_return_on_risk", spread.returnOnRisk >= f.minReturnOnRisk);
  if (f.minOpenInterest !== undefined) for (const leg of spread.legs) check("min_open_interest", leg.openInterest >= f.minOpenInterest);
  check("something to gain and to lose", spread.maxProfit > 0 && spread.maxLoss > 0);
  return broken;
}

describe.each(MODELS.map((model) => [ProbabilityModel[model], model] as const))("calendars and diagonals on random chains under %s", (_name, model) => {
  const queries = queryArbitrary(model);

  it("return only spreads that pass their filters, exactly the brute-force reference's top N, every candidate accounted for", () => {
    let twoExpiryKept = 0;
    let rankedOutRuns = 0;
    fc.assert(
      fc.property(chainArbitrary, queries, (chain, given) => {
        const result = scanChain(chain, given);
        const query = appliedQuery(result);
        const reference = referenceScan(chain, query);
        for (const spread of result.spreads) {
          if (spread.backExpiryDate === "") continue;
          twoExpiryKept++;
          expect(violatedFilters(spread, query, chain.underlyingPrice), spread.id).toEqual([]);
        }
        expectSameRanking(result.spreads, query, reference, close);
        for (const spread of result.spreads) {
          const twin = reference.find((candidate) => candidate.id === spread.id);
          if (!twin) continue;
          expect(spread.netCredit).toBeCloseTo(twin.netCredit, 9);
          // $0.01 a lot, and POP and EV to 1e-6 relative.
          expect(Math.abs(spread.maxProfit - twin.maxProfit)).toBeLessThan(0.01);
          expect(Math.abs(spread.maxLoss - twin.maxLoss)).toBeLessThan(0.01);
          expect(Math.abs(spread.pop - twin.pop)).toBeLessThanOrEqual(1e-6 * Math.max(twin.pop, 1e-3));
          expect(Math.abs(spread.expectedValue - twin.expectedValue)).toBeLessThanOrEqual(1e-6 * Math.max(Math.abs(twin.expectedValue), 1));
          expect(spread.breakevens.length).toBe(twin.breakevens.length);
          spread.breakevens.forEach((breakeven, index) => expect(breakeven).toBeCloseTo(twin.breakevens[index] as number, 6));
          expect(spread.probabilityOfTouch).toBeCloseTo(twin.probabilityOfTouch, 9);
          expect(spread.volatility).toBe(twin.volatility);
        }
        const counts = referenceCounts(chain, query);
        expectRejectionsByFilter(result, counts);
        const considered = Number(result.candidatesConsidered);
        const rankedOut = Number(result.candidatesRankedOut);
        const fullyEvaluated = Number(result.candidatesFullyEvaluated);
        expect(Number(result.candidatesRejectedByLegFilters) + Number(result.candidatesRejectedBySpreadFilters) + rankedOut + fullyEvaluated).toBe(considered);
        expect(considered).toBe(counts.considered);
        expect(Number(result.candidatesRejectedByLegFilters)).toBe(counts.rejectedByLegFilters);
        expect(Number(result.candidatesRejectedBySpreadFilters)).toBe(counts.rejectedBySpreadFilters);
        expect(rankedOut + fullyEvaluated).toBe(counts.passed);
        if (rankedOut > 0) rankedOutRuns++;
      }),
      { numRuns: 120, seed: 20261207 },
    );
    // The property must have seen calendars and diagonals kept, and candidates ranked out by bound.
    expect(twoExpiryKept).toBeGreaterThan(100);
    expect(rankedOutRuns).toBeGreaterThan(5);
  });
});
