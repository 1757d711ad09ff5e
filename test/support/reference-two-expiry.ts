// A calendar's or diagonal's metrics at its front expiry straight from their definitions
// (docs/architecture.md, "Calendars and diagonals"), with none of the engine's two-expiry
// code or algebra: P/L read on a dense grid of prices for max profit, max loss and the
// breakevens (bisected), POP as the distribution's mass where P/L is positive between the
// sign changes found on a grid, and EV by Simpson quadrature of the lognormal density, with
// the back leg priced by the engine's Black–Scholes and the terminal distribution, which
// have tests of their own.
import { CALL, optionPrice, PUT } from "../../services/engine/black-scholes.js";
import { probabilityBelow } from "../../services/engine/terminal-distribution.js";

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

const RANGE_GRID = 1_000;
const WINDOW_GRID = 2_000;
/** Simpson intervals over ±12 deviations of ln S1: with h = 0.006σ√T1 the error is near 1e-12 of the integrand's scale. */
const SIMPSON_INTERVALS = 4_000;

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

/** E[f(S1)] by composite Simpson over x = ln S1 from 12 deviations below the mean to 12 above, cut at `kinks`. */
function simpsonExpectation(mean: number, deviation: number, integrand: (price: number) => number, kinks: readonly number[]): number {
  const lowest = mean - 12 * deviation;
  const highest = mean + 12 * deviation;
  const cuts = kinks.map((price) => Math.log(price)).filter((x) => x > lowest && x < highest);
  const step = (highest - lowest) / SIMPSON_INTERVALS;
  const weighted = (x: number): number => {
    const z = (x - mean) / deviation;
    return (integrand(Math.exp(x)) * Math.exp(-0.5 * z * z)) / (deviation * Math.sqrt(2 * Math.PI));
  };
  let total = 0;
  let from = lowest;
  for (const to of [...cuts.sort((a, b) => a - b), highest]) {
    const intervals = Math.max(2, 2 * Math.ceil((to - from) / (2 * step)));
    const h = (to - from) / intervals;
    let sum = weighted(from) + weighted(to);
    for (let i = 1; i < intervals; i++) sum += (i % 2 === 1 ? 4 : 2) * weighted(from + i * h);
    total += (sum * h) / 3;
    from = to;
  }
  return total;
}

export function referenceTwoExpiryFigures(market: TwoExpiryMarket, position: TwoExpiryPosition): TwoExpiryFigures {
  const profit = (price: number): number => profitAtFrontExpiry(market, position, price);
  const { spot, rate, dividendYield, volatility, frontYears } = market;
  const deviation = volatility * Math.sqrt(frontYears);
  const forward = spot * Math.exp((rate - dividendYield) * frontYears);
  const strikes = [position.shortStrike, position.longStrike];
  const range = grid(forward * Math.exp(-6 * deviation), forward * Math.exp(6 * deviation), RANGE_GRID, strikes);
  const values = range.map(profit);
  // POP: the distribution's mass on every piece between sign changes where P/L is positive.
  const windowLow = forward * Math.exp(-12 * deviation);
  const windowHigh = forward * Math.exp(12 * deviation);
  const roots = signChanges(profit, grid(windowLow, windowHigh, WINDOW_GRID, strikes));
  const edges = [0, ...roots, Infinity];
  let pop = 0;
  for (let index = 1; index < edges.length; index++) {
    const from = edges[index - 1] as number;
    const to = edges[index] as number;
    const inside = to === Infinity ? Math.max(from, windowHigh) : from === 0 ? Math.min(to, windowLow) : 0.5 * (from + to);
    if (profit(inside) > 0)
      pop +=
        (to === Infinity ? 1 : probabilityBelow(spot, rate, dividendYield, volatility, frontYears, to)) -
        probabilityBelow(spot, rate, dividendYield, volatility, frontYears, from);
  }
  const mean = Math.log(spot) + (rate - dividendYield - 0.5 * volatility * volatility) * frontYears;
  return {
    maxProfit: Math.max(...values),
    maxLoss: -Math.min(...values),
    breakevens: signChanges(profit, range),
    pop,
    expectedValue: simpsonExpectation(mean, deviation, profit, strikes),
  };
}
