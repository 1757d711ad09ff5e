// The defaults a scan fills in for what the caller leaves unset: each rule, each case where
// the caller's value wins, and the strike increment the width bound is counted in. Expected
// values are worked out by hand from the documented rules.
import { describe, expect, it } from "vitest";
import { PricingMode, ProbabilityModel, ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { generateSyntheticChain } from "../../../services/market-model/synthetic-chain.js";
import { genericProfile } from "../../../services/market-model/symbol-profiles.js";
import { effectiveQuery, prepareChain, scanPrepared, strikeIncrement, type ChainOutline } from "../../../services/engine/index.js";

/** Strikes from `low` to `high` in steps of `step`, exact for decimal steps. */
function strikes(low: number, high: number, step: number): number[] {
  const count = Math.round((high - low) / step);
  return Array.from({ length: count + 1 }, (_, index) => Math.round((low + index * step) * 1e6) / 1e6);
}

/** An index at 600 listing $1 strikes within ±$60 and $5 strikes out to ±$300, weekly to 90 days. */
const INDEX: ChainOutline = {
  spot: 600,
  expirations: [2, 9, 16, 30, 44, 58, 90].map((dte) => ({
    dte,
    strikes: [...strikes(300, 535, 5), ...strikes(540, 660, 1), ...strikes(665, 900, 5)],
  })),
};

const ALL_SIX = [
  Strategy.STRATEGY_BULL_PUT,
  Strategy.STRATEGY_BEAR_CALL,
  Strategy.STRATEGY_BULL_CALL,
  Strategy.STRATEGY_BEAR_PUT,
  Strategy.STRATEGY_IRON_CONDOR,
  Strategy.STRATEGY_IRON_BUTTERFLY,
];

const applied = (query: Partial<ScanQuery> | undefined, outline: ChainOutline = INDEX): ScanQuery =>
  effectiveQuery(query === undefined ? undefined : ScanQuery.fromPartial(query), outline);

describe("the defaults of a bare query", () => {
  it("fill in every field a trader would choose, and only those", () => {
    const expected = ScanQuery.fromPartial({
      strategies: ALL_SIX,
      // 2% of $600 is $12: twelve $1 increments.
      filters: { minDte: 7, maxDte: 60, minShortDelta: 0.1, maxWidth: 12, shortStrikesOutOfTheMoney: true },
      sort: SortKey.SORT_KEY_SCORE,
      pricing: PricingMode.PRICING_MODE_MID,
      limit: 20,
      scoreWeights: { expectedValuePerRisk: 0.5, pop: 0.3, liquidity: 0.2 },
      // One distribution per expiration, at its at-the-money implied volatility.
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_EXPIRY_ATM_IV,
    });
    expect(applied(undefined)).toEqual(expected);
    expect(applied({})).toEqual(expected);
    const filters = applied({}).filters ?? {};
    expect(
      Object.entries(filters)
        .filter(([, value]) => value !== undefined)
        .map(([key]) => key)
        .sort(),
    ).toEqual(["maxDte", "maxWidth", "minDte", "minShortDelta", "shortStrikesOutOfTheMoney"].sort());
  });

  it("are what a scan applies and reports", () => {
    const chain = generateSyntheticChain({ symbol: "SPY", spot: 600, seed: 42, asOf: new Date("2026-11-20T15:00:00Z") });
    const result = scanPrepared(prepareChain(chain), undefined);
    expect(result.effectiveQuery?.filters).toEqual(applied({}).filters);
    expect(result.effectiveQuery?.strategies).toEqual(ALL_SIX);
    for (const spread of result.spreads) {
      expect(spread.dte).toBeGreaterThanOrEqual(7);
      expect(spread.dte).toBeLessThanOrEqual(60);
      expect(spread.width).toBeLessThanOrEqual(12);
    }
  });
});

describe("the caller's values win", () => {
  it("DTE: both bounds as given; a max_dte below 7 drops the floor to 0; a min_dte past 30 pushes max_dte to 30 days past it", () => {
    expect(applied({ filters: { minDte: 0, maxDte: 400 } }).filters).toMatchObject({ minDte: 0, maxDte: 400 });
    expect(applied({ filters: { maxDte: 3 } }).filters).toMatchObject({ minDte: 0, maxDte: 3 });
    expect(applied({ filters: { maxDte: 7 } }).filters).toMatchObject({ minDte: 7, maxDte: 7 });
    expect(applied({ filters: { maxDte: 0 } }).filters).toMatchObject({ minDte: 0, maxDte: 0 });
    expect(applied({ filters: { maxDte: 20 } }).filters).toMatchObject({ minDte: 7, maxDte: 20 });
    expect(applied({ filters: { minDte: 0 } }).filters).toMatchObject({ minDte: 0, maxDte: 60 });
    expect(applied({ filters: { minDte: 30 } }).filters).toMatchObject({ minDte: 30, maxDte: 60 });
    expect(applied({ filters: { minDte: 45 } }).filters).toMatchObject({ minDte: 45, maxDte: 75 });
    expect(applied({ filters: { minDte: 36_500 } }).filters).toMatchObject({ minDte: 36_500, maxDte: 36_500 });
  });

  it("short delta: min_short_delta as given; a max_short_delta below 0.10 drops the floor to 0; no max_short_delta by default", () => {
    expect(applied({ filters: { minShortDelta: 0 } }).filters).toMatchObject({ minShortDelta: 0 });
    expect(applied({ filters: { minShortDelta: 0.25 } }).filters).toMatchObject({ minShortDelta: 0.25 });
    expect(applied({ filters: { maxShortDelta: 0.3 } }).filters).toMatchObject({ minShortDelta: 0.1, maxShortDelta: 0.3 });
    expect(applied({ filters: { maxShortDelta: 0.05 } }).filters).toMatchObject({ minShortDelta: 0, maxShortDelta: 0.05 });
    expect(applied({}).filters?.maxShortDelta).toBeUndefined();
  });

  it("width: max_width as given, even narrower than the default; a min_width above the default raises it", () => {
    expect(applied({ filters: { maxWidth: 1000 } }).filters).toMatchObject({ maxWidth: 1000 });
    expect(applied({ filters: { maxWidth: 1 } }).filters).toMatchObject({ maxWidth: 1 });
    expect(applied({ filters: { minWidth: 5 } }).filters).toMatchObject({ minWidth: 5, maxWidth: 12 });
    expect(applied({ filters: { minWidth: 20 } }).filters).toMatchObject({ minWidth: 20, maxWidth: 20 });
  });

  it("strategies, sort, pricing, limit, score weights and the out-of-the-money rule as given", () => {
    const query = applied({
      strategies: [Strategy.STRATEGY_IRON_CONDOR, Strategy.STRATEGY_BULL_PUT, Strategy.STRATEGY_IRON_CONDOR],
      sort: SortKey.SORT_KEY_POP,
      pricing: PricingMode.PRICING_MODE_NATURAL,
      limit: 5,
      scoreWeights: { pop: 1 },
      filters: { shortStrikesOutOfTheMoney: false, minPop: 0.7, maxPerExpiry: 2 },
    });
    expect(query.strategies).toEqual([Strategy.STRATEGY_IRON_CONDOR, Strategy.STRATEGY_BULL_PUT]);
    expect(query.sort).toBe(SortKey.SORT_KEY_POP);
    expect(query.pricing).toBe(PricingMode.PRICING_MODE_NATURAL);
    expect(query.limit).toBe(5);
    expect(query.scoreWeights).toEqual({ expectedValuePerRisk: 0.5, pop: 1, liquidity: 0.2 });
    expect(query.filters).toMatchObject({ shortStrikesOutOfTheMoney: false, minPop: 0.7, maxPerExpiry: 2 });
  });

  it("probability model and volatility as given", () => {
    expect(applied({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV })).toMatchObject({
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV,
      volatility: undefined,
    });
    expect(applied({ probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY, volatility: 0.25 })).toMatchObject({
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
      volatility: 0.25,
    });
  });
});

describe("the default width bound", () => {
  const listed = (spot: number, step: number): ChainOutline => ({
    spot,
    expirations: [14, 30].map((dte) => ({ dte, strikes: strikes(Math.round(spot * 0.5), Math.round(spot * 1.5), step) })),
  });

  it("is two increments on a $50 stock listed in $2.50 steps, where 2% of the price is less than one", () => {
    expect(applied({}, listed(50, 2.5)).filters?.maxWidth).toBe(5);
  });

  it("is 2% of the price in whole increments: $230 in $2.50 steps is $5, $430 is $7.50, $140 in $1 steps is $3, $520 is $10", () => {
    expect(applied({}, listed(230, 2.5)).filters?.maxWidth).toBe(5);
    expect(applied({}, listed(430, 2.5)).filters?.maxWidth).toBe(7.5);
    expect(applied({}, listed(140, 1)).filters?.maxWidth).toBe(3);
    expect(applied({}, listed(520, 1)).filters?.maxWidth).toBe(10);
  });

  it("lets the spreads of a $2.50-step chain through a bare scan", () => {
    const profile = { ...genericProfile(50), strikeSteps: { near: 2.5, far: 5 } };
    const chain = generateSyntheticChain({ symbol: "XYZ", spot: 50, seed: 3, asOf: new Date("2026-11-20T15:00:00Z"), profile });
    const result = scanPrepared(prepareChain(chain), undefined);
    expect(result.effectiveQuery?.filters?.maxWidth).toBe(5);
    expect(result.spreads.length).toBeGreaterThan(0);
  });
});

describe("the strike increment", () => {
  const range = { minDte: 7, maxDte: 60 };

  it("is the most common gap between adjacent strikes within ±10% of the price, over the expirations in the DTE range", () => {
    expect(strikeIncrement(INDEX, range)).toBe(1);
    // $5 strikes everywhere except a few $1 strikes right at the money: $5 is the most common within ±10%.
    const sparse: ChainOutline = { spot: 600, expirations: [{ dte: 30, strikes: [...strikes(300, 900, 5), 598, 599, 601, 602] }] };
    expect(strikeIncrement(sparse, range)).toBe(5);
  });

  it("counts calls and puts together, each strike once, whatever their order", () => {
    const both: ChainOutline = { spot: 100, expirations: [{ dte: 30, strikes: [105, 95, 100, 100, 95, 105, 110, 90] }] };
    expect(strikeIncrement(both, range)).toBe(5);
  });

  it("ignores expirations outside the DTE range", () => {
    const outline: ChainOutline = {
      spot: 100,
      expirations: [
        { dte: 2, strikes: strikes(90, 110, 0.5) },
        { dte: 30, strikes: strikes(80, 120, 2.5) },
      ],
    };
    expect(strikeIncrement(outline, range)).toBe(2.5);
  });

  it("takes the smaller gap on a tie", () => {
    const outline: ChainOutline = { spot: 100, expirations: [{ dte: 30, strikes: [92.5, 95, 97.5, 100, 101, 102, 103] }] };
    expect(strikeIncrement(outline, range)).toBe(1);
  });

  it("falls back to every strike of the range, then to every expiration, then to none", () => {
    const wide: ChainOutline = { spot: 100, expirations: [{ dte: 30, strikes: [50, 75, 100, 150] }] };
    expect(strikeIncrement(wide, range)).toBe(25);
    const outside: ChainOutline = { spot: 100, expirations: [{ dte: 200, strikes: [95, 97.5, 100, 102.5] }] };
    expect(strikeIncrement(outside, range)).toBe(2.5);
    const lonely: ChainOutline = { spot: 100, expirations: [{ dte: 30, strikes: [100] }] };
    expect(strikeIncrement(lonely, range)).toBeUndefined();
    // No spread can be formed; the bound is 2% of the price to the cent.
    expect(applied({}, lonely).filters?.maxWidth).toBe(2);
  });

  it("reads decimal strikes without floating-point noise", () => {
    const outline: ChainOutline = { spot: 1, expirations: [{ dte: 30, strikes: [0.8, 0.9, 1, 1.1, 1.2] }] };
    expect(strikeIncrement(outline, range)).toBe(0.1);
    // 2% of $1 is under one increment: two of them.
    expect(applied({}, outline).filters?.maxWidth).toBe(0.2);
  });
});
