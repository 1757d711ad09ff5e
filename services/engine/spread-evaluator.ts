// The spread evaluator: the metrics of one candidate spread of any strategy, computed by
// one set of formulas whether the hot loop is filtering millions of candidates or the result
// is being described. Verticals come from VerticalEvaluator; this adds the iron condors and
// butterflies, evaluated pair of short legs by pair so that what the pair fixes is computed
// once for all its wings.
import {
  MAX_MAX_LOSS,
  MAX_PROBABILITY_OF_TOUCH,
  MAX_WING_WIDTH_DIFFERENCE,
  MIN_CREDIT,
  MIN_CREDIT_TO_WIDTH,
  MIN_EXPECTED_VALUE,
  MIN_POP,
  MIN_RETURN_ON_RISK,
  MIN_SHORT_SIGMA_DISTANCE,
  NO_SPREAD,
} from "./filter-rejections.js";
import { SortKey } from "../../gen/ts/spreadscan/scanner/v1/query.js";
import { liquidityComponent } from "./composite-score.js";
import { MONEY_EPSILON } from "./expiry-evaluator.js";
import { expectedCallFromLog, expectedPutFromLog, probabilityBelowFromLog } from "./lognormal-kernels.js";
import type { PricedSide } from "./priced-side.js";
import { touchProbabilityEither } from "./terminal-distribution.js";
import { VerticalEvaluator } from "./vertical-evaluator.js";

// Read once: the hot loop should not go through the enum object for every candidate.
const SORT_BY_TOUCH = SortKey.SORT_KEY_PROBABILITY_OF_TOUCH;

export class SpreadEvaluator extends VerticalEvaluator {
  // The iron pair being evaluated: the volatility (its short legs' under
  // PROBABILITY_MODEL_SHORT_LEG_IV) and the short legs' expected payoffs, shared by every
  // combination of wings.
  private pairGeneration = 0;
  private pairVolatility = 0;
  private pairDeviation = 0;
  private pairPayoffPutShort = 0;
  private pairPayoffCallShort = 0;
  private pairTouch = Number.NaN;
  /** The pair's σ distance: the nearer of its short strikes, under the pair's σ; valid while pairSigmaGeneration matches. */
  private pairSigmaDistance = 0;
  private pairSigmaGeneration = -1;

  /**
   * Starts the iron spreads whose short legs are putShort and callShort. With the largest
   * credit any of their wing combinations can collect and their narrowest wings, it bounds
   * the POP of all of them at once: more credit only moves the breakevens outwards.
   */
  beginIronPair(
    puts: PricedSide,
    calls: PricedSide,
    putShort: number,
    callShort: number,
    largestCredit: number,
    narrowestPutWing: number,
    narrowestCallWing: number,
  ): void {
    this.pairGeneration++;
    const putStrike = puts.table.strike[putShort] as number;
    const callStrike = calls.table.strike[callShort] as number;
    if (this.shared) {
      this.pairVolatility = this.sharedVolatility;
      this.pairDeviation = puts.deviation[putShort] as number;
      this.pairPayoffPutShort = puts.expectedPayoff[putShort] as number;
      this.pairPayoffCallShort = calls.expectedPayoff[callShort] as number;
    } else {
      const volatility = 0.5 * ((puts.table.impliedVolatility[putShort] as number) + (calls.table.impliedVolatility[callShort] as number));
      const deviation = volatility * this.sqrtYears;
      this.pairVolatility = volatility;
      this.pairDeviation = deviation;
      this.pairPayoffPutShort = expectedPutFromLog(putStrike, this.forwardPrice, this.logForward - (puts.table.logStrike[putShort] as number), deviation);
      this.pairPayoffCallShort = expectedCallFromLog(callStrike, this.forwardPrice, this.logForward - (calls.table.logStrike[callShort] as number), deviation);
    }
    this.pairTouch = Number.NaN;
    this.wingPopCeiling = this.popCeiling(putStrike, callStrike, largestCredit, narrowestPutWing, narrowestCallWing);
  }

  /** Bound on the POP of the iron spreads of the current pair (and put wing, once begun). */
  private wingPopCeiling = 1;

  /**
   * Narrows the POP ceiling to one put wing of the current pair: its credit is known, so
   * only the call side's largest credit is left to bound.
   */
  beginPutWing(
    puts: PricedSide,
    calls: PricedSide,
    putShort: number,
    putLong: number,
    callShort: number,
    largestCallCredit: number,
    narrowestCallWing: number,
  ): void {
    const putStrike = puts.table.strike[putShort] as number;
    const credit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number) + largestCallCredit;
    const putWidth = putStrike - (puts.table.strike[putLong] as number);
    this.wingPopCeiling = this.popCeiling(putStrike, calls.table.strike[callShort] as number, credit, putWidth, narrowestCallWing);
  }

  /**
   * POP of an iron spread with the given shorts if it collected `credit` with wings no
   * narrower than given: more credit only moves the breakevens outwards, and past a
   * wing's width that side is profitable all the way out.
   */
  private popCeiling(
    putStrike: number,
    callStrike: number,
    credit: number,
    narrowestPutWing: number,
    narrowestCallWing: number,
    deviation = this.pairDeviation,
  ): number {
    const above = credit < narrowestCallWing ? probabilityBelowFromLog(Math.log(callStrike + credit) - this.logForward, deviation) : 1;
    const below = credit < narrowestPutWing ? probabilityBelowFromLog(Math.log(putStrike - credit) - this.logForward, deviation) : 0;
    return above - below;
  }

  /** The POP ceiling of the current pair, narrowed to its current put wing once beginPutWing ran. */
  get ironPopCeiling(): number {
    return this.wingPopCeiling;
  }

  /**
   * A bound on the POP of every iron spread with these shorts that collects at most
   * `largestCredit`, without starting the pair (for ordering pairs before any is evaluated).
   */
  pairPopCeiling(
    puts: PricedSide,
    calls: PricedSide,
    putShort: number,
    callShort: number,
    largestCredit: number,
    narrowestPutWing: number,
    narrowestCallWing: number,
  ): number {
    return this.popCeiling(
      puts.table.strike[putShort] as number,
      calls.table.strike[callShort] as number,
      largestCredit,
      narrowestPutWing,
      narrowestCallWing,
      this.pairDeviationOf(puts, calls, putShort, callShort),
    );
  }

  /**
   * A lower bound on the probability of touch of every iron spread with these shorts: under a
   * shared σ, touching either short is at least as likely as touching each one (read from the
   * per-leg cache); under the short legs' σ, the pair's own value, which its wings share.
   */
  pairTouchFloor(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): number {
    const putStrike = puts.table.strike[putShort] as number;
    const callStrike = calls.table.strike[callShort] as number;
    if (!(putStrike < callStrike)) return 1;
    if (this.shared) return Math.max(this.legTouch(puts, putShort), this.legTouch(calls, callShort));
    const { spot, rate, dividendYield } = this.market;
    const volatility = 0.5 * ((puts.table.impliedVolatility[putShort] as number) + (calls.table.impliedVolatility[callShort] as number));
    return touchProbabilityEither(spot, rate, dividendYield, volatility, this.market.expiry.years, putStrike, callStrike);
  }

  /** The σ distance of every iron spread with these shorts (Spread.short_sigma_distance), without starting the pair: a bound of its groups under SORT_KEY_SHORT_SIGMA_DISTANCE. */
  pairSigmaDistanceOf(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): number {
    const deviation = this.pairDeviationOf(puts, calls, putShort, callShort);
    const putDistance = this.legSigmaDistance(puts, putShort, deviation);
    const callDistance = this.legSigmaDistance(calls, callShort, deviation);
    return putDistance < callDistance ? putDistance : callDistance;
  }

  /** The deviation of ln S_T an iron pair is judged under: the expiration's, or from the mean of its shorts' σ. */
  private pairDeviationOf(puts: PricedSide, calls: PricedSide, putShort: number, callShort: number): number {
    if (this.shared) return puts.deviation[putShort] as number;
    return 0.5 * ((puts.table.impliedVolatility[putShort] as number) + (calls.table.impliedVolatility[callShort] as number)) * this.sqrtYears;
  }

  /**
   * An iron condor (put short strike below call short strike) or iron butterfly (equal
   * short strikes): a bull put spread (putShort, putLong) plus a bear call spread
   * (callShort, callLong). Volatility: the expiration's, or under
   * PROBABILITY_MODEL_SHORT_LEG_IV the mean of the two short legs'. Call
   * beginIronPair(putShort, callShort) first.
   */
  iron(
    puts: PricedSide,
    calls: PricedSide,
    putShort: number,
    putLong: number,
    callShort: number,
    callLong: number,
    threshold: number,
    describe: boolean,
  ): boolean {
    const query = this.query;
    const strikePutShort = puts.table.strike[putShort] as number;
    const strikePutLong = puts.table.strike[putLong] as number;
    const strikeCallShort = calls.table.strike[callShort] as number;
    const strikeCallLong = calls.table.strike[callLong] as number;
    const putWidth = strikePutShort - strikePutLong;
    const callWidth = strikeCallLong - strikeCallShort;
    const width = putWidth > callWidth ? putWidth : callWidth;
    const net = (puts.sell[putShort] as number) - (puts.buy[putLong] as number) + (calls.sell[callShort] as number) - (calls.buy[callLong] as number);
    const maxLoss = width - net;
    if (describe || this.sigmaDistanceNeeded) {
      // Once per pair, and only when read: two logarithms per pair would cost a query that
      // neither sorts nor filters by it.
      if (this.pairSigmaGeneration !== this.pairGeneration) {
        const putDistance = this.legSigmaDistance(puts, putShort, this.pairDeviation);
        const callDistance = this.legSigmaDistance(calls, callShort, this.pairDeviation);
        this.pairSigmaDistance = putDistance < callDistance ? putDistance : callDistance;
        this.pairSigmaGeneration = this.pairGeneration;
      }
      this.shortSigmaDistance = this.pairSigmaDistance;
      // Under the short legs' mean σ the distance is the pair's, judged here with the spread
      // (under a shared σ the leg filters held it).
      if (!describe && !this.shared && this.pairSigmaDistance < query.minShortSigmaDistance) return this.rejected(MIN_SHORT_SIGMA_DISTANCE);
    }
    if (!describe) {
      if (!(net > MONEY_EPSILON && maxLoss > MONEY_EPSILON)) return this.rejected(NO_SPREAD);
      // Each side must be a credit vertical in its own right: a side priced at or above its
      // width is an artefact of stale or wide quotes, not an opportunity.
      const putCredit = (puts.sell[putShort] as number) - (puts.buy[putLong] as number);
      const callCredit = (calls.sell[callShort] as number) - (calls.buy[callLong] as number);
      if (!(putCredit > MONEY_EPSILON && putWidth - putCredit > MONEY_EPSILON)) return this.rejected(NO_SPREAD);
      if (!(callCredit > MONEY_EPSILON && callWidth - callCredit > MONEY_EPSILON)) return this.rejected(NO_SPREAD);
      if (net < query.minCredit || net < query.minCreditToWidth * width) return this.rejected(net < query.minCredit ? MIN_CREDIT : MIN_CREDIT_TO_WIDTH);
      const difference = putWidth > callWidth ? putWidth - callWidth : callWidth - putWidth;
      if (difference > query.maxWingWidthDifference) return this.rejected(MAX_WING_WIDTH_DIFFERENCE);
    }
    const multiplier = this.market.multiplier;
    const maxLossPerLot = maxLoss * multiplier;
    const returnOnRisk = net / maxLoss;
    if (!describe && (maxLossPerLot > query.maxMaxLoss || returnOnRisk < query.minReturnOnRisk))
      return this.rejected(maxLossPerLot > query.maxMaxLoss ? MAX_MAX_LOSS : MIN_RETURN_ON_RISK);

    const bidAskFraction = Math.max(
      puts.bidAskFraction[putShort] as number,
      puts.bidAskFraction[putLong] as number,
      calls.bidAskFraction[callShort] as number,
      calls.bidAskFraction[callLong] as number,
    );
    const putTable = puts.table;
    const callTable = calls.table;
    const liquidity = liquidityComponent(
      (putTable.ask[putShort] as number) -
        (putTable.bid[putShort] as number) +
        (putTable.ask[putLong] as number) -
        (putTable.bid[putLong] as number) +
        (callTable.ask[callShort] as number) -
        (callTable.bid[callShort] as number) +
        (callTable.ask[callLong] as number) -
        (callTable.bid[callLong] as number),
      net,
    );
    // An iron spread's expected value is cheap here (its legs' expected payoffs are per-strike
    // constants of the expiration under a shared σ, cached per pair of shorts otherwise) and
    // POP is not, so EV comes first and a candidate that cannot rank even at a bound on its
    // POP is dropped before POP.
    const maxProfitPerLot = net * multiplier;
    const expectedPayoff = net - this.pairPayoffPutShort + this.pairPayoff(puts, putLong) - this.pairPayoffCallShort + this.pairPayoff(calls, callLong);
    const expectedValuePerLot = expectedPayoff * multiplier;
    if (!describe) {
      if (expectedValuePerLot < query.minExpectedValue) return this.rejected(MIN_EXPECTED_VALUE);
      if (this.ironRankBeforePop && threshold !== -Infinity) {
        const expectedValuePerRisk = expectedValuePerLot / maxLossPerLot;
        // The pair's ceiling first; with a shared σ, what it leaves gets a bound within one
        // listed strike of the exact POP, from the per-strike probabilities.
        if (
          this.cannotRank(
            net,
            width,
            maxLossPerLot,
            returnOnRisk,
            this.wingPopCeiling,
            expectedValuePerRisk,
            expectedValuePerLot,
            Number.NaN,
            liquidity,
            threshold,
          ) ||
          (this.shared &&
            this.cannotRank(
              net,
              width,
              maxLossPerLot,
              returnOnRisk,
              bracketedIronPop(puts, calls, putShort, putLong, callShort, callLong, net),
              expectedValuePerRisk,
              expectedValuePerLot,
              Number.NaN,
              liquidity,
              threshold,
            ))
        ) {
          this.rankedOut++;
          return false;
        }
      }
    }

    const { spot, rate, dividendYield } = this.market;
    const years = this.market.expiry.years;
    const volatility = this.pairVolatility;
    // With unequal wings the credit can exceed the narrower wing: that side then never
    // loses, has no breakeven, and is profitable all the way out.
    const breakevenLow = net - putWidth <= MONEY_EPSILON ? strikePutShort - net : Number.NaN;
    const breakevenHigh = net - callWidth <= MONEY_EPSILON ? strikeCallShort + net : Number.NaN;
    const deviation = this.pairDeviation;
    const logForward = this.logForward;
    const pop =
      (Number.isNaN(breakevenHigh) ? 1 : probabilityBelowFromLog(Math.log(breakevenHigh) - logForward, deviation)) -
      (Number.isNaN(breakevenLow) ? 0 : probabilityBelowFromLog(Math.log(breakevenLow) - logForward, deviation));
    if (!describe && pop < query.minPop) return this.rejected(MIN_POP);

    let touch = Number.NaN;
    if (describe || query.maxProbabilityOfTouch < Infinity || query.sort === SORT_BY_TOUCH) {
      if (Number.isNaN(this.pairTouch)) {
        // A butterfly's shorts share one strike, so the price always stands on the losing side
        // of one of them (or on the strike itself, which a diffusion leaves at once): touched.
        this.pairTouch =
          strikePutShort < strikeCallShort ? touchProbabilityEither(spot, rate, dividendYield, volatility, years, strikePutShort, strikeCallShort) : 1;
      }
      touch = this.pairTouch;
      if (!describe && touch > query.maxProbabilityOfTouch) return this.rejected(MAX_PROBABILITY_OF_TOUCH);
    }

    this.netCredit = net;
    this.width = width;
    this.maxProfitPerLot = maxProfitPerLot;
    this.maxLossPerLot = maxLossPerLot;
    this.breakevenLow = breakevenLow;
    this.breakevenHigh = breakevenHigh;
    this.pop = pop;
    this.expectedValuePerLot = expectedValuePerLot;
    this.probabilityOfTouch = touch;
    this.volatility = volatility;
    this.liquidity = liquidity;
    this.worstBidAskFraction = bidAskFraction;
    this.finishRanking(returnOnRisk, width);
    if (!describe) this.fullyEvaluated++;
    return true;
  }

  /** Expected payoff at expiry of a long leg under the current iron pair's volatility: the expiration's column, or cached per pair. */
  private pairPayoff(side: PricedSide, leg: number): number {
    if (this.shared) return side.expectedPayoff[leg] as number;
    if (side.pairGeneration[leg] === this.pairGeneration) return side.pairPayoff[leg] as number;
    const strike = side.table.strike[leg] as number;
    const logForwardOverStrike = this.logForward - (side.table.logStrike[leg] as number);
    const value = side.isCall
      ? expectedCallFromLog(strike, this.forwardPrice, logForwardOverStrike, this.pairDeviation)
      : expectedPutFromLog(strike, this.forwardPrice, logForwardOverStrike, this.pairDeviation);
    side.pairPayoff[leg] = value;
    side.pairGeneration[leg] = this.pairGeneration;
    return value;
  }
}

/**
 * Under a σ shared by the expiration, a bound on an iron spread's POP, P(low breakeven < S_T <
 * high breakeven), without a logarithm: a breakeven exists where the credit is below its
 * wing, strictly between that wing's strikes, and P(S_T < strike) of the listed strikes
 * beyond it (the first at or above the high one, the last at or below the low one) bounds its
 * term. Every leg between a short and its long is within the width bound of the short, so
 * its probability is in the column.
 */
function bracketedIronPop(puts: PricedSide, calls: PricedSide, putShort: number, putLong: number, callShort: number, callLong: number, net: number): number {
  const callStrikes = calls.table.strike;
  const putStrikes = puts.table.strike;
  let upper = 1;
  if (net < (callStrikes[callLong] as number) - (callStrikes[callShort] as number)) {
    const breakeven = (callStrikes[callShort] as number) + net;
    let leg = callShort + 1;
    while (leg < callLong && (callStrikes[leg] as number) < breakeven) leg++;
    upper = calls.probabilityBelowStrike[leg] as number;
  }
  let lower = 0;
  if (net < (putStrikes[putShort] as number) - (putStrikes[putLong] as number)) {
    const breakeven = (putStrikes[putShort] as number) - net;
    let leg = putShort - 1;
    while (leg > putLong && (putStrikes[leg] as number) > breakeven) leg--;
    lower = puts.probabilityBelowStrike[leg] as number;
  }
  return upper - lower;
}
