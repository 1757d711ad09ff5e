// Vertical spreads (bull put, bear call, bull call, bear put): one side of an expiration,
// one leg sold and one bought.
import {
  MAX_DEBIT,
  MAX_MAX_LOSS,
  MAX_PROBABILITY_OF_TOUCH,
  MIN_CREDIT,
  MIN_CREDIT_TO_WIDTH,
  MIN_EXPECTED_VALUE,
  MIN_POP,
  MIN_RETURN_ON_RISK,
  MIN_SHORT_SIGMA_DISTANCE,
  NO_SPREAD,
} from "./filter-rejections.js";
import { SortKey, Strategy } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { liquidityComponent } from "./composite-score.js";
import { ExpiryEvaluator, MONEY_EPSILON } from "./expiry-evaluator.js";
import { expectedCallFromLog, expectedPutFromLog, probabilityBelowFromLog } from "./lognormal-kernels.js";
import type { ExpirySlice } from "./prepared-chain.js";
import type { PricedSide } from "./priced-side.js";

// Read once: the hot loop should not go through the enum object for every candidate.
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;

export abstract class VerticalEvaluator extends ExpiryEvaluator {
  /** True when a filter or the sort reads the probability of touch: every candidate then needs it. */
  private readonly touchNeeded = this.query.maxProbabilityOfTouch < Infinity || this.query.sort === SORT_BY_TOUCH;

  /**
   * A vertical: sell `short` and buy `long` on one side. Credit strategies (bull put, bear
   * call) have the short nearer the money; debit strategies (bull call, bear put) the long.
   * Returns false when the spread fails a filter or cannot rank above `threshold` (pruning
   * by rank waits until no filter is left unchecked, so what it drops has passed them all).
   * With `describe` set, every metric is computed and nothing is pruned. `popCeiling`
   * bounds the candidate's POP (see creditPopCeiling).
   */
  vertical(side: PricedSide, short: number, long: number, isCredit: boolean, threshold: number, describe: boolean, popCeiling = 1): boolean {
    const query = this.query;
    const table = side.table;
    const strikeShort = table.strike[short] as number;
    const strikeLong = table.strike[long] as number;
    const width = strikeShort > strikeLong ? strikeShort - strikeLong : strikeLong - strikeShort;
    const net = (side.sell[short] as number) - (side.buy[long] as number);
    if (describe || this.sigmaDistanceNeeded) {
      // Under a shared σ the leg filters already held min_short_sigma_distance; under the
      // short leg's own σ it is judged here, with the spread.
      const distance = this.legSigmaDistance(side, short, side.deviation[short] as number);
      if (!describe && !this.shared && distance < query.minShortSigmaDistance) return this.rejected(MIN_SHORT_SIGMA_DISTANCE);
      this.shortSigmaDistance = distance;
    }
    const maxProfit = isCredit ? net : width + net;
    const maxLoss = isCredit ? width - net : -net;
    if (!describe) {
      if (!(maxProfit > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) return this.rejected(NO_SPREAD);
      if (isCredit) {
        if (net < query.minCredit || net < query.minCreditToWidth * width) return this.rejected(net < query.minCredit ? MIN_CREDIT : MIN_CREDIT_TO_WIDTH);
      } else if (-net > query.maxDebit) return this.rejected(MAX_DEBIT);
    }
    const multiplier = this.market.multiplier;
    const maxLossPerLot = maxLoss * multiplier;
    const returnOnRisk = maxProfit / maxLoss;
    if (!describe && (maxLossPerLot > query.maxMaxLoss || returnOnRisk < query.minReturnOnRisk))
      return this.rejected(maxLossPerLot > query.maxMaxLoss ? MAX_MAX_LOSS : MIN_RETURN_ON_RISK);

    const liquidity = liquidityComponent(
      (table.ask[short] as number) - (table.bid[short] as number) + (table.ask[long] as number) - (table.bid[long] as number),
      net,
    );
    // Where the position breaks even at expiry, and on which side of it it makes money.
    const breakeven = isCredit ? (side.isCall ? strikeShort + net : strikeShort - net) : side.isCall ? strikeLong - net : strikeLong + net;
    const profitAbove = isCredit !== side.isCall;
    const needsTouch = describe || this.touchNeeded;
    let pop: number;
    let touch = Number.NaN;
    let expectedValuePerLot: number;
    if (this.shared) {
      // One σ for the expiration: EV and touch are read from per-strike constants, so they
      // come first, and POP (one logarithm and one normal CDF) is left for the candidates
      // that can still rank.
      expectedValuePerLot = (net - (side.expectedPayoff[short] as number) + (side.expectedPayoff[long] as number)) * multiplier;
      if (!describe && expectedValuePerLot < query.minExpectedValue) return this.rejected(MIN_EXPECTED_VALUE);
      if (needsTouch) {
        touch = this.legTouch(side, short);
        if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected(MAX_PROBABILITY_OF_TOUCH);
      }
      if (!describe && query.minPop === -Infinity && threshold !== -Infinity) {
        // The breakeven lies strictly between the strikes (there is something to gain and
        // something at risk), so the position makes money only beyond its long strike.
        const beyondLong = side.probabilityBelowStrike[long] as number;
        const popBound = Math.min(popCeiling, profitAbove ? 1 - beyondLong : beyondLong);
        if (
          this.cannotRank(
            net,
            width,
            maxLossPerLot,
            returnOnRisk,
            popBound,
            expectedValuePerLot / maxLossPerLot,
            expectedValuePerLot,
            touch,
            liquidity,
            threshold,
          )
        ) {
          this.rankedOut++;
          return false;
        }
      }
      const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, side.deviation[short] as number);
      pop = profitAbove ? 1 - below : below;
      if (!describe && pop < query.minPop) return this.rejected(MIN_POP);
    } else {
      const deviation = side.deviation[short] as number;
      if (!describe && this.rankBeforeProbabilities && threshold !== -Infinity) {
        // EV never exceeds max profit × POP; and when the long leg's own volatility is at
        // least the short's (a put skew's bull puts, its bull calls), valuing the long leg at
        // its own volatility overstates it (vega is positive): EV ≤ net − E_short + E_long(σ_long),
        // from payoffs cached per leg, so the bound costs no CDF per candidate.
        let expectedValueBound = maxProfit * popCeiling;
        if ((side.volatility[short] as number) <= (side.volatility[long] as number)) {
          expectedValueBound = Math.min(expectedValueBound, net - this.legPayoff(side, short) + this.legPayoff(side, long));
        }
        if (
          this.cannotRank(
            net,
            width,
            maxLossPerLot,
            returnOnRisk,
            popCeiling,
            (expectedValueBound * multiplier) / maxLossPerLot,
            expectedValueBound * multiplier,
            Number.NaN,
            liquidity,
            threshold,
          )
        ) {
          this.rankedOut++;
          return false;
        }
      }
      const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, deviation);
      pop = profitAbove ? 1 - below : below;
      if (!describe && pop < query.minPop) return this.rejected(MIN_POP);
      if (needsTouch) {
        touch = this.legTouch(side, short);
        if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected(MAX_PROBABILITY_OF_TOUCH);
      }
      if (
        !describe &&
        query.minExpectedValue === -Infinity &&
        this.cannotRank(net, width, maxLossPerLot, returnOnRisk, pop, returnOnRisk * pop, maxProfit * multiplier * pop, touch, liquidity, threshold)
      ) {
        this.rankedOut++;
        return false;
      }
      // The long leg under the short leg's σ: that is the spread's distribution.
      const logForwardOverLong = this.logForward - (table.logStrike[long] as number);
      const longPayoff = side.isCall
        ? expectedCallFromLog(strikeLong, this.forwardPrice, logForwardOverLong, deviation)
        : expectedPutFromLog(strikeLong, this.forwardPrice, logForwardOverLong, deviation);
      expectedValuePerLot = (net - this.legPayoff(side, short) + longPayoff) * multiplier;
      if (!describe && expectedValuePerLot < query.minExpectedValue) return this.rejected(MIN_EXPECTED_VALUE);
    }

    this.netCredit = net;
    this.width = width;
    this.maxProfitPerLot = maxProfit * multiplier;
    this.maxLossPerLot = maxLossPerLot;
    this.breakevenLow = breakeven;
    this.breakevenHigh = Number.NaN;
    this.pop = pop;
    this.expectedValuePerLot = expectedValuePerLot;
    this.probabilityOfTouch = touch;
    this.volatility = side.volatility[short] as number;
    this.liquidity = liquidity;
    this.worstBidAskFraction = Math.max(side.bidAskFraction[short] as number, side.bidAskFraction[long] as number);
    this.finishRanking(returnOnRisk, width);
    if (!describe) this.fullyEvaluated++;
    return true;
  }

  /**
   * True when, in the current expiration, a vertical that passes its filters can be ranked
   * out from figures cached per leg (see skipRankedOut): one σ for the expiration, and no
   * filter or sort waiting on POP, touch or the σ distance.
   */
  ranksFromLegFigures = false;

  override setExpiry(expiry: ExpirySlice, sharedVolatility: number): void {
    super.setExpiry(expiry, sharedVolatility);
    // A plain field, read once per group of candidates.
    this.ranksFromLegFigures = this.shared && !this.touchNeeded && !this.sigmaDistanceNeeded && this.query.minPop === -Infinity;
  }

  /**
   * Goes through the verticals of one group (credit: sold at `near`; debit: bought there)
   * with the partners `legs` at positions from..end − 1, counting as ranked out those that
   * pass every filter and cannot rank above `threshold` (a finite one), and stops at the
   * first that is not one of them: its position (`end` when there is none), which the
   * caller hands to vertical(). Only when ranksFromLegFigures holds. The same figures, in
   * the same arithmetic order, as vertical() up to its rank check, so that both drop the
   * same candidates; here with the near leg's figures read once for the group, and nothing
   * written but the count.
   */
  skipRankedOut(side: PricedSide, near: number, isCredit: boolean, legs: Int32Array, from: number, end: number, popCeiling: number, threshold: number): number {
    const position = isCredit
      ? this.skipRankedOutCredits(side, near, legs, from, end, popCeiling, threshold)
      : this.skipRankedOutDebits(side, near, legs, from, end, popCeiling, threshold);
    this.rankedOut += position - from;
    return position;
  }

  /** skipRankedOut for the credit verticals sold at `near` (the short leg's figures read once). */
  private skipRankedOutCredits(side: PricedSide, near: number, legs: Int32Array, from: number, end: number, popCeiling: number, threshold: number): number {
    const { strike, ask, bid } = side.table;
    const { buy, expectedPayoff, probabilityBelowStrike } = side;
    const multiplier = this.market.multiplier;
    const { minCredit, minCreditToWidth, maxMaxLoss, minReturnOnRisk, minExpectedValue } = this.query;
    // A bull put makes money above its breakeven, a bear call below.
    const profitAbove = !side.isCall;
    const strikeShort = strike[near] as number;
    const sellShort = side.sell[near] as number;
    const payoffShort = expectedPayoff[near] as number;
    const bidAskShort = (ask[near] as number) - (bid[near] as number);
    let position = from;
    for (; position < end; position++) {
      const long = legs[position] as number;
      const strikeLong = strike[long] as number;
      const width = strikeShort > strikeLong ? strikeShort - strikeLong : strikeLong - strikeShort;
      const net = sellShort - (buy[long] as number);
      const maxLoss = width - net;
      if (!(net > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) break;
      if (net < minCredit || net < minCreditToWidth * width) break;
      const maxLossPerLot = maxLoss * multiplier;
      const returnOnRisk = net / maxLoss;
      if (maxLossPerLot > maxMaxLoss || returnOnRisk < minReturnOnRisk) break;
      const liquidity = liquidityComponent(bidAskShort + (ask[long] as number) - (bid[long] as number), net);
      const expectedValuePerLot = (net - payoffShort + (expectedPayoff[long] as number)) * multiplier;
      if (expectedValuePerLot < minExpectedValue) break;
      const beyondLong = probabilityBelowStrike[long] as number;
      const popBound = Math.min(popCeiling, profitAbove ? 1 - beyondLong : beyondLong);
      if (
        !this.cannotRank(
          net,
          width,
          maxLossPerLot,
          returnOnRisk,
          popBound,
          expectedValuePerLot / maxLossPerLot,
          expectedValuePerLot,
          Number.NaN,
          liquidity,
          threshold,
        )
      )
        break;
    }
    return position;
  }

  /** skipRankedOut for the debit verticals bought at `near` (the long leg's figures, its POP bound among them, read once). */
  private skipRankedOutDebits(side: PricedSide, near: number, legs: Int32Array, from: number, end: number, popCeiling: number, threshold: number): number {
    const { strike, ask, bid } = side.table;
    const { sell, expectedPayoff } = side;
    const multiplier = this.market.multiplier;
    const { maxDebit, maxMaxLoss, minReturnOnRisk, minExpectedValue } = this.query;
    // A bull call makes money above its breakeven, a bear put below.
    const profitAbove = side.isCall;
    const strikeLong = strike[near] as number;
    const buyLong = side.buy[near] as number;
    const payoffLong = expectedPayoff[near] as number;
    const askLong = ask[near] as number;
    const bidLong = bid[near] as number;
    const beyondLong = side.probabilityBelowStrike[near] as number;
    const popBound = Math.min(popCeiling, profitAbove ? 1 - beyondLong : beyondLong);
    let position = from;
    for (; position < end; position++) {
      const short = legs[position] as number;
      const strikeShort = strike[short] as number;
      const width = strikeShort > strikeLong ? strikeShort - strikeLong : strikeLong - strikeShort;
      const net = (sell[short] as number) - buyLong;
      const maxProfit = width + net;
      const maxLoss = -net;
      if (!(maxProfit > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) break;
      if (-net > maxDebit) break;
      const maxLossPerLot = maxLoss * multiplier;
      const returnOnRisk = maxProfit / maxLoss;
      if (maxLossPerLot > maxMaxLoss || returnOnRisk < minReturnOnRisk) break;
      const liquidity = liquidityComponent((ask[short] as number) - (bid[short] as number) + askLong - bidLong, net);
      const expectedValuePerLot = (net - (expectedPayoff[short] as number) + payoffLong) * multiplier;
      if (expectedValuePerLot < minExpectedValue) break;
      if (
        !this.cannotRank(
          net,
          width,
          maxLossPerLot,
          returnOnRisk,
          popBound,
          expectedValuePerLot / maxLossPerLot,
          expectedValuePerLot,
          Number.NaN,
          liquidity,
          threshold,
        )
      )
        break;
    }
    return position;
  }

  /**
   * Bound on the POP of every credit vertical sold at `short` that collects at most
   * `largestCredit`: more credit moves the breakeven further out of the money.
   */
  creditPopCeiling(side: PricedSide, short: number, largestCredit: number): number {
    const strike = side.table.strike[short] as number;
    const breakeven = side.isCall ? strike + largestCredit : strike - largestCredit;
    if (!(breakeven > 0)) return 1;
    const below = probabilityBelowFromLog(Math.log(breakeven) - this.logForward, side.deviation[short] as number);
    return side.isCall ? below : 1 - below;
  }

  /**
   * Bound on the POP of every debit vertical bought at `long` that pays at least
   * `smallestDebit` (a larger debit moves the breakeven further from the money), under the
   * expiration's σ, or under the short legs' σ when their deviations σ√T lie from
   * `minDeviation` to `maxDeviation`.
   */
  debitPopCeiling(side: PricedSide, long: number, smallestDebit: number, minDeviation: number, maxDeviation: number): number {
    const strike = side.table.strike[long] as number;
    const breakeven = side.isCall ? strike + smallestDebit : strike - smallestDebit;
    if (!(breakeven > 0)) return 1;
    const logLevel = Math.log(breakeven) - this.logForward;
    if (this.shared) {
      const below = probabilityBelowFromLog(logLevel, side.deviation[long] as number);
      return side.isCall ? 1 - below : below;
    }
    // Each spread is judged under its short leg's σ, which lies within the partners' range:
    // the ceiling is the largest probability over that range. P(S_T < x) = Φ(h(v)) with
    // h(v) = ln(x/F)/v + v/2 for the deviation v: h is convex in v with its minimum at
    // √(2 ln(x/F)) when x > F (and increasing otherwise), so its maximum on a range is at an
    // end, and its minimum (what maximises P(S_T > x)) at the clamped turning point.
    if (!(minDeviation > 0 && maxDeviation >= minDeviation)) return 1;
    if (!side.isCall) {
      return Math.max(probabilityBelowFromLog(logLevel, minDeviation), probabilityBelowFromLog(logLevel, maxDeviation));
    }
    let deviation = minDeviation;
    if (logLevel > 0) {
      const turning = Math.sqrt(2 * logLevel);
      deviation = turning < minDeviation ? minDeviation : turning > maxDeviation ? maxDeviation : turning;
    }
    return 1 - probabilityBelowFromLog(logLevel, deviation);
  }

  /** True when every spread of the expiration shares one σ (the per-leg columns hold its constants). */
  get sharesVolatility(): boolean {
    return this.shared;
  }

  /** The σ distance of a leg sold under its σ (the expiration's, or its own): a vertical's Spread.short_sigma_distance. */
  sigmaDistanceAt(side: PricedSide, short: number): number {
    return this.legSigmaDistance(side, short, side.deviation[short] as number);
  }

  /** The probability of touch of a vertical sold at `short` (cached per leg). */
  shortTouch(side: PricedSide, short: number): number {
    return this.legTouch(side, short);
  }
}

export const CREDIT_VERTICAL: Record<"call" | "put", Strategy> = {
  call: Strategy.STRATEGY_BEAR_CALL,
  put: Strategy.STRATEGY_BULL_PUT,
};
export const DEBIT_VERTICAL: Record<"call" | "put", Strategy> = {
  call: Strategy.STRATEGY_BULL_CALL,
  put: Strategy.STRATEGY_BEAR_PUT,
};
