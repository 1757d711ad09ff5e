// Upper bounds of a query's sort key over a group of iron spreads (every wing of a pair of
// shorts, or every call wing of one put wing), from what bounds the group's figures. The
// search visits groups best bound first and drops a group whose bound cannot beat the N-th
// kept spread. Each bound holds for every spread of the group that would pass the spread
// filters (net > 0, each side a credit below its width); the others are never kept, so a
// bound need not hold for them.
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { compositeScore } from "./composite-score.js";
import type { ResolvedQuery } from "./resolved-query.js";

// Read once, as the evaluator does.
const SORT_BY_POP = SortKey.SORT_KEY_POP;
const SORT_BY_EXPECTED_VALUE = SortKey.SORT_KEY_EXPECTED_VALUE;
const SORT_BY_RETURN_ON_RISK = SortKey.SORT_KEY_RETURN_ON_RISK;
const SORT_BY_CREDIT = SortKey.SORT_KEY_CREDIT;
const SORT_BY_CREDIT_TO_WIDTH = SortKey.SORT_KEY_CREDIT_TO_WIDTH;
const SORT_BY_MAX_LOSS = SortKey.SORT_KEY_MAX_LOSS;
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;
const SORT_BY_SIGMA_DISTANCE = SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE;

/** What bounds a group's figures, per share; written in place for each group, so that bounding allocates nothing. */
export class GroupFigures {
  /** The largest net credit. */
  largestNet = 0;
  /** The largest net credit per dollar of the wider wing. */
  largestCreditToWidth = 0;
  /** The largest net credit less the wider wing: minus the smallest max loss. */
  largestNetLessWidth = 0;
  /** The largest expected value (+Infinity when unknown). */
  largestValue = Infinity;
  /** The largest EV per dollar at risk from the sides' EV per margin (+Infinity when unknown): see CreditWings.largestValuePerMargin. */
  largestValuePerRisk = Infinity;
  /** The largest POP (when the sort needs it). */
  popCeiling = 1;
  /** The smallest summed bid-ask width of the legs (what the liquidity term loses at the least). */
  smallestBidAskSum = 0;
  /** The smallest probability of touch (when the sort needs it). */
  touchFloor = 0;
  /** The σ distance of the group's pair of shorts (when the sort needs it; Infinity bounds nothing). */
  sigmaDistanceCeiling = Infinity;
}

/** Which figures the query's sort key needs bounded: a POP ceiling costs logarithms, a touch floor more. */
export function needsPopCeiling(query: ResolvedQuery, shared: boolean): boolean {
  const sort = query.sort;
  if (sort === SORT_BY_EXPECTED_VALUE) return !shared;
  return (
    sort !== SORT_BY_RETURN_ON_RISK &&
    sort !== SORT_BY_CREDIT &&
    sort !== SORT_BY_CREDIT_TO_WIDTH &&
    sort !== SORT_BY_MAX_LOSS &&
    sort !== SORT_BY_TOUCH &&
    sort !== SORT_BY_SIGMA_DISTANCE
  );
}

/** The σ distance depends only on a group's pair of shorts and its σ: exact for the group. */
export function needsSigmaDistance(query: ResolvedQuery): boolean {
  return query.sort === SORT_BY_SIGMA_DISTANCE;
}

export function needsTouchFloor(query: ResolvedQuery): boolean {
  return query.sort === SORT_BY_TOUCH;
}

/** An upper bound of the sort key over the group, in the units of the heap's sort values. */
export function sortKeyBound(query: ResolvedQuery, multiplier: number, figures: GroupFigures): number {
  const net = figures.largestNet;
  switch (query.sort) {
    case SORT_BY_CREDIT:
      return net;
    case SORT_BY_CREDIT_TO_WIDTH:
      return figures.largestCreditToWidth;
    case SORT_BY_RETURN_ON_RISK:
      return returnOnRiskBound(figures.largestCreditToWidth);
    case SORT_BY_MAX_LOSS:
      return figures.largestNetLessWidth * multiplier;
    case SORT_BY_TOUCH:
      return -figures.touchFloor;
    case SORT_BY_SIGMA_DISTANCE:
      return figures.sigmaDistanceCeiling;
    case SORT_BY_EXPECTED_VALUE:
      return expectedValueBound(figures) * multiplier;
    case SORT_BY_POP:
      return figures.popCeiling;
    default: {
      const { expectedValuePerRisk, pop, liquidity } = query.weights;
      return compositeScore(expectedValuePerRiskBound(figures), figures.popCeiling, liquidityBound(figures), expectedValuePerRisk, pop, liquidity);
    }
  }
}

/**
 * The score's bound (sortKeyBound under SORT_KEY_SCORE) from the figures given one by one
 * instead of through a GroupFigures: the same operations in the same order, so the same
 * number, for the block × block loop of the iron search, where it runs tens of millions of
 * times a scan and the generic path's object writes and switch cost more than the bound.
 */
export function scoreBound(
  query: ResolvedQuery,
  largestNet: number,
  largestCreditToWidth: number,
  largestNetLessWidth: number,
  largestValue: number,
  largestValuePerRisk: number,
  smallestBidAskSum: number,
  popCeiling: number,
): number {
  const weights = query.weights;
  let valuePerRisk = 0;
  if (largestValue > 0 && popCeiling > 0) {
    const bound = Math.min(1, returnOnRiskBound(largestCreditToWidth) * popCeiling);
    const smallestMaxLoss = -largestNetLessWidth;
    const tighter = Math.min(bound, largestValuePerRisk);
    valuePerRisk = smallestMaxLoss > 0 ? Math.min(tighter, largestValue / smallestMaxLoss) : tighter;
  }
  let liquidity = 1;
  if (largestNet > 0) {
    const lost = (0.5 * smallestBidAskSum) / largestNet;
    liquidity = lost < 1 ? 1 - lost : 0;
  }
  return compositeScore(valuePerRisk, popCeiling, liquidity, weights.expectedValuePerRisk, weights.pop, weights.liquidity);
}

/** Return on risk is credit-to-width r over 1 − r, increasing in r. */
function returnOnRiskBound(creditToWidth: number): number {
  return creditToWidth < 1 ? creditToWidth / (1 - creditToWidth) : Infinity;
}

/** EV ≤ net × POP (the payoff never exceeds the net credit, and is positive only where the spread wins). */
function expectedValueBound(figures: GroupFigures): number {
  return Math.min(figures.largestValue, figures.largestNet * Math.max(0, figures.popCeiling));
}

/**
 * EV / max loss ≤ return on risk × POP, and ≤ the largest EV over the smallest max loss;
 * the score clamps it to 1.
 */
function expectedValuePerRiskBound(figures: GroupFigures): number {
  const value = figures.largestValue;
  if (!(value > 0)) return 0;
  if (!(figures.popCeiling > 0)) return 0;
  const bound = Math.min(1, returnOnRiskBound(figures.largestCreditToWidth) * figures.popCeiling);
  const smallestMaxLoss = -figures.largestNetLessWidth;
  const tighter = Math.min(bound, figures.largestValuePerRisk);
  return smallestMaxLoss > 0 ? Math.min(tighter, value / smallestMaxLoss) : tighter;
}

/**
 * Under the score: the EV per risk a spread of the group must reach for its score to reach
 * `threshold` less rounding room, with its POP and liquidity at their bounds (call only with
 * a positive EV weight). Above 1 nothing can (the score clamps EV per risk to 1).
 */
export function requiredValuePerRisk(query: ResolvedQuery, figures: GroupFigures, threshold: number): number {
  const { expectedValuePerRisk, pop, liquidity } = query.weights;
  const room = 1e-9 * Math.max(1, Math.abs(threshold));
  return (threshold - room - pop * figures.popCeiling - liquidity * liquidityBound(figures)) / expectedValuePerRisk;
}

/** The liquidity term, 1 − slippage / net, is largest with the least slippage on the most credit. */
function liquidityBound(figures: GroupFigures): number {
  if (!(figures.largestNet > 0)) return 1;
  const lost = (0.5 * figures.smallestBidAskSum) / figures.largestNet;
  return lost < 1 ? 1 - lost : 0;
}

/**
 * True when nothing of a group bounded by `bound` can rank above `threshold`. Ties on the
 * sort key are broken by score, so only what is strictly worse is dropped, and a bound is
 * given room for the rounding of the sums it was built from.
 */
export function boundLoses(bound: number, threshold: number): boolean {
  return bound + 1e-9 * Math.max(1, Math.abs(bound)) < threshold;
}
