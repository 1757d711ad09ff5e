// Hand-worked examples, one per strategy: credit, max profit, max loss and breakevens
// worked out on paper from the quotes below; POP from the lognormal definition written out
// here with the normal CDF, independently of the engine's distribution module.
import { describe, expect, it } from "vitest";
import { OptionChain, OptionQuote, OptionRight } from "../../../gen/ts/spreadscan/market/v1/option_chain.js";
import { PricingMode, ScanQuery, Strategy } from "../../../gen/ts/spreadscan/scanner/v1/query.js";
import { LegAction, type Spread } from "../../../gen/ts/spreadscan/scanner/v1/spread.js";
import { normalCdf } from "../../../services/scanner/engine/normal-distribution.js";
import { scanChain } from "../../../services/scanner/engine/index.js";

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
    expect(spread.legs.map((leg) => `${leg.strike}${leg.right === OptionRight.OPTION_RIGHT_PUT ? "P" : "C"}`)).toEqual([
      "95P",
      "100P",
      "100C",
      "105C",
    ]);
  });
});
