// The volatility context against hand-worked values: IV rank and percentile over a built
// history, the 30-day σ interpolated in total variance, the expected moves and the σ distance
// of a short put and a short call; and the IV rank, percentile and σ distance filters on a scan.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight, type DailyImpliedVolatility } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ScanQuery, SortKey, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { EngineInputError, scanChain } from "../../../services/engine/index.js";
import { sigmaDistance } from "../../../services/engine/market-context/sigma-distance.js";
import { thirtyDayVolatility } from "../../../services/engine/market-context/thirty-day-volatility.js";
import { volatilityStanding } from "../../../services/engine/market-context/volatility-standing.js";
import { addDays } from "../../../services/engine/new-york-time.js";

/** 252 days rising by 0.001 a day: 0.100, 0.101, …, 0.351. */
const RISING = Array.from({ length: 252 }, (_, day) => (100 + day) / 1000);

describe("IV rank and IV percentile", () => {
  it("rank now within the window's low and high, percentile the share of days below now", () => {
    // low 0.100, high 0.351; now 0.2005: rank (0.2005 − 0.100) / (0.351 − 0.100) = 0.1005 / 0.251 = 0.400398…;
    // below 0.2005 are 0.100 … 0.200, 101 days: percentile 101 / 252 = 0.400794…
    const standing = volatilityStanding(RISING, 0.2005);
    expect(standing.ivRank).toBeCloseTo(0.400398406, 9);
    expect(standing.ivPercentile).toBeCloseTo(0.400793651, 9);
    expect(standing.days).toBe(252);
    expect(standing.low).toBe(0.1);
    expect(standing.high).toBe(0.351);
  });

  it("reads only the last 252 days", () => {
    // 48 older days at 0.90 lie outside the window: the high stays 0.351, the figures as above.
    const standing = volatilityStanding([...Array.from({ length: 48 }, () => 0.9), ...RISING], 0.2005);
    expect(standing.days).toBe(252);
    expect(standing.high).toBe(0.351);
    expect(standing.ivRank).toBeCloseTo(0.400398406, 9);
  });

  it("counts now in the low and high: above every day is rank 1 and percentile 1, a flat year rank 0.5", () => {
    const above = volatilityStanding(RISING, 0.4);
    expect(above.ivRank).toBe(1);
    expect(above.ivPercentile).toBe(1);
    // Every day 0.2 and now 0.2: high equals low, so 0.5; no day lies below now, so percentile 0.
    const flat = volatilityStanding(
      Array.from({ length: 252 }, () => 0.2),
      0.2,
    );
    expect(flat.ivRank).toBe(0.5);
    expect(flat.ivPercentile).toBe(0);
  });

  it("leaves both unknown, never 0, with fewer than 200 days or no σ now", () => {
    const short = volatilityStanding(RISING.slice(0, 199), 0.2);
    expect(short.ivRank).toBeUndefined();
    expect(short.ivPercentile).toBeUndefined();
    expect(short.days).toBe(199);
    expect(short.low).toBe(0.1);
    expect(volatilityStanding(RISING, undefined).ivRank).toBeUndefined();
    const none = volatilityStanding([], 0.2);
    expect([none.ivRank, none.low, none.high, none.days]).toEqual([undefined, undefined, undefined, 0]);
  });
});

describe("the 30-day at-the-money σ", () => {
  it("interpolates linearly in total variance between the expirations either side of 30 days", () => {
    // 23 days at σ 0.20: σ²T = 0.04 × 23/365 = 0.92/365; 44 days at σ 0.26: 0.0676 × 44/365 = 2.9744/365.
    // At 30 days the weight is (30 − 23) / (44 − 23) = 1/3: σ²T = (0.92 + (2.9744 − 0.92) / 3) / 365 = 1.6048/365,
    // so σ = √(1.6048 / 30) = 0.231286…
    const result = thirtyDayVolatility([
      { expiryDate: "2026-12-13", years: 23 / 365, volatility: 0.2 },
      { expiryDate: "2027-01-03", years: 44 / 365, volatility: 0.26 },
      { expiryDate: "2027-02-20", years: 92 / 365, volatility: 0.4 },
    ]);
    expect(result?.volatility).toBeCloseTo(0.231286258, 9);
    expect(result?.expiries).toEqual(["2026-12-13", "2027-01-03"]);
  });

  it("takes the nearest expiration's σ when all lie on one side of 30 days, and none without any", () => {
    expect(
      thirtyDayVolatility([
        { expiryDate: "2026-12-27", years: 37 / 365, volatility: 0.3 },
        { expiryDate: "2027-01-10", years: 51 / 365, volatility: 0.5 },
      ]),
    ).toEqual({ volatility: 0.3, expiries: ["2026-12-27"] });
    expect(thirtyDayVolatility([{ expiryDate: "2026-11-27", years: 7 / 365, volatility: 0.25 }])).toEqual({ volatility: 0.25, expiries: ["2026-11-27"] });
    expect(thirtyDayVolatility([])).toBeUndefined();
  });
});

describe("the σ distance of a short strike", () => {
  it("is ln(K/S) over σ√T for a call and ln(S/K) over σ√T for a put", () => {
    // S 100, σ 0.2, T 0.25: σ√T = 0.1. Call 110: ln 1.1 / 0.1 = 0.953102; put 90: ln(100/90) / 0.1 = 1.053605.
    expect(sigmaDistance(true, 110, 100, 0.1)).toBeCloseTo(0.953101798, 9);
    expect(sigmaDistance(false, 90, 100, 0.1)).toBeCloseTo(1.053605157, 9);
    // In the money it is negative: a call at 95 is ln 0.95 / 0.1 = −0.512933.
    expect(sigmaDistance(true, 95, 100, 0.1)).toBeCloseTo(-0.512932944, 9);
  });
});

// A chain on 2026-11-20 at 10:00 New York (15:00 UTC), S 100, r = q = 0 (so the forward is
// 100), one expiration 2026-12-18: 28 days and 6 hours to its 16:00 close, T = 28.25/365 =
// 0.0773973, √T = 0.2782036.
const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRY = "2026-12-18";

function quote(strike: number, isCall: boolean, bid: number, ask: number, impliedVolatility: number): OptionQuote {
  return OptionQuote.fromPartial({
    expiryDate: EXPIRY,
    strike,
    right: isCall ? OptionRight.OPTION_RIGHT_CALL : OptionRight.OPTION_RIGHT_PUT,
    bid,
    ask,
    impliedVolatility,
    greeks: { delta: isCall ? 0.5 + (100 - strike) / 40 : -0.5 + (100 - strike) / 40, gamma: 0.02, theta: -0.02, vega: 0.1 },
    volume: 100n,
    openInterest: 1000n,
  });
}

/** The history before AS_OF: `values` on consecutive days ending the day before. */
function history(values: readonly number[]): { days: DailyImpliedVolatility[]; source: string } {
  return { days: values.map((impliedVolatility, index) => ({ date: addDays("2026-11-19", index - values.length + 1), impliedVolatility })), source: "test" };
}

function chainWith(days?: readonly number[]): OptionChain {
  return OptionChain.fromPartial({
    symbol: "CTX",
    underlyingPrice: 100,
    asOf: AS_OF,
    rate: 0,
    dividendYield: 0,
    multiplier: 100,
    quotes: [
      quote(90, false, 0.3, 0.34, 0.24),
      quote(95, false, 0.9, 1.0, 0.22),
      quote(100, false, 2.1, 2.3, 0.19),
      quote(100, true, 2.2, 2.4, 0.21),
      quote(105, true, 0.75, 0.85, 0.19),
      quote(110, true, 0.2, 0.24, 0.2),
    ],
    ...(days ? { impliedVolatilityHistory: history(days) } : {}),
  });
}

describe("the market context of a scan", () => {
  it("gives each expiration's at-the-money strike and σ, the straddle and the one-σ move", () => {
    const context = scanChain(chainWith(), ScanQuery.fromPartial({})).marketContext;
    const expiry = context?.expiries[0];
    // At the money: the strike nearest the forward 100 is 100; the mean of the call's 0.21 and the put's 0.19 = 0.20.
    expect(expiry?.expiryDate).toBe(EXPIRY);
    expect(expiry?.dte).toBe(28);
    expect(expiry?.timeToExpiryYears).toBeCloseTo(0.0773972603, 9);
    expect(expiry?.atmStrike).toBe(100);
    expect(expiry?.atmImpliedVolatility).toBeCloseTo(0.2, 12);
    // Straddle: the call's mid 2.30 plus the put's mid 2.20 = 4.50.
    expect(expiry?.straddleExpectedMove).toBeCloseTo(4.5, 12);
    // One σ: S σ √T = 100 × 0.20 × 0.2782036 = 5.564073.
    expect(expiry?.oneSigmaExpectedMove).toBeCloseTo(5.564072619, 8);
    // One expiration, 28 days: the 30-day σ is its own.
    expect(context?.atmImpliedVolatility30d).toBeCloseTo(0.2, 12);
    expect(context?.atmImpliedVolatility30dExpiries).toEqual([EXPIRY]);
    // No history on the chain: rank and percentile unknown, no low or high, no source.
    expect(context?.ivRank).toBeUndefined();
    expect(context?.ivPercentile).toBeUndefined();
    expect(context?.ivHistoryDays).toBe(0);
    expect(context?.ivHistoryLow).toBeUndefined();
    expect(context?.ivHistorySource).toBe("");
  });

  it("ranks the 30-day σ against the chain's history", () => {
    // Now 0.20 against 0.100 … 0.351: rank (0.20 − 0.10) / 0.251 = 0.398406; below 0.20 lie 0.100 … 0.199
    // (100 days; 0.200 itself is not below): percentile 100 / 252 = 0.396825.
    const context = scanChain(chainWith(RISING), ScanQuery.fromPartial({})).marketContext;
    expect(context?.ivRank).toBeCloseTo(0.398406375, 6);
    expect(context?.ivPercentile).toBeCloseTo(100 / 252, 12);
    expect(context?.ivHistoryDays).toBe(252);
    expect([context?.ivHistoryLow, context?.ivHistoryHigh, context?.ivHistorySource]).toEqual([0.1, 0.351, "test"]);
  });

  it("gives each vertical its short strike's σ distance under the expiration's σ", () => {
    // σ√T = 0.20 × 0.2782036 = 0.0556407: the bear call sold at 105 is ln 1.05 / 0.0556407 = 0.876879 σ out;
    // the bull put sold at 95 is ln(100/95) / 0.0556407 = 0.921866 σ out.
    const result = scanChain(
      chainWith(),
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_PUT], filters: { minShortDelta: 0, maxWidth: 5 }, limit: 10 }),
    );
    const byId = new Map(result.spreads.map((spread) => [spread.id, spread.shortSigmaDistance]));
    expect(byId.get("CTX:2026-12-18:BEAR_CALL:105/110")).toBeCloseTo(0.876878637, 8);
    expect(byId.get("CTX:2026-12-18:BULL_PUT:90/95")).toBeCloseTo(0.921866013, 8);
  });
});

describe("the filters on the volatility context", () => {
  const query = (filters: object, sort = SortKey.SORT_KEY_SCORE): ScanQuery =>
    ScanQuery.fromPartial({
      strategies: [Strategy.STRATEGY_BEAR_CALL, Strategy.STRATEGY_BULL_PUT],
      filters: { minShortDelta: 0, maxWidth: 5, ...filters },
      sort,
      limit: 10,
    });

  it("rejects every candidate by its legs when the IV rank or percentile is out of bounds or unknown", () => {
    const open = scanChain(chainWith(RISING), query({}));
    expect(open.spreads.length).toBe(2);
    // Rank 0.398 passes [0.3, 0.5] and fails a floor of 0.5; percentile 0.397 fails a ceiling of 0.3.
    expect(scanChain(chainWith(RISING), query({ minIvRank: 0.3, maxIvRank: 0.5 })).spreads.length).toBe(2);
    for (const [chain, filters] of [
      [chainWith(RISING), { minIvRank: 0.5 }],
      [chainWith(RISING), { maxIvPercentile: 0.3 }],
      [chainWith(RISING.slice(0, 199)), { maxIvRank: 1 }],
      [chainWith(), { minIvPercentile: 0 }],
    ] as const) {
      const result = scanChain(chain, query(filters));
      expect(result.spreads).toEqual([]);
      expect(result.candidatesConsidered).toBe(open.candidatesConsidered);
      expect(result.candidatesRejectedByLegFilters).toBe(open.candidatesConsidered);
    }
  });

  it("keeps only short strikes at least min_short_sigma_distance out, and sorts by the distance", () => {
    // 0.9 σ: the put sold at 95 (0.922) passes, the call sold at 105 (0.877) does not.
    const result = scanChain(chainWith(), query({ minShortSigmaDistance: 0.9 }));
    expect(result.spreads.map((spread) => spread.id)).toEqual(["CTX:2026-12-18:BULL_PUT:90/95"]);
    const sorted = scanChain(chainWith(), query({}, SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE));
    expect(sorted.spreads.map((spread) => spread.id)).toEqual(["CTX:2026-12-18:BULL_PUT:90/95", "CTX:2026-12-18:BEAR_CALL:105/110"]);
  });

  it("refuses bounds outside [0, 1] and a floor above its ceiling, field by field", () => {
    const violations = (filters: object): string[] => {
      try {
        scanChain(chainWith(RISING), query(filters));
      } catch (error) {
        if (error instanceof EngineInputError) return error.violations.map((violation) => violation.field);
        throw error;
      }
      return [];
    };
    expect(violations({ minIvRank: 1.5 })).toEqual(["query.filters.min_iv_rank"]);
    expect(violations({ maxIvPercentile: -0.1 })).toEqual(["query.filters.max_iv_percentile"]);
    expect(violations({ minIvRank: 0.6, maxIvRank: 0.4 })).toEqual(["query.filters.min_iv_rank"]);
    expect(violations({ minIvPercentile: 0.6, maxIvPercentile: 0.4 })).toEqual(["query.filters.min_iv_percentile"]);
    expect(violations({ minShortSigmaDistance: Number.NaN })).toEqual(["query.filters.min_short_sigma_distance"]);
  });

  it("refuses a history with a bad day, by field", () => {
    const chain = chainWith(RISING);
    chain.impliedVolatilityHistory!.days[3]!.impliedVolatility = -0.2;
    expect(() => scanChain(chain, query({}))).toThrow(EngineInputError);
    try {
      scanChain(chain, query({}));
    } catch (error) {
      expect((error as EngineInputError).violations.map((violation) => violation.field)).toEqual([
        "chain.implied_volatility_history.days[3].implied_volatility",
      ]);
    }
  });
});
