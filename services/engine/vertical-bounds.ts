// An upper bound on the sort value of every vertical in a group (one near leg with all its
// partners on one side), from the group's extremes: its largest net credit, its narrowest
// and widest partners, its smallest and largest max loss, its largest max profit and EV, its
// POP ceiling and its smallest summed bid-ask width. A group whose bound is below the N-th
// kept spread's sort value holds no spread of the top N, whatever its filters would say.
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { compositeScore } from "./composite-score.js";
import { MONEY_EPSILON } from "./expiry-evaluator.js";
import type { ResolvedQuery } from "./resolved-query.js";

// Read once: computing a group's bound should not go through the enum object.
const SORT_BY_POP = SortKey.SORT_KEY_POP;
const SORT_BY_EXPECTED_VALUE = SortKey.SORT_KEY_EXPECTED_VALUE;
const SORT_BY_RETURN_ON_RISK = SortKey.SORT_KEY_RETURN_ON_RISK;
const SORT_BY_CREDIT = SortKey.SORT_KEY_CREDIT;
const SORT_BY_CREDIT_TO_WIDTH = SortKey.SORT_KEY_CREDIT_TO_WIDTH;
const SORT_BY_MAX_LOSS = SortKey.SORT_KEY_MAX_LOSS;
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;
const SORT_BY_SIGMA_DISTANCE = SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE;

/**
 * Relative slack added to every bound: the bound and the exact figure are the same
 * quantities summed in another order, so they may differ in the last bits; a bound must
 * never fall below a value it bounds.
 */
const SLACK = 1e-9;

/** The extremes of one group, per share (written in place by the search, then bounded). */
export class VerticalGroup {
  /** Largest net credit (negative for a debit). */
  maxNet = 0;
  narrowest = 0;
  widest = 0;
  minMaxLoss = 0;
  maxMaxLoss = 0;
  maxMaxProfit = 0;
  /** Largest EV per share from the per-strike payoffs of a shared σ; NaN when each spread has its own σ. */
  maxExpectedValue = Number.NaN;
  popCeiling = 1;
  /** Smallest probability of touch of the group's short leg (0 when the short leg varies). */
  touchFloor = 0;
  /** Largest σ distance of the group's short legs (Infinity when not bounded). */
  sigmaDistanceCeiling = Infinity;
  /** Largest |net credit| a spread of the group that is a spread at all can have. */
  maxAbsoluteNet = 0;
  smallestSummedBidAsk = 0;

  /** An upper bound on the sort value of every spread of the group; -Infinity when none has both something to gain and something at risk. */
  sortValueBound(query: ResolvedQuery, multiplier: number): number {
    if (!(this.maxMaxProfit > MONEY_EPSILON && this.maxMaxLoss > MONEY_EPSILON)) return -Infinity;
    // A spread that is one has a max loss above MONEY_EPSILON.
    const minMaxLoss = this.minMaxLoss > MONEY_EPSILON ? this.minMaxLoss : MONEY_EPSILON;
    // EV never exceeds max profit × POP (the payoff is at most max profit where positive).
    let expectedValue = this.maxMaxProfit * this.popCeiling;
    if (this.maxExpectedValue < expectedValue) expectedValue = this.maxExpectedValue;
    let bound: number;
    switch (query.sort) {
      case SORT_BY_POP:
        bound = this.popCeiling;
        break;
      case SORT_BY_EXPECTED_VALUE:
        bound = expectedValue * multiplier;
        break;
      case SORT_BY_RETURN_ON_RISK:
        bound = this.maxMaxProfit / minMaxLoss;
        break;
      case SORT_BY_CREDIT:
        bound = this.maxNet;
        break;
      case SORT_BY_CREDIT_TO_WIDTH:
        bound = this.maxNet > 0 ? this.maxNet / this.narrowest : this.maxNet / this.widest;
        break;
      case SORT_BY_MAX_LOSS:
        bound = -minMaxLoss * multiplier;
        break;
      case SORT_BY_TOUCH:
        bound = -this.touchFloor;
        break;
      case SORT_BY_SIGMA_DISTANCE:
        bound = this.sigmaDistanceCeiling;
        break;
      default: {
        const perRisk = expectedValue >= 0 ? expectedValue / minMaxLoss : expectedValue / this.maxMaxLoss;
        const lost = (0.5 * this.smallestSummedBidAsk) / this.maxAbsoluteNet;
        const { expectedValuePerRisk, pop, liquidity } = query.weights;
        bound = compositeScore(perRisk, this.popCeiling, lost < 1 ? 1 - lost : 0, expectedValuePerRisk, pop, liquidity);
      }
    }
    // NaN (a figure the group cannot bound) never prunes.
    return Number.isNaN(bound) ? Infinity : bound + SLACK * (1 + Math.abs(bound));
  }
}
