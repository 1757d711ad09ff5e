// A calendar's or diagonal's metrics at its front expiry straight from their definitions
// (docs/architecture.md, "Calendars and diagonals"), with none of the engine's two-expiry
// code or algebra: P/L read on a dense grid of prices for max profit, max loss and the
// breakevens (bisected), and POP and EV by Simpson quadrature of the lognormal density
// (lognormal-market.ts) with the back leg priced by the engine's Black–Scholes, which has
// tests of its own.
import { CALL, optionPrice, PUT } from "../../services/engine/black-scholes.js";
import { lognormalExpectation, type Market } from "./lognormal-market.js";

export interface TwoExpiryMarket {
  readonly spot: number;
  readonly rate: number;
  readonly dividendYield: number;
  /** Years to the front expiry, and to the back one (later). */
  readonly frontYears: number;
  readonly backYears: number;
  /** σ of the distribution of S at the front expiry. */
  readonly volatility: number;
}

export interface TwoExpiryPosition {
  readonly isCall: boolean;
  /** The sold front leg's strike, and the bought back leg's. */
  readonly shortStrike: number;
  readonly longStrike: number;
  /** The back leg's implied volatility. */
  readonly backVolatility: number;
  /** Sells minus buys, per share (a debit is negative). */
  readonly net: number;
}

export interface TwoExpiryFigures {
  /** Per share. */
  maxProfit: number;
  maxLoss: number;
  breakevens: number[];
  pop: number;
  expectedValue: number;
}

const RANGE_GRID = 2_000;
const WINDOW_GRID = 4_000;

/** P/L per share at the front expiry with the underlying at `price`. */
export function profitAtFrontExpiry(market: TwoExpiryMarket, position: TwoExpiryPosition, price: number): number {
  const back = optionPrice(position.isCall ? CALL : PUT, position.longStrike, position.backVolatility, {
    spot: price,
    rate: market.rate,
    dividendYield: market.dividendYield,
    years: market.backYears - market.frontYears,
  });
  const intrinsic = position.isCall ? Math.max(price - position.shortStrike, 0) : Math.max(position.shortStrike - price, 0);
  return back - intrinsic + position.net;
}

/** Prices from `low` to `high`, evenly spaced in log, with `extra` (those inside) added, ascending. */
function grid(low: number, high: number, points: number, extra: readonly number[]): number[] {
  const prices = Array.from({ length: points + 1 }, (_, index) => low * Math.exp((index / points) * Math.log(high / low)));
  return [...prices, ...extra.filter((price) => price > low && price < high)].sort((a, b) => a - b);
}

/** Where P/L changes sign between neighbouring prices, bisected to double precision. */
function signChanges(profit: (price: number) => number, prices: readonly number[]): number[] {
  const roots: number[] = [];
  for (let index = 1; index < prices.length; index++) {
    let low = prices[index - 1] as number;
    let high = prices[index] as number;
    if (profit(low) > 0 === profit(high) > 0) continue;
    for (let step = 0; step < 200 && high - low > 1e-15 * high; step++) {
      const middle = 0.5 * (low + high);
      if (profit(middle) > 0 === profit(low) > 0) low = middle;
      else high = middle;
    }
    roots.push(0.5 * (low + high));
  }
  return roots;
}

export function referenceTwoExpiryFigures(market: TwoExpiryMarket, position: TwoExpiryPosition): TwoExpiryFigures {
  const profit = (price: number): number => profitAtFrontExpiry(market, position, price);
  const deviation = market.volatility * Math.sqrt(market.frontYears);
  const forward = market.spot * Math.exp((market.rate - market.dividendYield) * market.frontYears);
  const strikes = [position.shortStrike, position.longStrike];
  const range = grid(forward * Math.exp(-6 * deviation), forward * Math.exp(6 * deviation), RANGE_GRID, strikes);
  const values = range.map(profit);
  const terminal: Market = {
    spot: market.spot,
    rate: market.rate,
    dividendYield: market.dividendYield,
    volatility: market.volatility,
    years: market.frontYears,
  };
  const window = grid(forward * Math.exp(-12 * deviation), forward * Math.exp(12 * deviation), WINDOW_GRID, strikes);
  const roots = signChanges(profit, window);
  return {
    maxProfit: Math.max(...values),
    maxLoss: -Math.min(...values),
    breakevens: signChanges(profit, range),
    pop: lognormalExpectation(terminal, (price) => (profit(price) > 0 ? 1 : 0), [...strikes, ...roots]),
    expectedValue: lognormalExpectation(terminal, profit, strikes),
  };
}
