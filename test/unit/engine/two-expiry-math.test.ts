// A calendar's or diagonal's metrics at its front expiry (PositionAtFrontExpiry) against an
// independent check: P/L on a dense grid and Simpson quadrature of the lognormal density
// (test/support/reference-two-expiry.ts, none of the engine's two-expiry code), and against
// a call calendar worked out by hand.
import { describe, expect, it } from "vitest";
import { PositionAtFrontExpiry } from "../../../services/engine/two-expiry/position-at-front-expiry.js";
import { referenceTwoExpiryFigures, type TwoExpiryMarket, type TwoExpiryPosition } from "../../support/reference-two-expiry.js";

function engineFigures(market: TwoExpiryMarket, position: TwoExpiryPosition): PositionAtFrontExpiry {
  const figures = new PositionAtFrontExpiry();
  figures.setExpiries(market.spot, market.rate, market.dividendYield, market.frontYears, market.backYears);
  figures.setVolatility(market.volatility);
  figures.setPosition(position.isCall, position.shortStrike, position.longStrike, position.backVolatility, position.net);
  figures.computeExtremes();
  figures.computeExpectedValue(figures.frontIntrinsicExpectation(position.isCall, position.shortStrike));
  figures.computeProbability();
  return figures;
}

const MARKETS: TwoExpiryMarket[] = [
  { spot: 100, rate: 0.05, dividendYield: 0.01, frontYears: 30 / 365, backYears: 58 / 365, volatility: 0.2 },
  { spot: 600, rate: 0.04, dividendYield: 0.013, frontYears: 9 / 365, backYears: 100 / 365, volatility: 0.14 },
  { spot: 50, rate: 0.01, dividendYield: 0.05, frontYears: 0.5, backYears: 1.2, volatility: 0.6 },
  { spot: 100, rate: -0.01, dividendYield: 0, frontYears: 2 / 365, backYears: 9 / 365, volatility: 0.35 },
];

/** Calendars and diagonals of both rights around the forward, at debits a market might quote. */
function positionsFor(market: TwoExpiryMarket): TwoExpiryPosition[] {
  const s = market.spot;
  const positions: TwoExpiryPosition[] = [];
  for (const isCall of [true, false]) {
    for (const shortOffset of [-0.08, 0, 0.03, 0.1]) {
      const shortStrike = Math.round(s * (1 + shortOffset));
      for (const longOffset of [0, 0.02, 0.05]) {
        // A call diagonal buys below its short, a put diagonal above.
        const longStrike = Math.round(shortStrike + (isCall ? -1 : 1) * s * longOffset);
        for (const debitFraction of [0.004, 0.04]) {
          positions.push({
            isCall,
            shortStrike,
            longStrike,
            backVolatility: market.volatility * 1.1,
            net: -s * debitFraction - Math.abs(longStrike - shortStrike) * 0.6,
          });
        }
      }
    }
  }
  return positions;
}

describe("a calendar's or diagonal's metrics at the front expiry", () => {
  it("agree with the grid and Simpson quadrature: POP and EV to 1e-6 relative, max profit and loss to $0.01 a lot, breakevens", () => {
    let compared = 0;
    for (const market of MARKETS) {
      for (const position of positionsFor(market)) {
        const engine = engineFigures(market, position);
        const reference = referenceTwoExpiryFigures(market, position);
        const label = JSON.stringify({ market, position });
        // $0.01 a lot of 100 shares.
        expect(Math.abs(engine.maxProfit - reference.maxProfit), label).toBeLessThan(1e-4);
        expect(Math.abs(engine.maxLoss - reference.maxLoss), label).toBeLessThan(1e-4);
        // Relative to the POP, or to 1e-6 absolute when the POP is next to nothing.
        expect(Math.abs(engine.pop - reference.pop), label).toBeLessThanOrEqual(1e-6 * Math.max(reference.pop, 1e-3));
        // EV relative to its own size, or to the debit when it is next to zero.
        expect(Math.abs(engine.expectedValue - reference.expectedValue), label).toBeLessThanOrEqual(
          1e-6 * Math.max(Math.abs(reference.expectedValue), Math.abs(position.net)),
        );
        const breakevens = [engine.breakevenLow, engine.breakevenHigh].filter((value) => !Number.isNaN(value));
        expect(breakevens.length, label).toBe(reference.breakevens.length);
        breakevens.forEach((breakeven, index) => expect(Math.abs(breakeven - (reference.breakevens[index] as number)), label).toBeLessThan(1e-9 * breakeven));
        compared++;
      }
    }
    expect(compared).toBe(MARKETS.length * 2 * 4 * 3 * 2);
  });

  it("match a call calendar worked out by hand", () => {
    // S = 100, r = 5%, q = 1%, front 30 days, back 58 days (τ = 28/365), K = 100, front σ 20%,
    // back σ 22%, a $1.50 debit. Worked in python3 with the math module only:
    //   F1 = 100·e^(0.04·30/365) = 100.329308; s = 0.2·√(30/365); range F1·e^(±6s) = [71.1243, 141.5265].
    //   Max profit at S1 = K: BS_call(100, 100, 28/365, 5%, 1%, 22%) − 1.50 = 1.081075 a share.
    //   Max loss at the low end, where the back call is worth 1.3e-8: 1.50 − 1.3e-8 a share.
    //   Breakevens by 300 bisections of P/L: 97.617014 and 102.854584.
    //   POP = N(ln(b2/F1)/s + s/2) − N(ln(b1/F1)/s + s/2) = 0.351427179.
    //   EV: Simpson over ln S1 (2 × 100,000 intervals, ±12s, split at K) = −0.2973509499 a share;
    //   the closed form e^(−rτ)·Black(F2, K, σf²T1 + σb²τ) − Black(F1, K, σf²T1) − 1.50 agrees to 1e-15.
    const market: TwoExpiryMarket = { spot: 100, rate: 0.05, dividendYield: 0.01, frontYears: 30 / 365, backYears: 58 / 365, volatility: 0.2 };
    const engine = engineFigures(market, { isCall: true, shortStrike: 100, longStrike: 100, backVolatility: 0.22, net: -1.5 });
    expect(engine.rangeLow).toBeCloseTo(71.12426438, 7);
    expect(engine.rangeHigh).toBeCloseTo(141.52652632, 7);
    expect(engine.maxProfit).toBeCloseTo(1.0810750654, 9);
    expect(engine.maxLoss).toBeCloseTo(1.4999999869, 9);
    expect(engine.breakevenLow).toBeCloseTo(97.617014168, 8);
    expect(engine.breakevenHigh).toBeCloseTo(102.854584491, 8);
    expect(engine.pop).toBeCloseTo(0.3514271789, 9);
    expect(engine.expectedValue).toBeCloseTo(-0.2973509499, 9);
  });
});
