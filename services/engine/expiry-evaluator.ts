// What every evaluation of a spread shares: the results of the last one, written into the
// evaluator's own fields so that evaluating allocates nothing; the count of what became of
// the candidates; the expiration's distribution and the per-leg figures cached under it; and
// the ranking. The evaluator is one object, the hot loop's only state: each family of
// strategies is a subclass (VerticalEvaluator, then SpreadEvaluator for iron spreads), so
// that each file holds one family while every field stays a plain property of that object.
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { compositeScore } from "./composite-score.js";
import { newRejectionCounts } from "./filter-rejections.js";
import { sigmaDistance } from "./market-context/sigma-distance.js";
import type { ExpirySlice } from "./prepared-chain.js";
import type { PricedSide } from "./priced-side.js";
import type { ResolvedQuery } from "./resolved-query.js";
import { expectedCallFromLog, expectedPutFromLog, expectedPutGivenBelow, probabilityBelowFromLog } from "./lognormal-kernels.js";
import { forward, touchProbabilityAbove, touchProbabilityBelow } from "./terminal-distribution.js";

// Read once: the hot loop should not go through the enum object for every candidate.
const SORT_BY_SCORE = SortKey.SORT_KEY_SCORE;
const SORT_BY_POP = SortKey.SORT_KEY_POP;
const SORT_BY_EXPECTED_VALUE = SortKey.SORT_KEY_EXPECTED_VALUE;
const SORT_BY_RETURN_ON_RISK = SortKey.SORT_KEY_RETURN_ON_RISK;
const SORT_BY_CREDIT = SortKey.SORT_KEY_CREDIT;
const SORT_BY_CREDIT_TO_WIDTH = SortKey.SORT_KEY_CREDIT_TO_WIDTH;
const SORT_BY_MAX_LOSS = SortKey.SORT_KEY_MAX_LOSS;
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;
const SORT_BY_SIGMA_DISTANCE = SortKey.SORT_KEY_SHORT_SIGMA_DISTANCE;

/**
 * A billionth of a dollar per share: payoffs within it of zero are zero. Without it a
 * spread whose credit equals a wing in exact arithmetic would be "profitable" or not by
 * rounding, and its POP would jump between 0 and 1.
 */
export const MONEY_EPSILON = 1e-9;

export interface EvaluationMarket {
  spot: number;
  rate: number;
  dividendYield: number;
  multiplier: number;
  expiry: ExpirySlice;
}

export abstract class ExpiryEvaluator {
  // Results of the last evaluation: per share unless named per lot.
  netCredit = 0;
  width = 0;
  maxProfitPerLot = 0;
  maxLossPerLot = 0;
  breakevenLow = Number.NaN;
  breakevenHigh = Number.NaN;
  pop = 0;
  expectedValuePerLot = 0;
  probabilityOfTouch = Number.NaN;
  /**
   * The nearer short strike's distance from the underlying in σ to expiry (Spread.short_sigma_distance).
   * Set at the start of an evaluation, before any rank check reads it.
   */
  shortSigmaDistance = 0;
  volatility = 0;
  liquidity = 0;
  worstBidAskFraction = 0;
  score = 0;
  sortValue = 0;
  // What became of the candidates evaluated so far (describing one counts nothing): each
  // ends in exactly one of these. Plain integer fields, so counting costs an increment.
  /** Failed a filter on the spread's own figures, or is no spread at all (nothing to gain or nothing at risk). */
  rejectedBySpreadFilters = 0;
  /** Those, by the first filter each failed (filter-rejections.ts numbers). */
  readonly spreadRejections = newRejectionCounts();
  /** Passed every filter, dropped because it cannot beat the worst kept spread, before all its figures were computed. */
  rankedOut = 0;
  /** Passed every filter with every figure its filters and rank need computed. */
  fullyEvaluated = 0;

  /** Candidates that passed every filter, whether or not they ranked. */
  get passed(): number {
    return this.rankedOut + this.fullyEvaluated;
  }

  /** True when no filter waits on POP, touch or EV: a candidate can then be dropped by rank before they are computed. */
  protected readonly rankBeforeProbabilities: boolean;
  /** True when no filter waits on POP or touch: an iron spread can then be dropped by rank before POP. */
  protected readonly ironRankBeforePop: boolean;

  constructor(
    protected readonly query: ResolvedQuery,
    protected readonly market: EvaluationMarket,
  ) {
    this.ironRankBeforePop = query.minPop === -Infinity && query.maxProbabilityOfTouch === Infinity;
    this.rankBeforeProbabilities = this.ironRankBeforePop && query.minExpectedValue === -Infinity;
    this.sigmaDistanceNeeded = query.sort === SORT_BY_SIGMA_DISTANCE || query.minShortSigmaDistance > -Infinity;
  }

  // Per expiration: the forward and its logarithm, and the σ all its spreads share (NaN
  // under PROBABILITY_MODEL_SHORT_LEG_IV, where each spread has its own).
  protected forwardPrice = 0;
  protected logForward = 0;
  protected sqrtYears = 0;
  protected shared = false;
  protected sharedVolatility = Number.NaN;
  /** True when the sort or a filter judged per spread reads the σ distance: every candidate then needs it. */
  protected readonly sigmaDistanceNeeded: boolean;

  /** Starts an expiration; `sharedVolatility` is its σ, or NaN when each spread's short legs give their own. */
  setExpiry(expiry: ExpirySlice, sharedVolatility: number): void {
    const { spot, rate, dividendYield } = this.market;
    this.market.expiry = expiry;
    this.forwardPrice = forward(spot, rate, dividendYield, expiry.years);
    this.logForward = Math.log(spot) + (rate - dividendYield) * expiry.years;
    this.sqrtYears = Math.sqrt(expiry.years);
    this.sharedVolatility = sharedVolatility;
    this.shared = !Number.isNaN(sharedVolatility);
  }

  /**
   * Under a σ shared by the expiration, each leg's probability below its strike and its
   * expected payoff are constants of the expiration: computed here once, for the legs from
   * `first` to `end` - 1, so that the hot loop and its bounds only read them. Call after the
   * side's volatility and deviation columns are filled.
   */
  fillSharedColumns(side: PricedSide, first: number, end: number): void {
    const { table, probabilityBelowStrike, expectedPayoff } = side;
    const forwardPrice = this.forwardPrice;
    const logForward = this.logForward;
    for (let leg = first; leg < end; leg++) {
      const deviation = side.deviation[leg] as number;
      const strike = table.strike[leg] as number;
      const logStrikeOverForward = (table.logStrike[leg] as number) - logForward;
      const below = probabilityBelowFromLog(logStrikeOverForward, deviation);
      probabilityBelowStrike[leg] = below;
      expectedPayoff[leg] = side.isCall
        ? expectedCallFromLog(strike, forwardPrice, -logStrikeOverForward, deviation)
        : expectedPutGivenBelow(strike, forwardPrice, logStrikeOverForward, deviation, below);
    }
  }

  /**
   * A short leg's distance from the underlying in standard deviations to expiry (see sigmaDistance),
   * `deviation` being σ√T.
   */
  protected legSigmaDistance(side: PricedSide, leg: number, deviation: number): number {
    return sigmaDistance(side.isCall, side.table.strike[leg] as number, this.market.spot, deviation);
  }

  /** Counts a candidate that failed the spread filter `filter` (filter-rejections.ts number); returns false for the caller to return. */
  protected rejected(filter: number): false {
    this.rejectedBySpreadFilters++;
    this.spreadRejections[filter] = (this.spreadRejections[filter] as number) + 1;
    return false;
  }

  /**
   * True when the candidate cannot rank above `threshold`, judged from what is known of it
   * so far: exact values, or bounds where a metric is not computed yet. POP is at most
   * `popBound`; EV per lot at most `expectedValueBound` and EV per dollar at risk at most
   * `expectedValuePerRiskBound` (EV never exceeds max profit × POP: the payoff is at most
   * max profit where positive); `touch` is NaN while unknown. Ties on the sort key are
   * broken by score, so only what is strictly worse is dropped.
   */
  protected cannotRank(
    net: number,
    width: number,
    maxLossPerLot: number,
    returnOnRisk: number,
    popBound: number,
    expectedValuePerRiskBound: number,
    expectedValueBound: number,
    touch: number,
    liquidity: number,
    threshold: number,
  ): boolean {
    if (threshold === -Infinity) return false;
    switch (this.query.sort) {
      case SORT_BY_SCORE: {
        const { expectedValuePerRisk, pop: popWeight, liquidity: liquidityWeight } = this.query.weights;
        return compositeScore(expectedValuePerRiskBound, popBound, liquidity, expectedValuePerRisk, popWeight, liquidityWeight) < threshold;
      }
      case SORT_BY_POP:
        return popBound < threshold;
      case SORT_BY_EXPECTED_VALUE:
        return expectedValueBound < threshold;
      case SORT_BY_RETURN_ON_RISK:
        return returnOnRisk < threshold;
      case SORT_BY_CREDIT:
        return net < threshold;
      case SORT_BY_CREDIT_TO_WIDTH:
        return net / width < threshold;
      case SORT_BY_MAX_LOSS:
        return -maxLossPerLot < threshold;
      case SORT_BY_TOUCH:
        return -touch < threshold;
      case SORT_BY_SIGMA_DISTANCE:
        return this.shortSigmaDistance < threshold;
      default:
        return false;
    }
  }

  protected finishRanking(returnOnRisk: number, width: number): void {
    const { expectedValuePerRisk, pop: popWeight, liquidity: liquidityWeight } = this.query.weights;
    this.score = compositeScore(this.expectedValuePerLot / this.maxLossPerLot, this.pop, this.liquidity, expectedValuePerRisk, popWeight, liquidityWeight);
    switch (this.query.sort) {
      case SORT_BY_POP:
        this.sortValue = this.pop;
        break;
      case SORT_BY_EXPECTED_VALUE:
        this.sortValue = this.expectedValuePerLot;
        break;
      case SORT_BY_RETURN_ON_RISK:
        this.sortValue = returnOnRisk;
        break;
      case SORT_BY_CREDIT:
        this.sortValue = this.netCredit;
        break;
      case SORT_BY_CREDIT_TO_WIDTH:
        this.sortValue = this.netCredit / width;
        break;
      case SORT_BY_MAX_LOSS:
        this.sortValue = -this.maxLossPerLot;
        break;
      case SORT_BY_TOUCH:
        this.sortValue = -this.probabilityOfTouch;
        break;
      case SORT_BY_SIGMA_DISTANCE:
        this.sortValue = this.shortSigmaDistance;
        break;
      default:
        this.sortValue = this.score;
    }
  }

  /** Expected payoff at expiry of one leg under its own volatility, cached per leg (PROBABILITY_MODEL_SHORT_LEG_IV). */
  protected legPayoff(side: PricedSide, leg: number): number {
    const cached = side.expectedPayoff[leg] as number;
    if (!Number.isNaN(cached)) return cached;
    const strike = side.table.strike[leg] as number;
    const logForwardOverStrike = this.logForward - (side.table.logStrike[leg] as number);
    const deviation = side.deviation[leg] as number;
    const value = side.isCall
      ? expectedCallFromLog(strike, this.forwardPrice, logForwardOverStrike, deviation)
      : expectedPutFromLog(strike, this.forwardPrice, logForwardOverStrike, deviation);
    side.expectedPayoff[leg] = value;
    return value;
  }

  /** Probability that the price reaches a short leg's strike from its winning side, under the leg's σ, cached per leg. */
  protected legTouch(side: PricedSide, leg: number): number {
    const cached = side.touch[leg] as number;
    if (!Number.isNaN(cached)) return cached;
    const { spot, rate, dividendYield } = this.market;
    const years = this.market.expiry.years;
    const volatility = side.volatility[leg] as number;
    const strike = side.table.strike[leg] as number;
    // A short call loses above its strike, a short put below: already there (in the money)
    // counts as touched.
    const value = side.isCall
      ? touchProbabilityAbove(spot, rate, dividendYield, volatility, years, strike)
      : touchProbabilityBelow(spot, rate, dividendYield, volatility, years, strike);
    side.touch[leg] = value;
    return value;
  }
}
