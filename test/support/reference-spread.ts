// One candidate of the reference scanner judged by the definitions: its payoff at expiry,
// piecewise linear, read for max profit and loss and breakevens; POP, EV and touch from the
// terminal distribution; every spread filter checked in the most direct way.
import type { OptionChain } from "../../gen/ts/spreadscan/market/v1/option_chain.js";
import { SortKey, Strategy, type ScanFilters, type ScanQuery } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import {
  expectedCallPayoff,
  expectedPutPayoff,
  probabilityBelow,
  touchProbabilityAbove,
  touchProbabilityBelow,
  touchProbabilityEither,
} from "../../services/engine/terminal-distribution.js";
import type { Expiry, Leg } from "./reference-legs.js";

export interface ReferenceSpread {
  id: string;
  strategy: Strategy;
  expiryDate: string;
  sortValue: number;
  score: number;
  netCredit: number;
  maxProfit: number;
  maxLoss: number;
  breakevens: number[];
  pop: number;
  expectedValue: number;
  probabilityOfTouch: number;
  returnOnRisk: number;
  /** σ of the distribution the spread was judged under. */
  volatility: number;
  /** The nearer short strike's distance from the spot in σ√T (spread.proto, short_sigma_distance). */
  shortSigmaDistance: number;
  /** For the tie rule: expiry rank, strategy, then leg strikes in slot order. */
  tieKey: number[];
}

const DEFAULT_WEIGHTS = { ev: 0.5, pop: 0.3, liquidity: 0.2 };

/** The bound a filter sets from below: none when the query leaves it absent. */
export const filterFloor = (value: number | bigint | undefined): number => (value === undefined ? -Infinity : Number(value));
/** The bound a filter sets from above: none when the query leaves it absent. */
export const filterCeiling = (value: number | bigint | undefined): number => (value === undefined ? Infinity : Number(value));

/** What every candidate of a scan is judged in: the chain's market and the query's filters, weights and sort key. */
export interface ReferenceContext {
  symbol: string;
  spot: number;
  rate: number;
  q: number;
  multiplier: number;
  f: Partial<ScanFilters>;
  sort: SortKey;
  weights: { ev: number; pop: number; liquidity: number };
  weightSum: number;
}

export function referenceContext(chain: OptionChain, query: ScanQuery): ReferenceContext {
  const weights = {
    ev: query.scoreWeights?.expectedValuePerRisk ?? DEFAULT_WEIGHTS.ev,
    pop: query.scoreWeights?.pop ?? DEFAULT_WEIGHTS.pop,
    liquidity: query.scoreWeights?.liquidity ?? DEFAULT_WEIGHTS.liquidity,
  };
  return {
    symbol: chain.symbol,
    spot: chain.underlyingPrice,
    rate: chain.rate,
    q: chain.dividendYield,
    multiplier: chain.multiplier || 100,
    f: query.filters ?? {},
    sort: query.sort,
    weights,
    weightSum: weights.ev + weights.pop + weights.liquidity,
  };
}

/** A candidate whose legs pass, judged: the spread when it passes every spread filter too, else undefined. */
export function referenceSpread(
  context: ReferenceContext,
  expiryRank: number,
  expiry: Expiry,
  strategy: Strategy,
  legs: { leg: Leg; sold: boolean }[],
  slots: number[],
  volatility: number,
  touchBarriers: number[],
): ReferenceSpread | undefined {
  const { spot, rate, q, multiplier, f, weights, weightSum } = context;
  const net = legs.reduce((sum, { leg, sold }) => sum + (sold ? leg.sell : -leg.buy), 0);
  const payoff = (price: number): number =>
    net + legs.reduce((sum, { leg, sold }) => sum + (sold ? -1 : 1) * Math.max(0, leg.isCall ? price - leg.strike : leg.strike - price), 0);
  const strikes = [...new Set(legs.map(({ leg }) => leg.strike))].sort((a, b) => a - b);
  // The payoff is piecewise linear with kinks at the strikes: its extremes are at the
  // strikes or, beyond them, flat.
  const values = [payoff(0), ...strikes.map(payoff), payoff(strikes[strikes.length - 1]! * 10)];
  const maxProfit = Math.max(...values);
  const maxLoss = -Math.min(...values);
  // A billionth of a dollar per share counts as zero (the engine's MONEY_EPSILON, as defined there).
  if (!(maxProfit > 1e-9 && maxLoss > 1e-9)) return undefined;
  const isCredit = net > 0 && strategy !== Strategy.STRATEGY_BULL_CALL && strategy !== Strategy.STRATEGY_BEAR_PUT;
  const isDebit = strategy === Strategy.STRATEGY_BULL_CALL || strategy === Strategy.STRATEGY_BEAR_PUT;
  if (!isCredit && !isDebit) return undefined;
  if (legs.length === 4) {
    // Each side of an iron spread must be a credit vertical in its own right.
    const sideCredit = (sold: Leg, bought: Leg): number => sold.sell - bought.buy;
    const putSide = sideCredit(legs[1]!.leg, legs[0]!.leg);
    const callSide = sideCredit(legs[2]!.leg, legs[3]!.leg);
    if (!(putSide > 1e-9 && slots[1]! - slots[0]! - putSide > 1e-9)) return undefined;
    if (!(callSide > 1e-9 && slots[3]! - slots[2]! - callSide > 1e-9)) return undefined;
  }
  const wingWidths =
    strategy === Strategy.STRATEGY_IRON_CONDOR || strategy === Strategy.STRATEGY_IRON_BUTTERFLY
      ? [slots[1]! - slots[0]!, slots[3]! - slots[2]!]
      : [Math.abs(legs[0]!.leg.strike - legs[1]!.leg.strike)];
  const width = Math.max(...wingWidths);
  if (isCredit && (net < filterFloor(f.minCredit) || net / width < filterFloor(f.minCreditToWidth))) return undefined;
  if (isDebit && -net > filterCeiling(f.maxDebit)) return undefined;
  if (wingWidths.length === 2 && Math.abs(wingWidths[0]! - wingWidths[1]!) > filterCeiling(f.maxWingWidthDifference)) return undefined;
  if (maxLoss * multiplier > filterCeiling(f.maxMaxLoss)) return undefined;
  const returnOnRisk = maxProfit / maxLoss;
  if (returnOnRisk < filterFloor(f.minReturnOnRisk)) return undefined;
  // Breakevens: where the payoff crosses zero between kinks.
  const points = [0, ...strikes, strikes[strikes.length - 1]! * 10];
  const breakevens: number[] = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const a = payoff(points[i]!);
    const b = payoff(points[i + 1]!);
    if ((a <= 1e-9 && b > 1e-9) || (a > 1e-9 && b <= 1e-9)) breakevens.push(points[i]! + ((points[i + 1]! - points[i]!) * -a) / (b - a));
  }
  const years = expiry.years;
  // Every short strike's distance from the spot in σ to expiry, the smallest kept: the
  // definition, leg by leg (under a shared σ the leg filters held it already).
  const shortSigmaDistance = Math.min(...legs.filter(({ sold }) => sold).map(({ leg }) => sigmaDistance(leg.isCall, leg.strike, spot, volatility, years)));
  if (shortSigmaDistance < filterFloor(f.minShortSigmaDistance)) return undefined;
  const below = (level: number): number => probabilityBelow(spot, rate, q, volatility, years, level);
  let pop = 0;
  const edges = [0, ...breakevens, Infinity];
  for (let i = 0; i + 1 < edges.length; i++) {
    const middle = Number.isFinite(edges[i + 1]!) ? (edges[i]! + edges[i + 1]!) / 2 : edges[i]! * 2 + 1;
    if (payoff(middle) > 1e-9) pop += (Number.isFinite(edges[i + 1]!) ? below(edges[i + 1]!) : 1) - below(edges[i]!);
  }
  if (pop < filterFloor(f.minPop)) return undefined;
  const expectedValue =
    (net +
      legs.reduce(
        (sum, { leg, sold }) =>
          sum +
          (sold ? -1 : 1) *
            (leg.isCall ? expectedCallPayoff(spot, rate, q, volatility, years, leg.strike) : expectedPutPayoff(spot, rate, q, volatility, years, leg.strike)),
        0,
      )) *
    multiplier;
  if (expectedValue < filterFloor(f.minExpectedValue)) return undefined;
  // The path reaching a short strike from its winning side: above a short call, below a
  // short put, either for a condor; a butterfly's shared strike always has the price on
  // one losing side, so it counts as touched.
  const shortLegs = legs.filter(({ sold }) => sold).map(({ leg }) => leg);
  let touch: number;
  if (shortLegs.length === 1) {
    const short = shortLegs[0]!;
    touch = short.isCall
      ? touchProbabilityAbove(spot, rate, q, volatility, years, short.strike)
      : touchProbabilityBelow(spot, rate, q, volatility, years, short.strike);
  } else {
    touch = touchBarriers[0]! < touchBarriers[1]! ? touchProbabilityEither(spot, rate, q, volatility, years, touchBarriers[0]!, touchBarriers[1]!) : 1;
  }
  if (touch > filterCeiling(f.maxProbabilityOfTouch)) return undefined;
  // Liquidity: the share of the net price left after filling every leg at natural, not mid.
  const slippage = legs.reduce((sum, { leg }) => sum + (leg.ask - leg.bid) / 2, 0);
  const liquidity = 1 - Math.min(1, slippage / Math.abs(net));
  const evPerRisk = Math.max(-1, Math.min(1, expectedValue / (maxLoss * multiplier)));
  const score = (weights.ev * evPerRisk + weights.pop * pop + weights.liquidity * liquidity) / weightSum;
  const sortValue = {
    [SortKey.SORT_KEY_UNSPECIFIED]: score,
    [SortKey.SORT_KEY_SCORE]: score,
    [SortKey.SORT_KEY_POP]: pop,
    [SortKey.SORT_KEY_EXPECTED_VALUE]: expectedValue,
    [SortKey.SORT_KEY_RETURN_ON_RISK]: returnOnRisk,
    [SortKey.SORT_KEY_CREDIT]: net,
    [SortKey.SORT_KEY_CREDIT_TO_WIDTH]: net / width,
    [SortKey.SORT_KEY_MAX_LOSS]: -maxLoss * multiplier,
    [SortKey.SORT_KEY_PROBABILITY_OF_TOUCH]: -touch,
    [SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE]: shortSigmaDistance,
  }[context.sort as Exclude<SortKey, SortKey.UNRECOGNIZED>];
  return {
    id: `${context.symbol}:${expiry.date}:${Strategy[strategy].replace("STRATEGY_", "")}:${legs
      .map(({ leg }) => leg.strike)
      .sort((a, b) => a - b)
      .join("/")}`,
    strategy,
    expiryDate: expiry.date,
    sortValue,
    score,
    netCredit: net,
    maxProfit: maxProfit * multiplier,
    maxLoss: maxLoss * multiplier,
    breakevens,
    pop,
    expectedValue,
    probabilityOfTouch: touch,
    returnOnRisk,
    volatility,
    shortSigmaDistance,
    tieKey: [expiryRank, strategy, ...slots],
  };
}

/** A short strike's distance from the spot in σ to expiry: ln(K/S)/(σ√T) for a call, ln(S/K)/(σ√T) for a put. */
export function sigmaDistance(isCall: boolean, strike: number, spot: number, volatility: number, years: number): number {
  return Math.log(isCall ? strike / spot : spot / strike) / (volatility * Math.sqrt(years));
}
