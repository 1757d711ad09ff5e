// Which σ an expiration's spreads are judged under, rule by rule as docs/architecture.md
// ("Which σ: the probability model") words it: the strike nearest the forward (not the spot;
// the lower one on a tie), the mean of its call's and put's implied volatility where both are
// usable quotes, else the one that is, else the nearest strike with a usable quote; the
// caller's σ; or none shared (each spread's short legs). Forwards and choices below are
// worked out by hand.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { ProbabilityModel, ScanFilters, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { VolatilitySource, type ExpiryDistribution } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { CALL, optionPrice } from "../../../services/engine/black-scholes.js";
import { scanChain } from "../../../services/engine/index.js";

// Friday 2026-11-20 10:00 New York to 16:00 New York on Friday 2026-12-18: 28 days 6 hours.
const AS_OF = new Date("2026-11-20T15:00:00Z");
const EXPIRY = "2026-12-18";
const YEARS = (28 * 24 + 6) / 24 / 365;
const STALE = new Date(AS_OF.getTime() - 600_000);
const P = OptionRight.OPTION_RIGHT_PUT;
const C = OptionRight.OPTION_RIGHT_CALL;

/** A quote whose price rises 0.40 a strike dollar into the money, so that neighbouring strikes make spreads. */
function quote(right: OptionRight, strike: number, impliedVolatility: number | undefined, overrides: Partial<OptionQuote> = {}): OptionQuote {
  const put = right === P;
  const bid = 0.5 + 0.4 * (put ? strike - 95 : 107.5 - strike);
  return OptionQuote.fromPartial({
    expiryDate: EXPIRY,
    strike,
    right,
    bid,
    ask: bid + 0.1,
    volume: 10n,
    openInterest: 100n,
    impliedVolatility,
    greeks: { delta: put ? -0.3 : 0.3, gamma: 0.05, theta: -0.03, vega: 0.1 },
    ...overrides,
  });
}

function chainOf(spot: number, rate: number, quotes: OptionQuote[]): OptionChain {
  return OptionChain.fromPartial({ symbol: "ATM", underlyingPrice: spot, asOf: AS_OF, rate, dividendYield: 0, multiplier: 100, quotes });
}

function distributionsOf(chain: OptionChain, query: Partial<ScanQuery> = {}): ExpiryDistribution[] {
  return scanChain(chain, ScanQuery.fromPartial(query)).expiryDistributions;
}

/** Strikes 100 and 102.5 of both rights, with these implied volatilities (call, put). */
function pairOfStrikes(
  spot: number,
  rate: number,
  at100: [number, number],
  at1025: [number, number],
  change: (quotes: OptionQuote[]) => void = () => undefined,
): OptionChain {
  const quotes = [quote(C, 100, at100[0]), quote(P, 100, at100[1]), quote(C, 102.5, at1025[0]), quote(P, 102.5, at1025[1])];
  change(quotes);
  return chainOf(spot, rate, quotes);
}

describe("the expiration's at-the-money σ (the default)", () => {
  it("is at the strike nearest the forward, not the spot: the mean of its call's and put's implied volatility", () => {
    // F = 101.2 · e^(0.2 · 0.0774) = 102.78: nearest 102.5, although the spot is nearer 100.
    const chain = pairOfStrikes(101.2, 0.2, [0.3, 0.32], [0.25, 0.27]);
    const [distribution] = distributionsOf(chain);
    expect(distribution).toEqual({
      expiryDate: EXPIRY,
      dte: 28,
      timeToExpiryYears: expect.closeTo(YEARS, 12) as number,
      forward: expect.closeTo(101.2 * Math.exp(0.2 * YEARS), 12) as number,
      volatility: expect.closeTo(0.26, 15) as number,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_MEAN,
      strike: 102.5,
    });
    // Every spread of the expiration is judged under it, whatever its short leg's volatility.
    const spreads = scanChain(
      chain,
      ScanQuery.fromPartial({ strategies: [Strategy.STRATEGY_BULL_CALL, Strategy.STRATEGY_BEAR_PUT], filters: { minShortDelta: 0 } }),
    ).spreads;
    expect(spreads.length).toBeGreaterThan(0);
    for (const spread of spreads) expect(spread.volatility).toBeCloseTo(0.26, 15);
  });

  it("takes the lower strike when the forward is midway between two", () => {
    // No rate, no dividend: F = S = 101.25, exactly between 100 and 102.5.
    const [distribution] = distributionsOf(pairOfStrikes(101.25, 0, [0.3, 0.32], [0.25, 0.27]));
    expect(distribution).toMatchObject({ strike: 100, volatility: expect.closeTo(0.31, 15) as number });
  });

  it("takes the call's or the put's alone when the other is not a usable quote", () => {
    const noPutBid = pairOfStrikes(101.2, 0.2, [0.3, 0.32], [0.25, 0.27], (quotes) => {
      quotes[3] = quote(P, 102.5, 0.27, { bid: 0 });
    });
    expect(distributionsOf(noPutBid)[0]).toMatchObject({
      strike: 102.5,
      volatility: 0.25,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_CALL,
    });
    const crossedCall = pairOfStrikes(101.2, 0.2, [0.3, 0.32], [0.25, 0.27], (quotes) => {
      quotes[2] = quote(C, 102.5, 0.25, { bid: 2.6, ask: 2.5 });
    });
    expect(distributionsOf(crossedCall)[0]).toMatchObject({
      strike: 102.5,
      volatility: 0.27,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_PUT,
    });
  });

  it("moves to the nearest strike with a usable quote when neither quote of the nearest is", () => {
    // 102.5 has no usable quote (no call bid, a locked put).
    const quotes = [
      quote(C, 100, 0.3),
      quote(P, 100, 0.32),
      quote(C, 102.5, 0.25, { bid: 0 }),
      quote(P, 102.5, 0.27, { bid: 3.5, ask: 3.5 }),
      quote(C, 105, 0.22, { bid: 0 }),
      quote(P, 105, 0.24),
    ];
    // F = 102.78: 105 is 2.22 away, 100 is 2.78 away; 105 has only its put.
    expect(distributionsOf(chainOf(101.2, 0.2, quotes))[0]).toMatchObject({
      strike: 105,
      volatility: 0.24,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_PUT,
    });
  });

  it("treats quotes older than max_quote_age as unusable, and only then", () => {
    const chain = pairOfStrikes(101.2, 0.2, [0.3, 0.32], [0.25, 0.27], (quotes) => {
      quotes[2] = quote(C, 102.5, 0.25, { quoteTime: STALE });
      quotes[3] = quote(P, 102.5, 0.27, { quoteTime: STALE });
    });
    expect(distributionsOf(chain)[0]).toMatchObject({ strike: 102.5, volatility: expect.closeTo(0.26, 15) as number });
    const maxQuoteAge = ScanFilters.fromPartial({ maxQuoteAge: { seconds: 60n, nanos: 0 } });
    expect(distributionsOf(chain, { filters: maxQuoteAge })[0]).toMatchObject({ strike: 100, volatility: expect.closeTo(0.31, 15) as number });
  });

  it("uses the implied volatility computed from the mid of a quote that gives none", () => {
    const market = { spot: 100, rate: 0.04, dividendYield: 0, years: YEARS };
    const price = optionPrice(CALL, 100, 0.3, market);
    const quotes = [quote(C, 100, undefined, { bid: price - 0.01, ask: price + 0.01, greeks: undefined }), quote(C, 95, 0.4), quote(C, 105, 0.2)];
    expect(distributionsOf(chainOf(100, 0.04, quotes))[0]).toMatchObject({
      strike: 100,
      volatility: expect.closeTo(0.3, 9) as number,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_CALL,
    });
  });

  it("is absent for an expiration without a usable quote, which has no spreads; expirations outside the DTE range are not listed", () => {
    const quotes = [
      quote(C, 100, 0.3, { quoteTime: STALE }),
      quote(P, 100, 0.32, { quoteTime: STALE }),
      // Three days out: outside the default DTE range.
      quote(C, 100, 0.3, { expiryDate: "2026-11-23" }),
    ];
    const result = scanChain(chainOf(100, 0.04, quotes), ScanQuery.fromPartial({ filters: { maxQuoteAge: { seconds: 60n, nanos: 0 } } }));
    expect(result.spreads).toEqual([]);
    expect(result.expiryDistributions).toEqual([
      {
        expiryDate: EXPIRY,
        dte: 28,
        timeToExpiryYears: expect.closeTo(YEARS, 12) as number,
        forward: expect.closeTo(100 * Math.exp(0.04 * YEARS), 12) as number,
        volatility: undefined,
        volatilitySource: VolatilitySource.VOLATILITY_SOURCE_UNSPECIFIED,
        strike: undefined,
      },
    ]);
  });
});

describe("the other models", () => {
  const chain = pairOfStrikes(101.2, 0.2, [0.3, 0.32], [0.25, 0.27], (quotes) => {
    quotes.push(quote(P, 97.5, 0.36), quote(C, 105, 0.22));
  });

  it("a caller's volatility, for every expiration and every spread", () => {
    const query = { probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY, volatility: 0.4 };
    expect(distributionsOf(chain, query)[0]).toMatchObject({ volatility: 0.4, volatilitySource: VolatilitySource.VOLATILITY_SOURCE_CALLER, strike: undefined });
    const result = scanChain(chain, ScanQuery.fromPartial({ ...query, filters: { minShortDelta: 0 } }));
    expect(result.spreads.length).toBeGreaterThan(0);
    for (const spread of result.spreads) expect(spread.volatility).toBe(0.4);
  });

  it("the short legs': no σ shared by the expiration, each spread has its short leg's", () => {
    const query = { probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV };
    expect(distributionsOf(chain, query)[0]).toMatchObject({
      volatility: undefined,
      volatilitySource: VolatilitySource.VOLATILITY_SOURCE_SHORT_LEG,
      strike: undefined,
    });
    const result = scanChain(chain, ScanQuery.fromPartial({ ...query, strategies: [Strategy.STRATEGY_BULL_PUT], filters: { minShortDelta: 0 } }));
    expect(result.spreads.map((spread) => [spread.id, spread.volatility])).toEqual([["ATM:2026-12-18:BULL_PUT:97.5/100", 0.32]]);
  });
});
