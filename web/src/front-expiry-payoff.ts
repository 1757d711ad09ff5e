// A calendar's or diagonal's profit or loss at its front expiry, per share, by the engine's own
// valuation (services/engine/two-expiry/position-at-front-expiry.ts, bundled into the page): the
// back leg priced by Black–Scholes at its own implied volatility with τ = T2 − T1 left, less the
// sold front leg's intrinsic value, plus the net credit. The page finds its breakevens from the
// curve it draws (a sign change between two points, then bisection), not from the engine's root
// finder, so its test's comparison with the spread's breakevens checks the two against each other.
import type { Spread } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { LegAction } from "../../gen/es/spreadscan/scanner/v1/spread_pb.js";
import { OptionRight } from "../../gen/es/spreadscan/market/v1/option_chain_pb.js";
import { yearsToExpiry } from "../../services/engine/new-york-time.js";
import { PositionAtFrontExpiry } from "../../services/engine/two-expiry/position-at-front-expiry.js";

/** The chain's figures a two-expiry payoff needs beside the spread. */
export interface ChainFigures {
  readonly underlying: number;
  readonly asOf: Date | undefined;
  readonly rate: number;
  readonly dividendYield: number;
}

/** Bisection steps: each halves the interval, 60 reach a double's precision. */
const BISECTION_STEPS = 60;

export interface FrontExpiryCurve {
  /** P/L per share at the front expiry against the underlying price then. */
  readonly profit: (price: number) => number;
  /** The price range the scan judged the spread over: its breakevens are those inside it. */
  readonly low: number;
  readonly high: number;
}

/** The spread's curve at its front expiry; undefined for a spread without two expiries. */
export function frontExpiryCurve(spread: Spread, chain: ChainFigures): FrontExpiryCurve | undefined {
  const front = spread.legs.find((leg) => leg.action === LegAction.SELL);
  const back = spread.legs.find((leg) => leg.action === LegAction.BUY);
  if (spread.backExpiryDate === "" || !front || !back || !chain.asOf) return undefined;
  const position = new PositionAtFrontExpiry();
  position.setExpiries(chain.underlying, chain.rate, chain.dividendYield, spread.timeToExpiryYears, yearsToExpiry(chain.asOf, spread.backExpiryDate));
  position.setVolatility(spread.volatility);
  position.setPosition(front.right === OptionRight.CALL, front.strike, back.strike, back.impliedVolatility, spread.netCredit);
  return { profit: (price) => position.profit(price), low: position.rangeLow, high: position.rangeHigh };
}

/** Where `profit` crosses zero between consecutive prices of `xs` (ascending), each refined by bisection. */
export function zeroCrossings(profit: (price: number) => number, xs: readonly number[]): number[] {
  const crossings: number[] = [];
  for (let index = 1; index < xs.length; index++) {
    let low = xs[index - 1] ?? 0;
    let high = xs[index] ?? 0;
    let atLow = profit(low);
    if (atLow === 0) {
      crossings.push(low);
      continue;
    }
    if (Math.sign(atLow) === Math.sign(profit(high)) || profit(high) === 0) continue;
    for (let step = 0; step < BISECTION_STEPS; step++) {
      const middle = 0.5 * (low + high);
      const atMiddle = profit(middle);
      if (Math.sign(atMiddle) === Math.sign(atLow)) {
        low = middle;
        atLow = atMiddle;
      } else high = middle;
    }
    crossings.push(0.5 * (low + high));
  }
  return crossings;
}
