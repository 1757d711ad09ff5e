// Spreads' expected value and POP from the closed forms, against quadrature of the payoff.
import { describe, expect, it } from "vitest";
import {
  below,
  callIntrinsic,
  callPayoff,
  describeMarket,
  lognormalExpectation,
  type Market,
  PROBABILITY_TOLERANCE,
  probabilityPositive,
  putIntrinsic,
  putPayoff,
  RELATIVE_PAYOFF_TOLERANCE,
} from "../../support/lognormal-market.js";

interface SpreadCase {
  readonly name: string;
  readonly strikes: readonly number[];
  /** P/L per share at expiry, written from the legs. */
  readonly payoff: (price: number) => number;
  /** E[P/L] from expectedPutPayoff / expectedCallPayoff. */
  readonly expectedValue: (m: Market) => number;
  /** POP from probabilityBelow at the breakevens (docs/architecture.md, "Spread math"). */
  readonly probabilityOfProfit: (m: Market) => number;
}

function bullPut(shortStrike: number, longStrike: number, credit: number): SpreadCase {
  return {
    name: `bull put ${shortStrike}/${longStrike} credit ${credit}`,
    strikes: [longStrike, shortStrike],
    payoff: (price) => credit - putIntrinsic(shortStrike, price) + putIntrinsic(longStrike, price),
    expectedValue: (m) => credit - putPayoff(m, shortStrike) + putPayoff(m, longStrike),
    probabilityOfProfit: (m) => 1 - below(m, shortStrike - credit),
  };
}

function bearCall(shortStrike: number, longStrike: number, credit: number): SpreadCase {
  return {
    name: `bear call ${shortStrike}/${longStrike} credit ${credit}`,
    strikes: [shortStrike, longStrike],
    payoff: (price) => credit - callIntrinsic(price, shortStrike) + callIntrinsic(price, longStrike),
    expectedValue: (m) => credit - callPayoff(m, shortStrike) + callPayoff(m, longStrike),
    probabilityOfProfit: (m) => below(m, shortStrike + credit),
  };
}

function bullCall(longStrike: number, shortStrike: number, debit: number): SpreadCase {
  return {
    name: `bull call ${longStrike}/${shortStrike} debit ${debit}`,
    strikes: [longStrike, shortStrike],
    payoff: (price) => -debit + callIntrinsic(price, longStrike) - callIntrinsic(price, shortStrike),
    expectedValue: (m) => -debit + callPayoff(m, longStrike) - callPayoff(m, shortStrike),
    probabilityOfProfit: (m) => 1 - below(m, longStrike + debit),
  };
}

function bearPut(longStrike: number, shortStrike: number, debit: number): SpreadCase {
  return {
    name: `bear put ${longStrike}/${shortStrike} debit ${debit}`,
    strikes: [shortStrike, longStrike],
    payoff: (price) => -debit + putIntrinsic(longStrike, price) - putIntrinsic(shortStrike, price),
    expectedValue: (m) => -debit + putPayoff(m, longStrike) - putPayoff(m, shortStrike),
    probabilityOfProfit: (m) => below(m, longStrike - debit),
  };
}

/** Iron condor, or an iron butterfly when the short strikes coincide: two breakevens. */
function ironCondor(longPut: number, shortPut: number, shortCall: number, longCall: number, credit: number, name = "iron condor"): SpreadCase {
  return {
    name: `${name} ${longPut}/${shortPut}/${shortCall}/${longCall} credit ${credit}`,
    strikes: [longPut, shortPut, shortCall, longCall],
    payoff: (price) => credit - putIntrinsic(shortPut, price) + putIntrinsic(longPut, price) - callIntrinsic(price, shortCall) + callIntrinsic(price, longCall),
    expectedValue: (m) => credit - putPayoff(m, shortPut) + putPayoff(m, longPut) - callPayoff(m, shortCall) + callPayoff(m, longCall),
    probabilityOfProfit: (m) => below(m, shortCall + credit) - below(m, shortPut - credit),
  };
}

const SPREADS: readonly SpreadCase[] = [
  bullPut(95, 90, 1.8),
  bearCall(105, 110, 1.5),
  bullCall(100, 105, 2.6),
  bearPut(100, 95, 2.3),
  ironCondor(90, 95, 105, 110, 3.1),
  ironCondor(90, 100, 100, 110, 7.2, "iron butterfly"),
];

const SPREAD_MARKETS: readonly Market[] = [
  { spot: 100, rate: 0.045, dividendYield: 0.013, volatility: 0.6, years: 7 / 365 },
  { spot: 100, rate: 0.045, dividendYield: 0.013, volatility: 0.3, years: 45 / 365 },
  { spot: 100, rate: 0.01, dividendYield: 0.07, volatility: 0.55, years: 0.5 },
  { spot: 103, rate: 0.05, dividendYield: 0.02, volatility: 0.9, years: 2 },
  { spot: 96, rate: 0.03, dividendYield: 0, volatility: 0.22, years: 1 },
];

describe("spread expected value and POP against quadrature of the payoff", () => {
  for (const spread of SPREADS) {
    it(spread.name, () => {
      for (const m of SPREAD_MARKETS) {
        const label = `${spread.name}, ${describeMarket(m)}`;
        const expectedValue = lognormalExpectation(m, spread.payoff, spread.strikes);
        const probabilityOfProfit = probabilityPositive(m, spread.payoff, spread.strikes);
        expect(Math.abs(spread.expectedValue(m) - expectedValue) / m.spot, label).toBeLessThan(RELATIVE_PAYOFF_TOLERANCE);
        expect(Math.abs(spread.probabilityOfProfit(m) - probabilityOfProfit), label).toBeLessThan(PROBABILITY_TOLERANCE);
        expect(probabilityOfProfit, label).toBeGreaterThan(0.01); // a real, non-degenerate case
        expect(probabilityOfProfit, label).toBeLessThan(0.99);
      }
    });
  }
});
