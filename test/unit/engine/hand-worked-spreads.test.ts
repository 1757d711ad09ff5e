// Hand-worked examples, one per strategy: credit, max profit, max loss and breakevens
// worked out on paper from the quotes below; POP from the lognormal definition written out
// here with the normal CDF, independently of the engine's distribution module.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ProbabilityModel, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { VolatilitySource } from "../../../gen/ts/spreadscan/scanner/v1/scan_result.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { normalCdf } from "../../../services/engine/normal-distribution.js";
import { scanChain } from "../../../services/engine/index.js";

const SPOT = 100;
const RATE = 0.04;
const VOLATILITY = 0.2;
// Friday 2026-11-20 10:00 New York (EST, UTC-5) to Friday 2026-12-18 16:00 New York.
const AS_OF = new Date("2026-11-20T15:00:00Z");
const YEARS = (28 * 24 + 6) / 24 / 365;

function quote(right: OptionRight, strike: number, bid: number, ask: number, delta: number): OptionQuote {
  return OptionQuote.fromPartial({
    expiryDate: "2026-12-18",
    strike,
    right,
    bid,
    ask,
    volume: 100n,
    openInterest: 1000n,
    impliedVolatility: VOLATILITY,
    greeks: { delta, gamma: 0.05, theta: -0.03, vega: 0.1 },
  });
}

const CHAIN = OptionChain.fromPartial({
  symbol: "TEST",
  underlyingPrice: SPOT,
  asOf: AS_OF,
  rate: RATE,
  dividendYield: 0,
  multiplier: 100,
  quotes: [
    quote(OptionRight.OPTION_RIGHT_PUT, 90, 0.4, 0.5, -0.08),
    quote(OptionRight.OPTION_RIGHT_PUT, 95, 1.0, 1.1, -0.22),
    quote(OptionRight.OPTION_RIGHT_PUT, 100, 2.4, 2.5, -0.47),
    quote(OptionRight.OPTION_RIGHT_CALL, 100, 2.6, 2.7, 0.53),
    quote(OptionRight.OPTION_RIGHT_CALL, 105, 1.0, 1.1, 0.25),
    quote(OptionRight.OPTION_RIGHT_CALL, 110, 0.35, 0.45, 0.09),
  ],
});

/** P(S_T > level) under ln S_T ~ N(ln S + (r - σ²/2)T, σ²T). */
function probabilityAbove(level: number): number {
  const deviation = VOLATILITY * Math.sqrt(YEARS);
  return normalCdf((Math.log(SPOT / level) + (RATE - 0.5 * VOLATILITY * VOLATILITY) * YEARS) / deviation);
}

function find(strategy: Strategy, id: string, pricing = PricingMode.PRICING_MODE_MID): Spread {
  const result = scanChain(CHAIN, ScanQuery.fromPartial({ strategies: [strategy], limit: 1000, pricing }));
  const spread = result.spreads.find((candidate) => candidate.id === id);
  if (!spread) throw new Error(`${id} not found among ${result.spreads.map((candidate) => candidate.id).join(", ")}`);
  return spread;
}

describe("hand-worked spreads (mid pricing unless said)", () => {
  it("bull put 90/95: sell the 95 put at 1.05, buy the 90 put at 0.45", () => {
    const spread = find(Strategy.STRATEGY_BULL_PUT, "TEST:2026-12-18:BULL_PUT:90/95");
    expect(spread.netCredit).toBeCloseTo(0.6, 12);
    expect(spread.maxProfit).toBeCloseTo(60, 9);
    expect(spread.maxLoss).toBeCloseTo(440, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(94.4, 12)]);
    expect(spread.returnOnRisk).toBeCloseTo(60 / 440, 12);
    expect(spread.width).toBe(5);
    expect(spread.creditToWidth).toBeCloseTo(0.12, 12);
    expect(spread.pop).toBeCloseTo(probabilityAbove(94.4), 12);
    expect(spread.dte).toBe(28);
    expect(spread.timeToExpiryYears).toBeCloseTo(YEARS, 12);
    expect(spread.legs.map((leg) => [leg.strike, leg.action === LegAction.LEG_ACTION_SELL ? "sell" : "buy"])).toEqual([
      [90, "buy"],
      [95, "sell"],
    ]);
    expect(spread.netGreeks?.delta).toBeCloseTo(-0.08 + 0.22, 12);
  });

  it("bull put 90/95 at natural prices: sell at the 1.00 bid, buy at the 0.50 ask", () => {
    const spread = find(Strategy.STRATEGY_BULL_PUT, "TEST:2026-12-18:BULL_PUT:90/95", PricingMode.PRICING_MODE_NATURAL);
    expect(spread.netCredit).toBeCloseTo(0.5, 12);
    expect(spread.maxProfit).toBeCloseTo(50, 9);
    expect(spread.maxLoss).toBeCloseTo(450, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(94.5, 12)]);
  });

  it("bear call 105/110: sell the 105 call at 1.05, buy the 110 call at 0.40", () => {
    const spread = find(Strategy.STRATEGY_BEAR_CALL, "TEST:2026-12-18:BEAR_CALL:105/110");
    expect(spread.netCredit).toBeCloseTo(0.65, 12);
    expect(spread.maxProfit).toBeCloseTo(65, 9);
    expect(spread.maxLoss).toBeCloseTo(435, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(105.65, 12)]);
    expect(spread.pop).toBeCloseTo(1 - probabilityAbove(105.65), 12);
  });

  it("bull call 100/105: buy the 100 call at 2.65, sell the 105 call at 1.05 (a debit)", () => {
    const spread = find(Strategy.STRATEGY_BULL_CALL, "TEST:2026-12-18:BULL_CALL:100/105");
    expect(spread.netCredit).toBeCloseTo(-1.6, 12);
    expect(spread.maxProfit).toBeCloseTo(340, 9);
    expect(spread.maxLoss).toBeCloseTo(160, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(101.6, 12)]);
    expect(spread.width).toBe(5);
    expect(spread.pop).toBeCloseTo(probabilityAbove(101.6), 12);
  });

  it("bear put 95/100: buy the 100 put at 2.45, sell the 95 put at 1.05 (a debit; width positive)", () => {
    const spread = find(Strategy.STRATEGY_BEAR_PUT, "TEST:2026-12-18:BEAR_PUT:95/100");
    expect(spread.netCredit).toBeCloseTo(-1.4, 12);
    expect(spread.maxProfit).toBeCloseTo(360, 9);
    expect(spread.maxLoss).toBeCloseTo(140, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(98.6, 12)]);
    expect(spread.width).toBe(5);
    expect(spread.pop).toBeCloseTo(1 - probabilityAbove(98.6), 12);
  });

  it("iron condor 90/95/105/110: 0.60 + 0.65 credit", () => {
    const spread = find(Strategy.STRATEGY_IRON_CONDOR, "TEST:2026-12-18:IRON_CONDOR:90/95/105/110");
    expect(spread.netCredit).toBeCloseTo(1.25, 12);
    expect(spread.maxProfit).toBeCloseTo(125, 9);
    expect(spread.maxLoss).toBeCloseTo(375, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(93.75, 12), expect.closeTo(106.25, 12)]);
    expect(spread.pop).toBeCloseTo(probabilityAbove(93.75) - probabilityAbove(106.25), 12);
    expect(spread.legs).toHaveLength(4);
  });

  it("iron butterfly 95/100/100/105: 1.40 + 1.60 credit, short puts before calls at 100", () => {
    const spread = find(Strategy.STRATEGY_IRON_BUTTERFLY, "TEST:2026-12-18:IRON_BUTTERFLY:95/100/100/105");
    expect(spread.netCredit).toBeCloseTo(3, 12);
    expect(spread.maxProfit).toBeCloseTo(300, 9);
    expect(spread.maxLoss).toBeCloseTo(200, 9);
    expect(spread.breakevens).toEqual([expect.closeTo(97, 12), expect.closeTo(103, 12)]);
    expect(spread.legs.map((leg) => `${leg.strike}${leg.right === OptionRight.OPTION_RIGHT_PUT ? "P" : "C"}`)).toEqual(["95P", "100P", "100C", "105C"]);
  });
});

// A chain with a put skew: the further out of the money a put, the higher its implied
// volatility. The forward, 100 · e^(0.04 · T) = 100.31, is nearest the 100 strike, so the
// expiration's σ is the mean of the 100 call's 0.20 and the 100 put's 0.22: 0.21.
//
// The expected figures were computed independently of the engine, in Python with mpmath 1.3
// at 50 digits from these quotes: POP and EV from the closed-form lognormal terms
// (N((ln(K/F) + s²/2)/s) and undiscounted Black payoffs, s = σ√T), a single strike's touch by
// the reflection principle for Brownian motion with drift r − σ²/2, and a condor's touch as
// one minus the survival in the corridor by its eigenfunction (sine series) expansion,
// 400 terms.
function skewQuote(right: OptionRight, strike: number, bid: number, ask: number, impliedVolatility: number, delta: number): OptionQuote {
  return OptionQuote.fromPartial({
    expiryDate: "2026-12-18",
    strike,
    right,
    bid,
    ask,
    volume: 100n,
    openInterest: 1000n,
    impliedVolatility,
    greeks: { delta, gamma: 0.05, theta: -0.03, vega: 0.1 },
  });
}

const SKEWED = OptionChain.fromPartial({
  symbol: "SKEW",
  underlyingPrice: SPOT,
  asOf: AS_OF,
  rate: RATE,
  dividendYield: 0,
  multiplier: 100,
  quotes: [
    skewQuote(OptionRight.OPTION_RIGHT_PUT, 90, 0.55, 0.65, 0.3, -0.1),
    skewQuote(OptionRight.OPTION_RIGHT_PUT, 95, 1.15, 1.25, 0.25, -0.24),
    skewQuote(OptionRight.OPTION_RIGHT_PUT, 100, 2.4, 2.5, 0.22, -0.47),
    skewQuote(OptionRight.OPTION_RIGHT_CALL, 100, 2.6, 2.7, 0.2, 0.53),
    skewQuote(OptionRight.OPTION_RIGHT_CALL, 105, 0.9, 1.0, 0.18, 0.23),
    skewQuote(OptionRight.OPTION_RIGHT_CALL, 110, 0.25, 0.35, 0.17, 0.08),
  ],
});

function findSkewed(strategy: Strategy, id: string, model: Partial<ScanQuery> = {}): Spread {
  const result = scanChain(SKEWED, ScanQuery.fromPartial({ strategies: [strategy], limit: 1000, ...model }));
  const spread = result.spreads.find((candidate) => candidate.id === id);
  if (!spread) throw new Error(`${id} not found among ${result.spreads.map((candidate) => candidate.id).join(", ")}`);
  return spread;
}

const SHORT_LEG = { probabilityModel: ProbabilityModel.PROBABILITY_MODEL_SHORT_LEG_IV };

describe("hand-worked spreads under one distribution per expiry (a put skew)", () => {
  it("reports the expiration's σ: the mean of the call's and the put's implied volatility at the strike nearest the forward", () => {
    const result = scanChain(SKEWED, ScanQuery.fromPartial({}));
    expect(result.expiryDistributions).toEqual([
      {
        expiryDate: "2026-12-18",
        dte: 28,
        timeToExpiryYears: expect.closeTo(YEARS, 12) as number,
        // 100.31006876289536 (Python, mpmath).
        forward: expect.closeTo(100.31006876289536, 12) as number,
        volatility: expect.closeTo(0.21, 15) as number,
        volatilitySource: VolatilitySource.VOLATILITY_SOURCE_AT_THE_MONEY_MEAN,
        strike: 100,
      },
    ]);
  });

  it("bull put 90/95: judged at the expiration's 0.21, not the 95 put's 0.25", () => {
    const spread = findSkewed(Strategy.STRATEGY_BULL_PUT, "SKEW:2026-12-18:BULL_PUT:90/95");
    expect(spread.netCredit).toBeCloseTo(0.6, 12);
    expect(spread.volatility).toBeCloseTo(0.21, 15);
    expect(spread.pop).toBeCloseTo(0.8437991083279069, 12);
    expect(spread.expectedValue).toBeCloseTo(12.779087403622269, 9);
    expect(spread.probabilityOfTouch).toBeCloseTo(0.37205990444332265, 12);

    const underShortLeg = findSkewed(Strategy.STRATEGY_BULL_PUT, "SKEW:2026-12-18:BULL_PUT:90/95", SHORT_LEG);
    expect(underShortLeg.volatility).toBe(0.25);
    expect(underShortLeg.pop).toBeCloseTo(0.7990761998156614, 12);
    expect(underShortLeg.expectedValue).toBeCloseTo(-7.320549670361606, 9);
    expect(underShortLeg.probabilityOfTouch).toBeCloseTo(0.45751606702851294, 12);
  });

  it("bear put 95/100: the same 0.21, where its short leg would say 0.25", () => {
    const spread = findSkewed(Strategy.STRATEGY_BEAR_PUT, "SKEW:2026-12-18:BEAR_PUT:95/100");
    expect(spread.netCredit).toBeCloseTo(-1.25, 12);
    expect(spread.pop).toBeCloseTo(0.40551945909303316, 12);
    expect(spread.expectedValue).toBeCloseTo(39.139867579259864, 9);

    const underShortLeg = findSkewed(Strategy.STRATEGY_BEAR_PUT, "SKEW:2026-12-18:BEAR_PUT:95/100", SHORT_LEG);
    expect(underShortLeg.pop).toBeCloseTo(0.4244217187877773, 12);
    expect(underShortLeg.expectedValue).toBeCloseTo(53.40877877523509, 9);
  });

  it("iron condor 90/95/105/110 under the expiration's σ, its shorts' mean 0.215, and a caller's 0.30", () => {
    const id = "SKEW:2026-12-18:IRON_CONDOR:90/95/105/110";
    const spread = findSkewed(Strategy.STRATEGY_IRON_CONDOR, id);
    expect(spread.netCredit).toBeCloseTo(1.25, 12);
    expect(spread.pop).toBeCloseTo(0.715124150246699, 12);
    expect(spread.expectedValue).toBeCloseTo(18.427187133442896, 9);
    expect(spread.probabilityOfTouch).toBeCloseTo(0.7634282673032673, 12);

    const underShortLeg = findSkewed(Strategy.STRATEGY_IRON_CONDOR, id, SHORT_LEG);
    expect(underShortLeg.volatility).toBeCloseTo(0.215, 15);
    expect(underShortLeg.pop).toBeCloseTo(0.7038465224094171, 12);
    expect(underShortLeg.expectedValue).toBeCloseTo(13.36400614873409, 9);
    expect(underShortLeg.probabilityOfTouch).toBeCloseTo(0.7818218951267152, 12);

    const underCaller = findSkewed(Strategy.STRATEGY_IRON_CONDOR, id, {
      probabilityModel: ProbabilityModel.PROBABILITY_MODEL_CALLER_VOLATILITY,
      volatility: 0.3,
    });
    expect(underCaller.volatility).toBe(0.3);
    expect(underCaller.pop).toBeCloseTo(0.5465625869946805, 12);
    expect(underCaller.expectedValue).toBeCloseTo(-62.64408325318425, 9);
    expect(underCaller.probabilityOfTouch).toBeCloseTo(0.958864299765342, 12);
  });
});
